"""Per-batch transforms: augmentations (input and target) and corruptions (input only).

One registry, ``TRANSFORMS``, holds every transform, written as a compact spec
``"name:strength,name2:strength"`` (``"shift:2,rotate:10"``, ``"gaussian:0.5"``).
The trainer uses a spec in two roles:

* ``augment=`` changes input *and* target the same way: the model learns to
  rebuild a shifted digit, which, with a few thousand images, teaches it that
  digits move and keeps it from memorising pixels;
* ``noise=`` changes the input only and the model rebuilds the clean target:
  a de-noising auto-encoder (Vincent et al. 2008,
  https://www.cs.toronto.edu/~larocheh/publications/icml-2008-denoising-autoencoders.pdf).

This module holds the geometric moves, ``"shift:2"`` (random translation up to
2 pixels), ``"rotate:10"`` (up to 10 degrees) and ``"scale:0.1"`` (zoom by a
factor in [0.9, 1.1]); as corruptions they make codes ignore small moves.
Pixel/feature corruptions (Gaussian, salt-and-pepper, masking, erasing) live in
``aekit.noise``. Every transform draws from the ``torch.Generator`` it is given,
so runs are seeded and corruptions are made on the fly, never stored.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .errors import ConfigError
from .registry import Registry, parse_specs

TRANSFORMS: Registry = Registry("transform")


def need_images(x: torch.Tensor, name: str) -> None:
    if x.dim() != 4:
        raise ConfigError(
            f"transform {name!r} needs image batches (B, C, H, W); got shape {tuple(x.shape)}. "
            "It only applies to images: for flat image rows pass image_shape=(H, W) (--image-shape H W), "
            "or drop this transform for tabular data."
        )


@TRANSFORMS.register("shift")
class Shift:
    """Random integer translation of up to ``pixels`` in each direction, zero fill."""

    def __init__(self, strength: float | None = 2):
        value = 2.0 if strength is None else float(strength)
        if not (math.isfinite(value) and value == int(value) and 0 <= value <= 64):
            raise ConfigError(f"shift strength {strength} must be a whole pixel count in [0, 64], e.g. 'shift:2'.")
        self.pixels = int(value)

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:  # (B, C, H, W)
        need_images(x, "shift")
        p = self.pixels
        if p == 0:
            return x
        b, _, h, w = x.shape
        padded = F.pad(x, (p, p, p, p))
        dy = torch.randint(0, 2 * p + 1, (b,), generator=gen)
        dx = torch.randint(0, 2 * p + 1, (b,), generator=gen)
        rows = (dy[:, None] + torch.arange(h)[None]).to(x.device)  # (B, H)
        cols = (dx[:, None] + torch.arange(w)[None]).to(x.device)  # (B, W)
        idx_b = torch.arange(b, device=x.device)[:, None, None]
        # gather per sample: (B, H, W, C) -> (B, C, H, W)
        out = padded.permute(0, 2, 3, 1)[idx_b, rows[:, :, None], cols[:, None, :]]
        return out.permute(0, 3, 1, 2).contiguous()


@TRANSFORMS.register("rotate")
class Rotate:
    """Random rotation of up to ``degrees`` about the centre (bilinear, zero fill)."""

    def __init__(self, strength: float | None = 10):
        self.degrees = float(10 if strength is None else strength)
        if not 0 <= self.degrees <= 180:  # also rejects NaN
            raise ConfigError(f"rotate strength {strength} must be degrees in [0, 180], e.g. 'rotate:10'.")

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        need_images(x, "rotate")
        b, _, h, w = x.shape
        angle = (torch.rand(b, generator=gen) * 2 - 1) * math.radians(self.degrees)
        cos, sin = torch.cos(angle), torch.sin(angle)
        # affine_grid works in coordinates normalised to [-1, 1] per axis; the h/w factors make
        # this a rotation in pixels (not a shear) when the image is not square
        theta = torch.stack([torch.stack([cos, -sin * (h / w), torch.zeros(b)], 1),
                             torch.stack([sin * (w / h), cos, torch.zeros(b)], 1)], 1).to(x)  # (B, 2, 3)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


@TRANSFORMS.register("scale")
class Scale:
    """Random zoom about the centre by a factor in [1 - s, 1 + s] (bilinear, zero fill)."""

    def __init__(self, strength: float | None = 0.1):
        self.amount = float(0.1 if strength is None else strength)
        if not 0 <= self.amount < 1:  # also rejects NaN; a factor <= 0 would flip or vanish the image
            raise ConfigError(f"scale strength {strength} must be in [0, 1), e.g. 'scale:0.1' (zoom 0.9x to 1.1x).")

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        need_images(x, "scale")
        b = x.shape[0]
        factor = 1 + (torch.rand(b, generator=gen) * 2 - 1) * self.amount
        # the grid maps output to input coordinates, so sampling at 1/factor zooms by factor
        inv, zero = 1 / factor, torch.zeros(b)
        theta = torch.stack([torch.stack([inv, zero, zero], 1), torch.stack([zero, inv, zero], 1)], 1).to(x)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


class Compose:
    def __init__(self, parts):
        self.parts = parts

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        for p in self.parts:
            x = p(x, gen)
        return x


def build_transform(spec: str | None) -> Compose | None:
    """``"shift:2,gaussian:0.3"`` -> a callable ``(x, generator) -> x``; ``None``/``""``/``"none"`` -> None.

    Names come from ``TRANSFORMS``: the moves defined here and the corruptions of ``aekit.noise``,
    which registers itself when ``aekit`` is imported (this module never imports it: no cycle).
    """
    if spec is None or spec == "" or spec == "none":
        return None
    return Compose([TRANSFORMS.get(name)(strength) for name, strength in parse_specs(spec, "transform")])

