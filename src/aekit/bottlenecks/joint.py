"""A code made of parts: e.g. a categorical "what" next to a Gaussian "how".

The encoder output is split among the parts, each part is its own bottleneck, and the
decoder reads their ``z`` side by side. With a one-hot part and a small continuous part
(as JointVAE, Dupont 2018, https://arxiv.org/abs/1804.00104) the discrete variable tends
to take the identity of a sample (the digit) and the continuous one its style (slant,
thickness): a split code, trained without labels.
"""

from __future__ import annotations

import torch
from torch import nn

from ..context import Context
from ..errors import ConfigError, NoPriorError
from .base import BOTTLENECKS, Bottleneck, BottleneckOutput


@BOTTLENECKS.register("joint")
class Joint(Bottleneck):
    """Parts given as ``parts=[{"name": "categorical", "latent_dim": 1, "categories": 10},
    {"name": "gaussian", "latent_dim": 4}]``; ``latent_dim`` must be the sum of the parts'.

    The code is the parts' codes side by side (for the example: the category, then the
    4 Gaussian means). Loss terms and statistics are prefixed by the part's position and
    name (``"0.categorical.kl"``), so ``loss_weights`` can weight each part.
    """

    def __init__(self, latent_dim: int, parts: list[dict] | None = None) -> None:
        super().__init__(latent_dim)
        if not parts or not isinstance(parts, (list, tuple)):
            raise ConfigError("joint needs parts=[{'name': ..., 'latent_dim': ...}, ...] with at least one part.")
        built = []
        for i, spec in enumerate(parts):
            if not isinstance(spec, dict) or "name" not in spec or "latent_dim" not in spec:
                raise ConfigError(f"joint part {i} ({spec!r}) must be a dict with 'name' and 'latent_dim'.")
            if spec["name"] == "joint":
                raise ConfigError("joint parts cannot themselves be joint.")
            if spec.get("prior") is not None:
                raise ConfigError(f"joint part {i} asks for a learned prior; priors are fitted only on a whole "
                                  "discrete bottleneck, not on the parts of a joint one.")
            options = {k: v for k, v in spec.items() if k not in ("name", "latent_dim")}
            built.append(BOTTLENECKS.create(spec["name"], latent_dim=spec["latent_dim"], **options))
        self.parts = nn.ModuleList(built)
        self.names = [f"{i}.{spec['name']}" for i, spec in enumerate(parts)]
        total = sum(p.code_dim for p in self.parts)
        if total != self.latent_dim:
            raise ConfigError(f"joint latent_dim={self.latent_dim} must equal the sum of its parts' code sizes, {total}.")

    @property
    def generative(self) -> bool:  # type: ignore[override]
        return all(p.generative for p in self.parts)

    @property
    def in_features(self) -> int:
        return sum(p.in_features for p in self.parts)

    @property
    def out_features(self) -> int:
        return sum(p.out_features for p in self.parts)

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (B, sum in_features)
        outs = [p.forward_vectors(x, ctx) for p, x in zip(self.parts, h.split([p.in_features for p in self.parts], 1))]
        losses = {f"{n}.{k}": v for n, o in zip(self.names, outs) for k, v in o.losses.items()}
        info = {f"{n}.{k}": v for n, o in zip(self.names, outs) for k, v in o.info.items()}
        return BottleneckOutput(z=torch.cat([o.z for o in outs], 1), code=torch.cat([o.code for o in outs], 1),
                                losses=losses, info=info)

    def decode_vectors(self, code: torch.Tensor) -> torch.Tensor:
        pieces = code.split([p.code_dim for p in self.parts], 1)
        return torch.cat([p.decode_vectors(c) for p, c in zip(self.parts, pieces)], 1)

    def sample_prior(self, n: int, generator: torch.Generator | None = None,
                     temperature: float = 1.0) -> torch.Tensor:
        missing = [name for name, p in zip(self.names, self.parts) if not p.generative]
        if missing:
            raise NoPriorError(f"The joint bottleneck's parts {missing} have no generative prior, so it cannot "
                               "sample. A joint code samples when every part has a prior of its own: use "
                               "'gaussian' or 'mixture' parts (discrete parts cannot take a learned prior inside "
                               "a joint bottleneck), or a whole discrete bottleneck with bottleneck_options="
                               "{'prior': {}}.")
        return torch.cat([p.sample_prior(n, generator, temperature) for p in self.parts], 1)
