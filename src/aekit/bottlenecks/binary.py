"""Binary codes: each latent unit is a bit, trained with a straight-through estimator.

Bengio, Leonard & Courville 2013, https://arxiv.org/abs/1308.3432 (straight-through
estimator). The forward pass uses hard bits; the backward pass uses the gradient of
the sigmoid probability, as if the rounding were the identity.
"""

from __future__ import annotations

import torch

from ..context import Context
from ..errors import ConfigError
from .base import BOTTLENECKS, BottleneckOutput, DiscreteBottleneck


@BOTTLENECKS.register("binary")
class Binary(DiscreteBottleneck):
    """``latent_dim`` bits per sample.

    Options: ``values`` (``"01"``: the decoder reads {0, 1}; ``"pm1"``: {-1, 1}),
    ``stochastic`` (during training draw each bit from Bernoulli(sigmoid(h)), which keeps
    the code informative near the threshold; inference always thresholds at 0.5),
    ``prior`` (a learned prior over the bit sequence, making it generative).
    The code returned by ``transform`` is the bits as 0/1.
    """

    def __init__(self, latent_dim: int, values: str = "01", stochastic: bool = True,
                 prior: dict | None = None) -> None:
        super().__init__(latent_dim, vocab_size=2, prior=prior)
        if values not in ("01", "pm1"):
            raise ConfigError(f"binary values={values!r} must be '01' or 'pm1'.")
        self.values, self.stochastic = values, bool(stochastic)

    def indices_to_z(self, idx: torch.Tensor) -> torch.Tensor:
        bits = idx.float()
        return 2 * bits - 1 if self.values == "pm1" else bits

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (B, D) logits
        p = torch.sigmoid(h)
        if self.training and self.stochastic:
            bits = torch.bernoulli(p.detach())
        else:
            bits = (h > 0).float()
        soft = 2 * p - 1 if self.values == "pm1" else p
        z = self.indices_to_z(bits) + soft - soft.detach()  # straight through: hard forward, sigmoid grad
        return BottleneckOutput(z=z, code=bits, indices=bits.long(),
                                info={"bits": float(self.latent_dim), "ones": float(bits.mean())})
