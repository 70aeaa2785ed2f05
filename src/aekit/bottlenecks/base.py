"""The bottleneck contract shared by every latent type.

An auto-encoder is ``encoder -> bottleneck -> decoder``. The encoder produces a
vector ``h`` of ``in_features(latent_dim)`` numbers; the bottleneck turns it into
``z`` (what the decoder reads, ``out_features(latent_dim)`` numbers) and a
``code`` (what a user gets from ``transform``). Every bottleneck returns the same
``BottleneckOutput`` so they swap freely without touching the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..errors import NoPriorError
from ..registry import Registry


@dataclass
class BottleneckOutput:
    z: torch.Tensor  # (B, out_features): what the decoder reads
    code: torch.Tensor  # (B, code_dim): what transform() returns (mean, indices, one-hot, ...)
    losses: dict[str, torch.Tensor] = field(default_factory=dict)  # extra terms (KL, commitment, ...)
    indices: torch.Tensor | None = None  # discrete indices where the code is discrete
    info: dict[str, float] = field(default_factory=dict)  # logged statistics (perplexity, bits, ...)


class Bottleneck(nn.Module):
    """Base class. Subclasses set the sizes and implement ``forward`` and ``decode_code``."""

    #: whether ``sample_prior`` can draw codes (VAE, VQ + prior, ...)
    generative: bool = False

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.latent_dim = int(latent_dim)

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

    def forward(self, h: torch.Tensor) -> BottleneckOutput:  # (B, in_features)
        raise NotImplementedError

    def decode_code(self, code: torch.Tensor) -> torch.Tensor:
        """Map a ``code`` (as returned in ``BottleneckOutput.code``) back to ``z``."""
        raise NotImplementedError

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` codes ``z`` from the prior; only generative bottlenecks have one."""
        raise NoPriorError(
            f"The {type(self).__name__} bottleneck has no generative prior, so it cannot sample. "
            "Train with a generative bottleneck (e.g. a Gaussian/VAE one) to use sample()."
        )


BOTTLENECKS: Registry[Bottleneck] = Registry("bottleneck")
