"""Network families: each builds a matching (encoder, decoder) pair.

A family is registered by name and called as
``family(input_shape, in_features, out_features, **options)`` where the encoder
maps a batch of ``input_shape`` samples to ``(B, in_features)`` and the decoder
maps ``(B, out_features)`` back to logits of ``input_shape``.
"""

from __future__ import annotations

from torch import nn

from ..errors import ConfigError
from ..registry import Registry

NETS: Registry[tuple[nn.Module, nn.Module]] = Registry("network")

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "elu": nn.ELU, "tanh": nn.Tanh,
                "leaky_relu": nn.LeakyReLU}


def activation(name: str) -> nn.Module:
    try:
        return _ACTIVATIONS[name]()
    except KeyError:
        raise ConfigError(
            f"Unknown activation {name!r}; choose one of {', '.join(sorted(_ACTIVATIONS))}."
        ) from None
