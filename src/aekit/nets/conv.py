"""Convolutional encoder/decoder for images of any size ``(C, H, W)``.

Each encoder stage halves the resolution with a stride-2 convolution; the
decoder mirrors it with transposed convolutions told the exact output size of
the matching encoder stage, so odd sizes (25x25, 7x7, ...) round-trip exactly.
No batch norm: results must not depend on the batch split (data parallel
training, scoring one sample at a time); GroupNorm (the default) or instance norm instead.
A decoder built with a condition reads it by concatenation (with the code), FiLM or AdaIN
(on the feature map of every stage); an encoder built with one reads it beside its features.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import ConfigError
from ..layers import Norm, ResBlock, activation, check_conditioning, check_norm, modulation
from .base import NETS, need_fixed_size


def _norm(kind: str, channels: int) -> nn.Module:
    return nn.Identity() if kind == "none" else Norm(kind, channels)


def _grid_channels(features: int, h: int, w: int, what: str) -> int:
    if features % (h * w):
        raise ConfigError(
            f"grid=True spreads the code over the {h}x{w} feature map, but the {what} has {features} values, "
            f"not a multiple of {h * w}. For a VQ bottleneck set latent_dim={h * w} (one code vector per position)."
        )
    return features // (h * w)


def _conv_out(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


class ConvEncoder(nn.Module):
    def __init__(self, input_shape, out_features, channels, kernel, fc_hidden, act, norm, blocks=0, grid=False,
                 cond_dim: int = 0):
        super().__init__()
        c, h, w = input_shape
        pad = (kernel - 1) // 2  # k=3 or k=4 with pad 1 both halve even sizes exactly
        layers: list[nn.Module] = []
        self.shapes = [(c, h, w)]  # resolution after each stage, input first
        for ch in channels:
            if min(h, w) + 2 * pad < kernel:
                raise ConfigError(
                    f"Images of {input_shape[1]}x{input_shape[2]} are too small for {len(channels)} stride-2 "
                    f"stages with kernel_size={kernel}: stage {len(self.shapes)} would see {h}x{w}. Use fewer "
                    "channels entries, an odd kernel_size, or net='mlp'."
                )
            # no bias before a norm: the norm removes it, and Adam would amplify its round-off gradient
            layers += [nn.Conv2d(c, ch, kernel, stride=2, padding=pad, bias=norm == "none"), _norm(norm, ch),
                       activation(act)]
            layers += [ResBlock(ch, act, norm) for _ in range(blocks)]
            c, h, w = ch, _conv_out(h, kernel, 2, pad), _conv_out(w, kernel, 2, pad)
            self.shapes.append((c, h, w))
        self.conv = nn.Sequential(*layers)
        self.grid, self.cond_dim = grid, cond_dim
        if grid:  # a 1x1 conv to the code channels at every position; no dense layers
            self.fc = nn.Conv2d(c + cond_dim, _grid_channels(out_features, h, w, "encoder output"), 1)
            return
        sizes = [c * h * w + cond_dim, *fc_hidden, out_features]
        fc: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            fc.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                fc.append(activation(act))
        self.fc = nn.Sequential(*fc)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None, mask=None) -> torch.Tensor:
        f = self.conv(x)  # (B, c, h, w)
        if self.grid:  # (B, c, h, w) -> (B, h, w, c) -> flat: each position's c numbers are contiguous
            if self.cond_dim:  # the condition as constant planes beside the features
                f = torch.cat([f, cond[:, :, None, None].expand(-1, -1, *f.shape[2:])], 1)
            return self.fc(f).permute(0, 2, 3, 1).flatten(1)
        f = f.flatten(1)
        if self.cond_dim:
            f = torch.cat([f, cond], 1)
        return self.fc(f)


class ConvDecoder(nn.Module):
    def __init__(self, shapes, in_features, channels, kernel, fc_hidden, act, norm, blocks=0, grid=False,
                 cond_dim: int = 0, conditioning: str = "concat"):
        super().__init__()
        self.shapes = shapes
        c, h, w = shapes[-1]
        self.grid = grid
        self.cond_dim, self.conditioning = cond_dim, conditioning
        concat = cond_dim if conditioning == "concat" else 0
        if grid:
            self.fc = nn.Sequential(nn.Conv2d(_grid_channels(in_features, h, w, "decoder input") + concat, c, 1),
                                    activation(act))
        else:
            sizes = [in_features + concat, *reversed(fc_hidden), c * h * w]
            fc: list[nn.Module] = []
            for a, b in zip(sizes[:-1], sizes[1:]):
                fc += [nn.Linear(a, b), activation(act)]
            self.fc = nn.Sequential(*fc)
        pad = (kernel - 1) // 2
        self.ups = nn.ModuleList()
        self.pre = nn.ModuleList()  # residual blocks at each resolution before upsampling (mirrors the encoder)
        self.post = nn.ModuleList()
        # FiLM / AdaIN: the condition modulates the feature map entering every upsampling stage
        self.mods = nn.ModuleList([modulation(conditioning, shapes[i][0], cond_dim)
                                   for i in range(len(channels), 0, -1)]) if cond_dim and not concat else None
        # Upsample stage by stage to each encoder resolution; the last stage emits the image
        # channels directly (logits): a wide layer at full resolution would cost most of the compute.
        for i in range(len(channels), 0, -1):
            last = i == 1
            c_out = shapes[i - 1][0]
            self.pre.append(nn.Sequential(*[ResBlock(shapes[i][0], act, norm) for _ in range(blocks)]))
            self.ups.append(nn.ConvTranspose2d(shapes[i][0], c_out, kernel, stride=2, padding=pad,
                                               bias=last or norm == "none"))
            self.post.append(nn.Identity() if last else nn.Sequential(_norm(norm, c_out), activation(act)))

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None, mask=None) -> torch.Tensor:
        # (B, in) -> (B, C, H, W)
        concat = self.cond_dim and self.conditioning == "concat"
        if self.grid:
            _, h, w = self.shapes[-1]
            grid = z.reshape(z.shape[0], h, w, -1).permute(0, 3, 1, 2)  # (B, c_code, h, w)
            if concat:
                grid = torch.cat([grid, cond[:, :, None, None].expand(-1, -1, h, w)], 1)
            x = self.fc(grid)  # (B, c, h, w)
        else:
            x = self.fc(torch.cat([z, cond], 1) if concat else z).reshape(z.shape[0], *self.shapes[-1])
        for k, (pre, up, post) in enumerate(zip(self.pre, self.ups, self.post)):
            if self.mods is not None:
                x = self.mods[k](x, cond)
            target = self.shapes[len(self.shapes) - 2 - k][1:]  # (H_i, W_i) of the mirrored stage
            x = post(up(pre(x), output_size=target))
        return x


@NETS.register("conv")
def conv(input_shape, in_features, out_features, channels=(32, 64, 128), kernel_size=3,
         fc_hidden=(), activation="gelu", norm="group", blocks=0, grid=False,
         cond_dim: int = 0, conditioning: str = "concat", encoder_cond_dim: int = 0):
    """Strided-conv encoder ``(C,H,W) -> in_features`` and its transposed-conv mirror.

    Options: ``channels`` (one stride-2 stage each), ``kernel_size`` (3 or 4 typical),
    ``fc_hidden`` (widths of dense layers between the feature map and the code),
    ``blocks`` (residual 3x3 blocks added at each resolution, for depth), ``activation``,
    ``norm`` (``"group"``, the default: GroupNorm keeps deep stacks training from the
    first steps without depending on the batch; ``"instance"``, per sample and channel, which
    removes each image's feature statistics; or ``"none"``), ``grid`` (the code is a
    feature map, one vector per position of the last stage, e.g. 7x7 for 28x28 digits with
    two stages: for VQ code grids; no dense layers).
    """
    if len(input_shape) != 3:
        raise ConfigError(
            f"The conv network needs images of shape (C, H, W); got input_shape={tuple(input_shape)}. "
            "Pass image_shape=(C, H, W) for flat image data, or use net='mlp'."
        )
    need_fixed_size(input_shape, "conv")
    channels = [int(c) for c in channels]
    if not channels or min(channels) < 1:
        raise ConfigError(f"conv channels={channels} must be a non-empty list of positive ints.")
    if not 2 <= int(kernel_size) <= 9:
        raise ConfigError(f"conv kernel_size={kernel_size} must be between 2 and 9 (3 or 4 are typical).")
    check_norm(norm, "conv")
    check_conditioning(conditioning)
    fc_hidden = [int(f) for f in fc_hidden]
    if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 0:
        raise ConfigError(f"conv blocks={blocks!r} must be a whole number >= 0 (residual blocks per stage).")
    if grid and fc_hidden:
        raise ConfigError(f"conv grid=True keeps the code spatial, so it takes no fc_hidden (got {fc_hidden}).")
    enc = ConvEncoder(tuple(input_shape), in_features, channels, kernel_size, fc_hidden, activation, norm, blocks,
                      bool(grid), int(encoder_cond_dim))
    dec = ConvDecoder(enc.shapes, out_features, channels, kernel_size, fc_hidden, activation, norm, blocks,
                      bool(grid), int(cond_dim), conditioning)
    assert math.prod(enc.shapes[0]) == math.prod(input_shape)
    return enc, dec
