"""Bottlenecks by name: ``create_bottleneck("continuous", latent_dim=8)``."""

from .base import BOTTLENECKS, Bottleneck, BottleneckOutput
from . import continuous as _continuous  # noqa: F401  (registers "continuous")


def create_bottleneck(name: str, latent_dim: int, **options) -> Bottleneck:
    return BOTTLENECKS.create(name, latent_dim=latent_dim, **options)


__all__ = ["BOTTLENECKS", "Bottleneck", "BottleneckOutput", "create_bottleneck"]
