"""Bottlenecks by name: ``create_bottleneck("continuous", latent_dim=8)``."""

from .base import BOTTLENECKS, Bottleneck, BottleneckOutput, DiscreteBottleneck
# importing the modules registers them
from . import binary as _binary, categorical as _categorical, continuous as _continuous  # noqa: F401
from . import gaussian as _gaussian, joint as _joint, mixture as _mixture, tcvae as _tcvae, vq as _vq  # noqa: F401


def create_bottleneck(name: str, latent_dim: int, **options) -> Bottleneck:
    return BOTTLENECKS.create(name, latent_dim=latent_dim, **options)


__all__ = ["BOTTLENECKS", "Bottleneck", "BottleneckOutput", "DiscreteBottleneck", "create_bottleneck"]
