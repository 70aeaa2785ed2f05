"""The bottleneck contract shared by every latent type.

An auto-encoder is ``encoder -> bottleneck -> decoder``. The encoder produces a
vector ``h`` of ``in_features(latent_dim)`` numbers; the bottleneck turns it into
``z`` (what the decoder reads, ``out_features(latent_dim)`` numbers) and a
``code`` (what a user gets from ``transform``). Every bottleneck returns the same
``BottleneckOutput`` so they swap freely without touching the trainer.

A sequence encoder produces one such vector per frame, ``h`` of shape ``(B, T, in_features)``
with a ``mask`` ``(B, T)`` of real (not padded) frames: every bottleneck then codes each real
frame on its own (``forward_vectors`` sees only those, so codebook statistics and losses ignore
padding) and returns ``(B, T, ...)`` tensors with zeros on the padding.

Bottlenecks get the training :class:`~aekit.context.Context` from the model: the global step
(for warm-ups and temperature schedules) and the values per sample of the data (terms like the
KL are reported per value, on the scale of the per-value reconstruction loss).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..config import check_number
from ..context import Context
from ..errors import ConfigError, NoPriorError
from ..registry import Registry


@dataclass
class BottleneckOutput:
    z: torch.Tensor  # (B, out_features): what the decoder reads
    code: torch.Tensor  # (B, code_dim): what transform() returns (mean, indices, one-hot, ...)
    losses: dict[str, torch.Tensor] = field(default_factory=dict)  # extra terms (KL, commitment, ...)
    indices: torch.Tensor | None = None  # discrete indices where the code is discrete
    info: dict[str, float] = field(default_factory=dict)  # logged statistics (perplexity, bits, ...)


def _scatter(values: torch.Tensor, valid: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """Rows for the valid frames -> ``(B, T, ...)`` with zeros on the padding."""
    out = values.new_zeros((shape[0] * shape[1], *values.shape[1:]))
    out[valid] = values
    return out.reshape(*shape, *values.shape[1:])


class Bottleneck(nn.Module):
    """Base class. Subclasses set the sizes and implement ``forward_vectors`` and ``decode_code``."""

    #: whether ``sample_prior`` can draw codes (VAE, VQ + prior, ...)
    generative: bool = False
    #: buffers aekit 0.1 kept and this version no longer needs (dropped when an old model loads)
    legacy_buffers: tuple[str, ...] = ("step",)

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.latent_dim = check_number(latent_dim, "latent_dim", integer=True, minimum=1, meaning="size of the code")

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in self.legacy_buffers:  # aekit 0.1 counted its own forward calls; the step is now the trainer's
            if name not in self._buffers and name not in self._parameters:
                state_dict.pop(prefix + name, None)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @property
    def in_features(self) -> int:
        """Size of the encoder output this bottleneck consumes."""
        return self.latent_dim

    @property
    def out_features(self) -> int:
        """Size of ``z`` handed to the decoder."""
        return self.latent_dim

    @property
    def code_dim(self) -> int:
        """Size of ``code`` as returned by ``transform``."""
        return self.latent_dim

    def forward(self, h: torch.Tensor, ctx: Context | None = None,
                mask: torch.Tensor | None = None) -> BottleneckOutput:
        """``h``: ``(B, in_features)``, or ``(B, T, in_features)`` per frame with ``mask`` ``(B, T)``."""
        ctx = ctx or Context()
        if h.dim() == 2:
            return self.forward_vectors(h, ctx)
        if h.dim() != 3:
            raise ConfigError(f"a bottleneck takes (B, {self.in_features}) vectors or (B, T, {self.in_features}) "
                              f"frames; got shape {tuple(h.shape)}.")
        B, T, F = h.shape
        valid = torch.ones(B * T, dtype=torch.bool, device=h.device) if mask is None else mask.reshape(-1).bool()
        out = self.forward_vectors(h.reshape(B * T, F)[valid], ctx)
        return BottleneckOutput(z=_scatter(out.z, valid, (B, T)), code=_scatter(out.code, valid, (B, T)),
                                losses=out.losses, info=out.info,
                                indices=None if out.indices is None else _scatter(out.indices, valid, (B, T)))

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (N, in_features)
        """Code ``N`` independent vectors (samples, or the real frames of sequences)."""
        raise NotImplementedError

    def decode_code(self, code: torch.Tensor) -> torch.Tensor:
        """Map a ``code`` (as returned in ``BottleneckOutput.code``) back to ``z``; per frame for ``(B, T, code_dim)``."""
        if code.dim() == 3:
            B, T, _ = code.shape
            return self.decode_vectors(code.reshape(B * T, -1)).reshape(B, T, -1)
        return self.decode_vectors(code)

    def decode_vectors(self, code: torch.Tensor) -> torch.Tensor:  # (N, code_dim) -> (N, out_features)
        raise NotImplementedError

    def sample_prior(self, n: int, generator: torch.Generator | None = None,
                     temperature: float = 1.0) -> torch.Tensor:
        """Draw ``n`` codes ``z`` from the prior; only generative bottlenecks have one.

        ``temperature`` scales the prior's spread (< 1: more typical, less varied samples): the
        standard deviation of a Gaussian, the softmax temperature of a learned discrete prior.
        """
        raise NoPriorError(
            f"The {type(self).__name__} bottleneck has no generative prior, so it cannot sample. "
            "Train with bottleneck='gaussian' (a VAE), or a discrete bottleneck ('vq', 'categorical', "
            "'binary') with a learned prior: bottleneck_options={'prior': {}}."
        )


class DiscreteBottleneck(Bottleneck):
    """A bottleneck whose code is ``latent_dim`` indices, each one of ``vocab_size`` symbols.

    An optional learned prior over the index sequence (``prior={...}``, see :mod:`aekit.priors`)
    makes it generative: ``sample_prior`` draws indices from the prior and maps them to ``z``.
    The prior is trained after the auto-encoder, on the indices of the training data.
    """

    def __init__(self, latent_dim: int, vocab_size: int, prior: dict | None = None) -> None:
        super().__init__(latent_dim)
        self.vocab_size = int(vocab_size)
        self.prior = None
        if prior is not None:
            from ..priors import create_prior

            self.prior = create_prior(self.latent_dim, self.vocab_size, prior)
            # fitted in a second stage on the codes (AutoEncoder fit), not with the auto-encoder: frozen
            # here, so data-parallel training of the auto-encoder sees no parameters without gradients
            self.prior.requires_grad_(False)

    @property
    def generative(self) -> bool:  # type: ignore[override]
        return self.prior is not None

    @property
    def code_dim(self) -> int:
        return self.latent_dim

    def check_indices(self, code: torch.Tensor) -> torch.Tensor:
        """``code`` (floats or ints, ``(B, latent_dim)``) as validated long indices."""
        if code.ndim != 2 or code.shape[1] != self.latent_dim:
            raise ConfigError(f"Codes of shape {tuple(code.shape)} do not fit this {type(self).__name__} "
                              f"bottleneck: expected (n, {self.latent_dim}) indices.")
        idx = torch.round(code).long() if code.is_floating_point() else code.long()
        if code.is_floating_point() and not torch.equal(idx.to(code.dtype), code):
            raise ConfigError(f"Codes of the {type(self).__name__} bottleneck must be whole numbers "
                              "(indices), as returned by transform().")
        if idx.numel() and (idx.min() < 0 or idx.max() >= self.vocab_size):
            raise ConfigError(f"Code indices must lie in [0, {self.vocab_size - 1}]; got values from "
                              f"{int(idx.min())} to {int(idx.max())}.")
        return idx

    def indices_to_z(self, idx: torch.Tensor) -> torch.Tensor:  # (B, latent_dim) long -> (B, out_features)
        raise NotImplementedError

    def decode_vectors(self, code: torch.Tensor) -> torch.Tensor:
        return self.indices_to_z(self.check_indices(code))

    def sample_indices(self, n: int, generator: torch.Generator | None = None,
                       temperature: float = 1.0) -> torch.Tensor:
        if self.prior is None:
            super().sample_prior(n, generator)  # raises NoPriorError
        return self.prior.sample(n, generator=generator, temperature=temperature)

    def sample_prior(self, n: int, generator: torch.Generator | None = None,
                     temperature: float = 1.0) -> torch.Tensor:
        return self.indices_to_z(self.sample_indices(n, generator, temperature))


def index_perplexity(idx: torch.Tensor, vocab_size: int) -> float:
    """Perplexity of the histogram of ``idx``: the effective number of symbols in use (logged as ``info``)."""
    counts = torch.bincount(idx.flatten(), minlength=vocab_size).float()
    p = counts[counts > 0] / counts.sum()
    return float(torch.exp(-(p * p.log()).sum()))


BOTTLENECKS: Registry[Bottleneck] = Registry("bottleneck")
