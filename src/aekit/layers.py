"""Layers shared by the network families (``aekit.nets``) and the codec (``aekit.compression``).

- :class:`Norm`: group, instance or no normalisation over ``(B, C, *spatial)``, optionally
  masked over the time axis of padded sequences (statistics of the valid frames only, so a
  sequence normalises the same however much padding follows it).
- :class:`ResBlock`: a pre-activation residual block (He et al. 2016,
  https://arxiv.org/abs/1603.05027) for 1-D or 2-D feature maps.
- :class:`GDN`: generalized divisive normalization (Ballé et al. 2016, https://arxiv.org/abs/1511.06281).
- :class:`FiLM`: feature-wise affine modulation by a condition (Perez et al. 2018,
  https://arxiv.org/abs/1709.07871).
- :class:`AdaIN`: adaptive instance normalisation, instance statistics replaced by ones
  predicted from a condition (Huang & Belongie 2017, https://arxiv.org/abs/1703.06868; the speaker
  injection of AdaIN-VC, Chou et al. 2019, https://arxiv.org/abs/1904.05742).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .errors import ConfigError

NORMS = ("none", "group", "instance")
_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "elu": nn.ELU, "tanh": nn.Tanh,
                "leaky_relu": nn.LeakyReLU}


def activation(name: str) -> nn.Module:
    try:
        return _ACTIVATIONS[name]()
    except KeyError:
        raise ConfigError(
            f"Unknown activation {name!r}; choose one of {', '.join(sorted(_ACTIVATIONS))}."
        ) from None


def check_norm(kind: str, family: str) -> None:
    if kind not in NORMS:
        raise ConfigError(f"{family} norm={kind!r} must be one of {', '.join(repr(n) for n in NORMS)}.")


def masked_stats(x: torch.Tensor, mask: torch.Tensor | None, dims: tuple[int, ...]
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and (biased) variance of ``x`` over ``dims``, counting only positions where ``mask``
    (broadcastable to ``x``) is true."""
    if mask is None:
        return x.mean(dims, keepdim=True), x.var(dims, unbiased=False, keepdim=True)
    m = mask.to(x.dtype).expand_as(x)
    n = m.sum(dims, keepdim=True).clamp(min=1.0)
    mean = (x * m).sum(dims, keepdim=True) / n
    var = ((x - mean) ** 2 * m).sum(dims, keepdim=True) / n
    return mean, var


class Norm(nn.Module):
    """``"group"`` (GroupNorm with ``min(8, C)`` groups, the conv families' default: it does not
    depend on the batch), ``"instance"`` (per sample and channel) or ``"none"``, with a learned
    per-channel scale and shift (``affine``).

    ``forward(x, mask)``: ``x`` is ``(B, C, *spatial)``; ``mask`` (``(B, T)`` for sequences)
    excludes padding from the statistics and zeroes it in the output.
    """

    def __init__(self, kind: str, channels: int, affine: bool = True, eps: float = 1e-5) -> None:
        super().__init__()
        check_norm(kind, "layer")
        self.kind, self.channels, self.eps = kind, int(channels), eps
        self.groups = {"group": min(8, self.channels), "instance": self.channels}.get(kind, 1)
        if kind != "none" and self.channels % self.groups:
            raise ConfigError(f"norm={kind!r} needs channels divisible by {self.groups}; got {channels}.")
        if affine and kind != "none":
            self.weight = nn.Parameter(torch.ones(self.channels))
            self.bias = nn.Parameter(torch.zeros(self.channels))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.kind == "none":
            return x if mask is None else x * mask.unsqueeze(1).to(x.dtype)
        if mask is None:  # PyTorch's kernel: the same numbers as nn.GroupNorm
            return F.group_norm(x, self.groups, self.weight, self.bias, self.eps)
        B, C = x.shape[:2]
        xg = x.reshape(B, self.groups, C // self.groups, -1)  # (B, G, C/G, T)
        m = mask.reshape(B, 1, 1, -1)
        mean, var = masked_stats(xg, m, (2, 3))
        y = ((xg - mean) / torch.sqrt(var + self.eps)).reshape_as(x)
        if self.weight is not None:
            shape = (1, C) + (1,) * (x.dim() - 2)
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y * mask.unsqueeze(1).to(x.dtype)


def conv_layer(dims: int, *args, **kwargs) -> nn.Module:
    return (nn.Conv1d if dims == 1 else nn.Conv2d)(*args, **kwargs)


class ResBlock(nn.Module):
    """``x + conv(act(norm(conv(act(norm(x))))))`` at one resolution, 1-D (``dims=1``) or 2-D.

    Without normalisation (``norm="none"``) the body is ``act, conv, act, conv``. Masked
    sequences (``forward(x, mask)``) zero their padding after each convolution, so padding
    never leaks into valid frames.
    """

    def __init__(self, channels: int, act: str = "gelu", norm: str = "none", dims: int = 2,
                 kernel_size: int = 3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for _ in range(2):
            if norm != "none":
                layers.append(Norm(norm, channels))
            layers += [activation(act), conv_layer(dims, channels, channels, kernel_size, padding=kernel_size // 2)]
        self.body = nn.Sequential(*layers)
        self.norm = norm

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:  # (B, C, ...) -> same
        h = x
        for layer in self.body:
            h = layer(h, mask) if isinstance(layer, Norm) else layer(h)
            if mask is not None and isinstance(layer, (nn.Conv1d, nn.Conv2d)):
                h = h * mask.unsqueeze(1).to(h.dtype)
        return x + h

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # aekit 0.1 put nn.Identity where norm="none" blocks have no norm: its convs were body.2 and body.5
        if self.norm == "none" and f"{prefix}body.5.weight" in state_dict:
            for old, new in (("2", "1"), ("5", "3")):
                for name in ("weight", "bias"):
                    if f"{prefix}body.{old}.{name}" in state_dict:
                        state_dict[f"{prefix}body.{new}.{name}"] = state_dict.pop(f"{prefix}body.{old}.{name}")
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


class GDN(nn.Module):
    """Generalized divisive normalization: ``x_i / sqrt(beta_i + sum_j gamma_ij x_j^2)``
    (``inverse``: times, for a synthesis transform). Per pixel, so results never depend on the batch."""

    def __init__(self, channels: int, inverse: bool = False) -> None:
        super().__init__()
        self.inverse = inverse
        self.beta = nn.Parameter(torch.ones(channels))
        self.gamma = nn.Parameter(torch.eye(channels) * math.sqrt(0.1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W)
        beta = self.beta ** 2 + 1e-6
        gamma = (self.gamma ** 2).unsqueeze(-1).unsqueeze(-1)
        norm = torch.sqrt(F.conv2d(x * x, gamma, beta))
        return x * norm if self.inverse else x / norm


def _expand(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``(B, C)`` per-channel parameters shaped to broadcast over ``x`` ``(B, C, *spatial)``."""
    return params.view(*params.shape, *(1,) * (x.dim() - 2))


class FiLM(nn.Module):
    """``x * (1 + gamma(c)) + beta(c)``, per channel; starts as the identity (zero-initialised map)."""

    def __init__(self, channels: int, cond_dim: int) -> None:
        super().__init__()
        self.map = nn.Linear(cond_dim, 2 * channels)
        nn.init.zeros_(self.map.weight)
        nn.init.zeros_(self.map.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        gamma, beta = self.map(cond).chunk(2, dim=1)  # (B, C) each
        y = x * (1 + _expand(gamma, x)) + _expand(beta, x)
        return y if mask is None else y * mask.unsqueeze(1).to(y.dtype)


class AdaIN(nn.Module):
    """Instance-normalise ``x`` (over its valid positions), then scale and shift each channel by
    ``1 + gamma(c)`` and ``beta(c)``: the condition sets the feature statistics (the style)."""

    def __init__(self, channels: int, cond_dim: int) -> None:
        super().__init__()
        self.norm = Norm("instance", channels, affine=False)
        self.film = FiLM(channels, cond_dim)

    def forward(self, x: torch.Tensor, cond: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.film(self.norm(x, mask), cond, mask)


CONDITIONINGS = ("concat", "film", "adain")


def check_conditioning(kind: str) -> None:
    if kind not in CONDITIONINGS:
        raise ConfigError(f"conditioning={kind!r} must be one of {', '.join(repr(c) for c in CONDITIONINGS)}.")


def modulation(kind: str, channels: int, cond_dim: int) -> nn.Module | None:
    """The layer that injects a condition into ``channels`` features (``None`` for concatenation,
    which happens at the decoder input instead)."""
    if kind == "film":
        return FiLM(channels, cond_dim)
    if kind == "adain":
        return AdaIN(channels, cond_dim)
    return None


__all__ = ["AdaIN", "CONDITIONINGS", "FiLM", "GDN", "NORMS", "Norm", "ResBlock", "activation", "check_conditioning",
           "check_norm", "conv_layer", "masked_stats", "modulation"]
