"""Network families: each builds a matching (encoder, decoder) pair.

A family is registered by name and called as
``family(input_shape, in_features, out_features, cond_dim=0, conditioning="concat",
encoder_cond_dim=0, **options)``. The encoder maps a batch of ``input_shape`` samples to
``(B, in_features)`` (or ``(B, T', in_features)``: one vector per frame group of a sequence);
the decoder maps ``(B, out_features)`` (or per frame) back to logits of ``input_shape``.

Both take keyword arguments ``cond`` (a ``(B, cond_dim)`` condition vector) and ``mask``
(``(B, T)`` of a padded sequence batch). A decoder built with ``cond_dim > 0`` reads the
condition by ``conditioning``: ``"concat"`` (appended to the code), ``"film"`` (per-channel
scale and shift of its hidden features) or ``"adain"`` (normalised features, statistics set by
the condition); an encoder built with ``encoder_cond_dim > 0`` sees the condition too (the
encoder of a conditional VAE, q(z | x, c)).
"""

from __future__ import annotations

from torch import nn

from ..errors import ConfigError
from ..layers import activation
from ..registry import Registry

NETS: Registry[tuple[nn.Module, nn.Module]] = Registry("network")


def need_fixed_size(input_shape, family: str) -> None:
    """Families that flatten or see whole images need every size known: sequences of any length
    (a ``None`` length) need a sequence family."""
    if any(s is None for s in input_shape):
        raise ConfigError(f"input_shape={tuple(input_shape)} is a sequence of any length: the {family} network needs "
                          "a fixed size; use a sequence network such as net='conv1d'.")


__all__ = ["NETS", "activation", "need_fixed_size"]
