"""Multi-layer perceptron encoder/decoder for flat vectors (tabular data, flattened images)."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError
from ..layers import FiLM, activation, check_conditioning
from .base import NETS, need_fixed_size


def _stack(sizes: list[int], act: str, norm: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:  # no activation after the last layer: it feeds the bottleneck / logits
            if norm == "layer":
                layers.append(nn.LayerNorm(b))
            layers.append(activation(act))
    return nn.Sequential(*layers)


class _VectorAdaIN(nn.Module):
    """AdaIN for feature vectors: normalise each sample's features (a layer norm without its own
    scale), then scale and shift them from the condition."""

    def __init__(self, width: int, cond_dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width, elementwise_affine=False)
        self.film = FiLM(width, cond_dim)

    def forward(self, h: torch.Tensor, cond: torch.Tensor, mask=None) -> torch.Tensor:
        return self.film(self.norm(h), cond)


class MLPEncoder(nn.Module):
    def __init__(self, input_shape, out_features, hidden, act, norm, cond_dim: int = 0):
        super().__init__()
        self.flat = math.prod(input_shape)
        self.cond_dim = cond_dim
        self.net = _stack([self.flat + cond_dim, *hidden, out_features], act, norm)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None, mask=None) -> torch.Tensor:
        h = x.reshape(x.shape[0], -1)  # (B, D)
        if self.cond_dim:
            h = torch.cat([h, cond], 1)  # (B, D + cond_dim)
        return self.net(h)


class MLPDecoder(nn.Module):
    def __init__(self, input_shape, in_features, hidden, act, norm, cond_dim: int = 0, conditioning: str = "concat"):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.cond_dim, self.conditioning = cond_dim, conditioning
        concat = cond_dim if conditioning == "concat" else 0
        widths = [*reversed(hidden)]
        self.net = _stack([in_features + concat, *widths, math.prod(input_shape)], act, norm)
        self.mods = None
        if cond_dim and conditioning != "concat":
            make = FiLM if conditioning == "film" else _VectorAdaIN
            self.mods = nn.ModuleList([make(w, cond_dim) for w in widths])

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None, mask=None) -> torch.Tensor:
        h = z  # (B, in)
        if self.cond_dim and self.conditioning == "concat":
            h = torch.cat([h, cond], 1)
        if self.mods is None:
            return self.net(h).reshape(z.shape[0], *self.input_shape)
        k = 0
        for layer in self.net:
            h = layer(h)
            if isinstance(layer, nn.Linear) and k < len(self.mods):  # after each hidden layer, before its activation
                h = self.mods[k](h, cond)
                k += 1
        return h.reshape(z.shape[0], *self.input_shape)


@NETS.register("mlp")
def mlp(input_shape, in_features, out_features, hidden=(256, 128), activation="gelu", norm="none",
        cond_dim: int = 0, conditioning: str = "concat", encoder_cond_dim: int = 0):
    """Fully connected encoder ``D -> hidden... -> in_features`` and its mirror image.

    Options: ``hidden`` (layer widths, outermost first), ``activation``, ``norm``
    (``"none"`` or ``"layer"``).
    """
    need_fixed_size(input_shape, "mlp")
    hidden = [int(h) for h in hidden]
    if any(h < 1 for h in hidden):
        raise ConfigError(f"mlp hidden={hidden} must contain positive widths.")
    if norm not in ("none", "layer"):
        raise ConfigError(f"mlp norm={norm!r} must be 'none' or 'layer'.")
    check_conditioning(conditioning)
    if cond_dim and conditioning != "concat" and not hidden:
        raise ConfigError(f"mlp conditioning={conditioning!r} modulates hidden layers, but hidden=[] has none; "
                          "use conditioning='concat' or add a hidden layer.")
    return (MLPEncoder(input_shape, in_features, hidden, activation, norm, encoder_cond_dim),
            MLPDecoder(input_shape, out_features, hidden, activation, norm, cond_dim, conditioning))
