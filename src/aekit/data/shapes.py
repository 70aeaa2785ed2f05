"""Procedural shapes with known factors, in the style of dSprites (Matthey et al. 2017,
https://github.com/deepmind/dsprites-dataset): the data to measure disentanglement on.

Every image is 64x64 and binary: one white shape on black. Five factors of variation, each
on a fixed grid of values, make it:

| factor        | values | range                                   |
|---------------|--------|-----------------------------------------|
| ``shape``     | 3      | 0 square, 1 ellipse, 2 heart            |
| ``scale``     | 6      | 0.5 to 1 (linear)                       |
| ``orientation`` | 40   | 0 to 2 pi, both ends included (as dSprites) |
| ``x``         | 32     | 0 to 1: left to right                   |
| ``y``         | 32     | 0 to 1: top to bottom                   |

The full product is 3 * 6 * 40 * 32 * 32 = 737,280 images; none is stored. Any subset is drawn
on demand from its factor indices, ``(n, 5)`` integers (one column per factor, in the order
above), by vectorised rasterisation: the same indices always give the same pixels.
:func:`sample` draws a seeded subset of distinct combinations, uniformly over the product.

    >>> from aekit.data import shapes
    >>> s = shapes.sample(1000, seed=0)      # s.images (1000, 64, 64) uint8 0/1, s.factors (1000, 5)
    >>> shapes.render([[2, 5, 0, 16, 16]])   # one heart, largest, upright, in the middle
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError

SIZE = 64  # images are SIZE x SIZE pixels
FACTORS = ("shape", "scale", "orientation", "x", "y")
SHAPES = ("square", "ellipse", "heart")
N_VALUES = (3, 6, 40, 32, 32)
N_IMAGES = int(np.prod(N_VALUES))  # 737,280

_RADIUS = 10.0  # half the extent of a shape at scale 1, in pixels (about a third of the image across)
# a shape's centre stays this far from the border: a square's corner reaches sqrt(2) * radius
_MARGIN = np.sqrt(2.0) * _RADIUS + 1.0


def factor_values() -> dict[str, np.ndarray]:
    """The value of each index of each factor: ``{"shape": [0, 1, 2], "scale": [0.5, ..., 1], ...}``."""
    return {"shape": np.arange(3, dtype=np.float64), "scale": np.linspace(0.5, 1.0, 6),
            "orientation": np.linspace(0.0, 2 * np.pi, 40), "x": np.linspace(0.0, 1.0, 32),
            "y": np.linspace(0.0, 1.0, 32)}


def check_factors(factors) -> np.ndarray:
    """``factors`` as an ``(n, 5)`` int64 array of valid indices, or a ``DataError`` naming the problem."""
    f = np.asarray(factors)
    if f.ndim == 1 and f.shape[0] == len(FACTORS):
        f = f[None]
    if f.ndim != 2 or f.shape[1] != len(FACTORS):
        raise DataError(f"shape factors must be an (n, {len(FACTORS)}) array of indices ({', '.join(FACTORS)}); "
                        f"got shape {f.shape}.")
    if f.size and (f.dtype.kind not in "iu" and not np.array_equal(f, np.round(f))):
        raise DataError("shape factors must be whole indices, e.g. [[2, 5, 0, 16, 16]].")
    f = f.astype(np.int64)
    for k, (name, n) in enumerate(zip(FACTORS, N_VALUES)):
        if f.size and (f[:, k].min() < 0 or f[:, k].max() >= n):
            raise DataError(f"factor {name!r} takes indices 0 to {n - 1}; got {f[:, k].min()} to {f[:, k].max()}.")
    return f


def _inside(shape: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Whether the points ``(u, v)`` of a shape's own frame (units of its radius; v points up) lie
    in it: ``u``/``v`` (n, H, W) -> (n, H, W) bool."""
    if shape == 0:
        return np.maximum(np.abs(u), np.abs(v)) <= 0.8  # side 1.6 radii: about the area of the others
    if shape == 1:
        return u * u + 4.0 * v * v <= 1.0  # an ellipse twice as long as wide
    # the heart curve (x^2 + y^2 - 1)^3 <= x^2 y^3 spans x in [-1.14, 1.14], y in [-1, 1.25]:
    # shrunk to a radius of about 1 and centred
    hx, hy = u * 1.14, v * 1.14 + 0.125
    hx2 = hx * hx
    return (hx2 + hy * hy - 1.0) ** 3 <= hx2 * hy ** 3


def render(factors, chunk: int = 1024) -> np.ndarray:
    """Images of the given factor indices: ``(n, 5)`` -> ``(n, 64, 64)`` uint8 in {0, 1}.

    A pixel is set when its centre lies inside the shape, rotated by ``orientation``
    (counter-clockwise as seen), scaled by ``scale`` and centred at ``(x, y)``.
    """
    f = check_factors(factors)
    values = factor_values()
    out = np.empty((len(f), SIZE, SIZE), dtype=np.uint8)
    centres = np.arange(SIZE, dtype=np.float64) + 0.5  # pixel centres
    span = SIZE - 2 * _MARGIN
    for i in range(0, len(f), chunk):
        c = f[i:i + chunk]
        radius = (_RADIUS * values["scale"][c[:, 1]])[:, None, None]  # (n, 1, 1)
        theta = values["orientation"][c[:, 2]][:, None, None]
        cx = (_MARGIN + span * values["x"][c[:, 3]])[:, None, None]
        cy = (_MARGIN + span * values["y"][c[:, 4]])[:, None, None]
        dx = centres[None, None, :] - cx  # (n, 1, W): right
        dy = cy - centres[None, :, None]  # (n, H, 1): up (rows grow downwards)
        cos, sin = np.cos(theta) / radius, np.sin(theta) / radius
        u = dx * cos + dy * sin  # rotate each pixel back by theta into the shape's frame: (n, H, W)
        v = dy * cos - dx * sin
        block = out[i:i + chunk]
        for k in range(len(SHAPES)):  # each shape's test on its own images only
            rows = c[:, 0] == k
            if rows.any():
                block[rows] = _inside(k, u[rows], v[rows])
    return out


def flat_index(factors) -> np.ndarray:
    """The position of each factor combination in the full product (row-major in ``FACTORS`` order)."""
    return np.ravel_multi_index(check_factors(factors).T, N_VALUES)


def factors_of(index) -> np.ndarray:
    """Factor indices ``(n, 5)`` of positions in the full product (the inverse of :func:`flat_index`)."""
    idx = np.asarray(index, dtype=np.int64).ravel()
    if idx.size and (idx.min() < 0 or idx.max() >= N_IMAGES):
        raise DataError(f"shape image indices lie in [0, {N_IMAGES - 1}]; got {idx.min()} to {idx.max()}.")
    return np.stack(np.unravel_index(idx, N_VALUES), 1).astype(np.int64)


@dataclass
class Shapes:
    images: np.ndarray  # (n, 64, 64) uint8 in {0, 1}
    factors: np.ndarray  # (n, 5) int64 indices, columns as FACTORS

    @property
    def values(self) -> np.ndarray:
        """The factors as values (scale in [0.5, 1], orientation in radians, ...): (n, 5) float64."""
        vals = factor_values()
        return np.stack([vals[name][self.factors[:, k]] for k, name in enumerate(FACTORS)], 1)


def sample(n: int, seed: int = 0) -> Shapes:
    """``n`` distinct factor combinations drawn uniformly from the full product (seeded), rendered."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= N_IMAGES:
        raise DataError(f"n={n!r} must be a whole number of images from 1 to {N_IMAGES}.")
    idx = np.random.default_rng(seed).choice(N_IMAGES, size=int(n), replace=False)  # random order
    f = factors_of(idx)
    return Shapes(render(f), f)


__all__ = ["FACTORS", "N_IMAGES", "N_VALUES", "SHAPES", "SIZE", "Shapes", "check_factors", "factor_values",
           "factors_of", "flat_index", "render", "sample"]
