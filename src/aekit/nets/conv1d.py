"""1-D convolutional encoder/decoder for sequences ``(C, T)`` of any length: spectrogram frames,
sensor channels, feature tracks.

Each encoder stage halves the time resolution with a stride-2 convolution; the decoder mirrors
it with transposed convolutions. Batches of sequences of different lengths come padded, with a
``mask`` ``(B, T)`` of real frames: every layer zeroes the padding after it and the
normalisations take their statistics over real frames only, so a sequence is encoded and
rebuilt exactly the same however much padding follows it.

The code (option ``code``) is either a sequence, one vector per ``2^stages`` input frames
(``"sequence"``: the encoder returns ``(B, T', in_features)``, the bottleneck codes each frame,
as VQ-VC codes content frame by frame), or one vector per sequence (``"pooled"``: the masked
mean over time, as a speaker encoder pools an utterance; its decoder spreads the vector over the
frames with sinusoidal position features).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, DataError
from ..layers import Norm, ResBlock, activation, check_conditioning, check_norm, modulation
from .base import NETS

POSITION_FEATURES = 16


def out_length(length: torch.Tensor | int, kernel: int) -> torch.Tensor | int:
    """Frames after one stride-2 stage with ``padding = kernel // 2`` (PyTorch's formula)."""
    pad = kernel // 2
    return (length + 2 * pad - kernel) // 2 + 1


def length_mask(lengths: torch.Tensor, t_max: int) -> torch.Tensor:
    return torch.arange(t_max, device=lengths.device)[None, :] < lengths[:, None]


def _masked(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    return x if mask is None else x * mask.unsqueeze(1).to(x.dtype)


def positions(t: int, device) -> torch.Tensor:
    """``(POSITION_FEATURES, t)`` sinusoids of the frame index (Vaswani et al. 2017), periods 4 to ~4000 frames."""
    idx = torch.arange(t, device=device, dtype=torch.float32)[None, :]
    freqs = torch.exp(-math.log(1000.0) * torch.arange(POSITION_FEATURES // 2, device=device) /
                      (POSITION_FEATURES // 2))[:, None] * (math.pi / 2)
    return torch.cat([torch.sin(idx * freqs), torch.cos(idx * freqs)], 0)


class _Stage(nn.Module):
    """One masked stride-2 conv stage: conv, norm, activation, residual blocks."""

    def __init__(self, c_in: int, c_out: int, kernel: int, act: str, norm: str, blocks: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, kernel, stride=2, padding=kernel // 2, bias=norm == "none")
        self.norm = Norm(norm, c_out)
        self.act = activation(act)
        self.blocks = nn.ModuleList([ResBlock(c_out, act, norm, dims=1) for _ in range(blocks)])

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        x = self.act(self.norm(_masked(self.conv(x), mask), mask))
        x = _masked(x, mask)
        for blk in self.blocks:
            x = blk(x, mask)
        return x


class Conv1dEncoder(nn.Module):
    def __init__(self, input_shape, out_features, channels, kernel, act, norm, blocks, code, cond_dim=0):
        super().__init__()
        c = input_shape[0]
        self.kernel, self.code, self.cond_dim = kernel, code, cond_dim
        self.fixed_length = input_shape[1]
        self.stages = nn.ModuleList()
        c_in = c + cond_dim
        for ch in channels:
            self.stages.append(_Stage(c_in, ch, kernel, act, norm, blocks))
            c_in = ch
        self.head = nn.Conv1d(c_in, out_features, 1)

    def stage_lengths(self, lengths: torch.Tensor) -> list[torch.Tensor]:
        """Real frames of every sequence at the input and after each stage."""
        out = [lengths]
        for _ in self.stages:
            out.append(out_length(out[-1], self.kernel))
        return out

    def frame_mask(self, mask: torch.Tensor | None) -> torch.Tensor | None:
        """The ``(B, T')`` mask of the code frames of inputs with ``mask`` ``(B, T)``."""
        if mask is None:
            return None
        t = mask.shape[1]
        for _ in self.stages:
            t = out_length(t, self.kernel)
        return length_mask(self.stage_lengths(mask.sum(1))[-1], t)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:  # (B, C, T) -> (B, T', F) or (B, F)
        if x.dim() != 3:
            raise DataError(f"the conv1d network needs sequences (B, C, T); got shape {tuple(x.shape)}.")
        if self.cond_dim:  # the condition as constant channels beside the input
            x = torch.cat([x, cond[:, :, None].expand(-1, -1, x.shape[2])], 1)
        lengths = mask.sum(1) if mask is not None else None
        stage_lengths = self.stage_lengths(lengths) if lengths is not None else None
        h = _masked(x, mask)
        for i, stage in enumerate(self.stages):
            t = out_length(h.shape[2], self.kernel)
            m = None if stage_lengths is None else length_mask(stage_lengths[i + 1], t)
            h = stage(h, m)
            mask = m
        h = _masked(self.head(h), mask)  # (B, F, T')
        if self.code == "pooled":
            if mask is None:
                return h.mean(2)
            return h.sum(2) / mask.sum(1, keepdim=True).clamp(min=1).to(h.dtype)
        return h.transpose(1, 2)  # (B, T', F)


class Conv1dDecoder(nn.Module):
    def __init__(self, input_shape, in_features, channels, kernel, act, norm, blocks, code,
                 cond_dim=0, conditioning="concat"):
        super().__init__()
        self.out_channels, self.fixed_length = input_shape
        self.kernel, self.code = kernel, code
        self.cond_dim, self.conditioning = cond_dim, conditioning
        concat = cond_dim if conditioning == "concat" else 0
        extra = POSITION_FEATURES if code == "pooled" else 0
        self.head = nn.Conv1d(in_features + concat + extra, channels[-1], 1)
        self.head_act = activation(act)
        self.blocks = nn.ModuleList()
        self.ups = nn.ModuleList()
        self.norms = nn.ModuleList()
        self.acts = nn.ModuleList()
        self.mods = nn.ModuleList() if cond_dim and not concat else None
        widths = [self.out_channels, *channels]
        for i in range(len(channels), 0, -1):
            last = i == 1
            self.blocks.append(nn.ModuleList([ResBlock(widths[i], act, norm, dims=1) for _ in range(blocks)]))
            if self.mods is not None:
                self.mods.append(modulation(conditioning, widths[i], cond_dim))
            self.ups.append(nn.ConvTranspose1d(widths[i], widths[i - 1], kernel, stride=2, padding=kernel // 2,
                                               bias=last or norm == "none"))
            self.norms.append(nn.Identity() if last else Norm(norm, widths[i - 1]))
            self.acts.append(nn.Identity() if last else activation(act))

    def _lengths(self, z: torch.Tensor, mask: torch.Tensor | None) -> tuple[list[int], list[torch.Tensor] | None]:
        """Frames per stage, input first: from the mask, the fixed length, or (neither) the code's length."""
        n = len(self.ups)
        if mask is not None:
            t, lengths = [mask.shape[1]], [mask.sum(1)]
            for _ in range(n):
                t.append(out_length(t[-1], self.kernel))
                lengths.append(out_length(lengths[-1], self.kernel))
            return t, lengths
        if self.fixed_length is not None:
            t = [self.fixed_length]
            for _ in range(n):
                t.append(out_length(t[-1], self.kernel))
            return t, None
        if self.code == "pooled":
            raise DataError("decoding a pooled code needs the output length: pass the batch's mask (or fix T in "
                            "input_shape).")
        t = [z.shape[1]]
        for _ in range(n):
            t.insert(0, 2 * t[0])
        return t, None

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:  # (B, T', F) or (B, F) -> (B, C, T)
        t, lengths = self._lengths(z, mask)
        masks = [None] * len(t) if lengths is None else [length_mask(l, tt) for l, tt in zip(lengths, t)]
        if self.code == "pooled":
            h = z[:, :, None].expand(-1, -1, t[-1])
            h = torch.cat([h, positions(t[-1], z.device)[None].expand(len(z), -1, -1)], 1)
        else:
            h = z.transpose(1, 2)  # (B, F, T')
        if self.cond_dim and self.conditioning == "concat":
            h = torch.cat([h, cond[:, :, None].expand(-1, -1, h.shape[2])], 1)
        h = _masked(self.head_act(self.head(h)), masks[-1])
        for k in range(len(self.ups)):
            level = len(self.ups) - k  # the stage whose resolution h has
            m = masks[level]
            for blk in self.blocks[k]:
                h = blk(h, m)
            if self.mods is not None:
                h = self.mods[k](h, cond, m)
            m_out = masks[level - 1]
            h = self.ups[k](h, output_size=[t[level - 1]])
            norm = self.norms[k]
            h = norm(h, m_out) if isinstance(norm, Norm) else h
            h = _masked(self.acts[k](h), m_out)
        return h


@NETS.register("conv1d")
def conv1d(input_shape, in_features, out_features, channels=(64, 128), kernel_size=5, activation="gelu",
           norm="none", blocks=1, code="sequence", cond_dim: int = 0, conditioning: str = "concat",
           encoder_cond_dim: int = 0):
    """Strided 1-D conv encoder ``(C, T) -> (T', in_features)`` (or ``in_features`` pooled) and its mirror.

    Options: ``channels`` (one stride-2 stage each: ``T' = T / 2^stages``, rounded up),
    ``kernel_size`` (odd), ``blocks`` (residual blocks per stage), ``norm`` (``"none"``, the
    default; ``"group"`` or ``"instance"``, which normalise each sequence over its frames and so
    remove its channel statistics, as a content encoder removes the speaker's, at the price of
    whatever those statistics told the decoder: on plain signals they rebuild worse), ``activation``,
    ``code`` (``"sequence"`` or ``"pooled"``).
    """
    if len(input_shape) != 2:
        raise ConfigError(f"The conv1d network needs sequences of shape (C, T) (T may be None: any length); got "
                          f"input_shape={tuple(input_shape)}.")
    channels = [int(c) for c in channels]
    if not channels or min(channels) < 1:
        raise ConfigError(f"conv1d channels={channels} must be a non-empty list of positive ints.")
    if int(kernel_size) % 2 == 0 or not 1 <= int(kernel_size) <= 15:
        raise ConfigError(f"conv1d kernel_size={kernel_size} must be odd, between 1 and 15 (3 or 5 are typical).")
    if code not in ("sequence", "pooled"):
        raise ConfigError(f"conv1d code={code!r} must be 'sequence' or 'pooled'.")
    if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 0:
        raise ConfigError(f"conv1d blocks={blocks!r} must be a whole number >= 0.")
    check_norm(norm, "conv1d")
    check_conditioning(conditioning)
    enc = Conv1dEncoder(tuple(input_shape), in_features, channels, int(kernel_size), activation, norm, blocks, code,
                        int(encoder_cond_dim))
    dec = Conv1dDecoder(tuple(input_shape), out_features, channels, int(kernel_size), activation, norm, blocks, code,
                        int(cond_dim), conditioning)
    return enc, dec


__all__ = ["Conv1dDecoder", "Conv1dEncoder", "conv1d", "length_mask", "out_length", "positions"]
