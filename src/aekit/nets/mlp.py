"""Multi-layer perceptron encoder/decoder for flat vectors (tabular data, flattened images)."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError
from .base import NETS, activation


def _stack(sizes: list[int], act: str, norm: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:  # no activation after the last layer: it feeds the bottleneck / logits
            if norm == "layer":
                layers.append(nn.LayerNorm(b))
            layers.append(activation(act))
    return nn.Sequential(*layers)


class MLPEncoder(nn.Module):
    def __init__(self, input_shape, out_features, hidden, act, norm):
        super().__init__()
        self.flat = math.prod(input_shape)
        self.net = _stack([self.flat, *hidden, out_features], act, norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, *input_shape) -> (B, out)
        return self.net(x.reshape(x.shape[0], -1))


class MLPDecoder(nn.Module):
    def __init__(self, input_shape, in_features, hidden, act, norm):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.net = _stack([in_features, *reversed(hidden), math.prod(input_shape)], act, norm)

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # (B, in) -> (B, *input_shape)
        return self.net(z).reshape(z.shape[0], *self.input_shape)


@NETS.register("mlp")
def mlp(input_shape, in_features, out_features, hidden=(256, 128), activation="gelu", norm="none"):
    """Fully connected encoder ``D -> hidden... -> in_features`` and its mirror image.

    Options: ``hidden`` (layer widths, outermost first), ``activation``, ``norm``
    (``"none"`` or ``"layer"``).
    """
    hidden = [int(h) for h in hidden]
    if any(h < 1 for h in hidden):
        raise ConfigError(f"mlp hidden={hidden} must contain positive widths.")
    if norm not in ("none", "layer"):
        raise ConfigError(f"mlp norm={norm!r} must be 'none' or 'layer'.")
    return (MLPEncoder(input_shape, in_features, hidden, activation, norm),
            MLPDecoder(input_shape, out_features, hidden, activation, norm))
