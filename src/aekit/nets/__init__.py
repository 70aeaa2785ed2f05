"""Encoder/decoder network families by name (``"mlp"``, ``"conv"``, ``"conv1d"``)."""

from .base import NETS, activation
from . import conv as _conv, conv1d as _conv1d, mlp as _mlp  # noqa: F401  (register the families)


def create_nets(name: str, input_shape, in_features: int, out_features: int, *, cond_dim: int = 0,
                conditioning: str = "concat", encoder_cond_dim: int = 0, **options):
    """Build ``(encoder, decoder)`` of family ``name`` for samples of ``input_shape``.

    ``cond_dim``: size of a condition vector the decoder reads (by ``conditioning``);
    ``encoder_cond_dim``: the same for the encoder (0: the encoder sees only the data).
    """
    extra = {}
    if cond_dim or encoder_cond_dim:  # families without conditioning support then fail by name
        extra = dict(cond_dim=int(cond_dim), conditioning=conditioning, encoder_cond_dim=int(encoder_cond_dim))
    return NETS.create(name, input_shape=tuple(input_shape), in_features=in_features,
                       out_features=out_features, **extra, **options)


__all__ = ["NETS", "activation", "create_nets"]
