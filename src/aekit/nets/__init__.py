"""Encoder/decoder network families by name (``"mlp"``, ``"conv"``)."""

from .base import NETS, activation
from . import conv as _conv, mlp as _mlp  # noqa: F401  (register the families)


def create_nets(name: str, input_shape, in_features: int, out_features: int, **options):
    """Build ``(encoder, decoder)`` of family ``name`` for samples of ``input_shape``."""
    return NETS.create(name, input_shape=tuple(input_shape), in_features=in_features,
                       out_features=out_features, **options)


__all__ = ["NETS", "activation", "create_nets"]
