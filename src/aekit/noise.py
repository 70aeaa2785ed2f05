"""Corruptions for de-noising auto-encoders: corrupt the input, rebuild the clean original.

Each corruption is a small named object with one strength, registered in
``aekit.transforms.TRANSFORMS`` and written as a spec:

=================  ==============================================================
``gaussian:0.5``   add N(0, sigma^2) to every value (sigma in the model's units:
                   [0, 1] for images, standard deviations for scaled tables)
``saltpepper:0.2`` set a fraction p of values to the batch's min or max (half each)
``mask:0.5``       set a fraction p of values to 0, as BERT masks tokens (for
                   images 0 is black; for standardised tables 0 is the mean)
``erase:0.25``     blank one random rectangle covering up to that fraction of
                   each image (random erasing, Zhong et al. 2017,
                   https://arxiv.org/abs/1708.04896)
``clip``           clip to [0, 1] (``clip:H``: [0, H]) after the noise before it,
                   as a noisy image stored in its pixel range is
=================  ==============================================================

Specs combine with the geometric moves of ``aekit.transforms``:
``"shift:1,gaussian:0.3"``. Corruptions draw from the generator they are given
(seeded, on the fly, never stored). :func:`corrupt` applies a spec to a NumPy
array, e.g. to make a noisy test set:

    noisy = aekit.noise.corrupt(clean, "gaussian:0.5", seed=0)
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .errors import ConfigError
from .transforms import TRANSFORMS, build_transform, need_images


def _strength(value: float | None, default: float, name: str, low: float, high: float,
              high_open: bool = False, example: str = "") -> float:
    v = float(default if value is None else value)
    ok = math.isfinite(v) and low <= v and (v < high if high_open else v <= high)
    if not ok:
        bracket = ")" if high_open else "]"
        raise ConfigError(f"{name} strength {value} must be in [{low}, {high}{bracket}, e.g. {example!r}.")
    return v


def _uniform(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Uniform [0, 1) draws of x's shape from the (CPU) generator, on x's device."""
    return torch.rand(x.shape, generator=gen).to(x.device)


@TRANSFORMS.register("gaussian")
class Gaussian:
    """Additive Gaussian noise with standard deviation ``sigma`` (no clipping)."""

    def __init__(self, strength: float | None = 0.3):
        self.sigma = _strength(strength, 0.3, "gaussian", 0, 100, example="gaussian:0.3")

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        return x + self.sigma * torch.randn(x.shape, generator=gen).to(x)


@TRANSFORMS.register("clip")
class Clip:
    """Clip values to ``[0, high]`` (default 1, the range of images scaled by aekit): put after
    additive noise (``"gaussian:0.5,clip"``), it trains on noisy images as they are stored, in range,
    which is what a de-noiser meets when it cleans real files."""

    def __init__(self, strength: float | None = 1.0):
        self.high = _strength(strength, 1.0, "clip", 1e-6, 1e6, example="clip:1")

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        return x.clamp(0.0, self.high)


@TRANSFORMS.register("saltpepper")
class SaltPepper:
    """Each value becomes, with probability ``p``, the batch minimum or maximum (equally likely)."""

    def __init__(self, strength: float | None = 0.1):
        self.p = _strength(strength, 0.1, "saltpepper", 0, 1, example="saltpepper:0.2")

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        u = _uniform(x, gen)
        # min/max of the batch: 0 and 1 for images in [0, 1], the extremes for standardised tables
        lo, hi = x.min(), x.max()
        out = torch.where(u < self.p / 2, lo, x)
        return torch.where((u >= self.p / 2) & (u < self.p), hi, out)


@TRANSFORMS.register("mask")
class Mask:
    """Each value is set to 0 with probability ``p`` (BERT-style masking of pixels or features)."""

    def __init__(self, strength: float | None = 0.5):
        self.p = _strength(strength, 0.5, "mask", 0, 1, high_open=True, example="mask:0.5")

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        keep = (_uniform(x, gen) >= self.p).to(x.dtype)
        return x * keep


@TRANSFORMS.register("erase")
class Erase:
    """Blank one random rectangle per image, its area a uniform fraction in (0, ``area``] of the image.

    The aspect ratio is drawn log-uniformly in [1/3, 3]; the rectangle is clipped to the image.
    """

    def __init__(self, strength: float | None = 0.25):
        self.area = _strength(strength, 0.25, "erase", 0, 1, example="erase:0.25")

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:  # (B, C, H, W)
        need_images(x, "erase")
        b, _, h, w = x.shape
        area = torch.rand(b, generator=gen) * self.area * h * w
        aspect = torch.exp((torch.rand(b, generator=gen) * 2 - 1) * math.log(3))
        eh = torch.sqrt(area * aspect).round().clamp(0, h).long()  # (B,)
        ew = torch.sqrt(area / aspect).round().clamp(0, w).long()
        top = (torch.rand(b, generator=gen) * (h - eh + 1)).long()
        left = (torch.rand(b, generator=gen) * (w - ew + 1)).long()
        rows = torch.arange(h)[None, :]  # (1, H)
        cols = torch.arange(w)[None, :]
        in_rows = (rows >= top[:, None]) & (rows < (top + eh)[:, None])  # (B, H)
        in_cols = (cols >= left[:, None]) & (cols < (left + ew)[:, None])  # (B, W)
        hole = (in_rows[:, :, None] & in_cols[:, None, :])[:, None].to(x.device)  # (B, 1, H, W)
        return x.masked_fill(hole, 0.0)


def corrupt(x: np.ndarray, spec: str, seed: int = 0, clip: tuple[float, float] | None = None) -> np.ndarray:
    """Apply a transform spec to a NumPy array (n, d), (n, H, W) or (n, C, H, W); returns float32.

    Values are used in the array's own units: pass images in [0, 1] for ``gaussian:0.3``
    to mean 30% of the pixel range. The same ``seed`` gives the same corruption. ``clip=(0, 1)``
    keeps the result in the pixel range, as a noisy image that is stored and loaded again would
    be (Gaussian noise of sigma 0.5 otherwise leaves values far outside it).
    """
    out = _corrupt(x, spec, seed)
    if clip is not None:
        lo, hi = (float(v) for v in clip)
        if not lo < hi:
            raise ConfigError(f"clip={clip!r} must be (low, high) with low < high, e.g. (0, 1).")
        out = np.clip(out, lo, hi)
    return out


def _corrupt(x: np.ndarray, spec: str, seed: int) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim < 2:
        raise ConfigError(f"corrupt() needs a batch (n, d) or images (n, H, W) / (n, C, H, W); got shape {arr.shape}.")
    t = torch.from_numpy(arr.copy())
    flat_images = t.dim() == 3
    if flat_images:  # (n, H, W) -> (n, 1, H, W) so image transforms apply
        t = t[:, None]
    fn = build_transform(spec)
    if fn is None:
        return arr.copy()
    gen = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        out = fn(t, gen)
    out = out[:, 0] if flat_images else out
    return out.numpy()
