"""Read back the image grids aekit writes (``aekit.plots.image_grid``), to compare their pixels
with the arrays the API returns."""

from __future__ import annotations

import numpy as np
from PIL import Image

from aekit.plots import grid_layout


def read_grid(path, n_rows: int, n_cols: int, image_hw: tuple[int, int], row_labels=None,
              title: str | None = None, captions: list[str] | None = None) -> np.ndarray:
    """The decoded PNG's images as ``(n_rows, n_cols, H, W)`` grey values 0..255; also checks that the
    canvas has exactly the size of such a grid (no more rows or columns than expected)."""
    png = np.asarray(Image.open(path).convert("RGB")).astype(np.int64)
    labels = row_labels or [""] * n_rows
    lay = grid_layout(image_hw, labels, title, captions)
    assert png.shape[:2] == (lay.top + n_rows * lay.step_y, lay.left + n_cols * lay.step_x), png.shape
    assert (png[..., 0] == png[..., 1]).all() and (png[..., 1] == png[..., 2]).all()  # grey images
    return np.stack([np.stack([lay.cell(png[..., 0], i, j, image_hw) for j in range(n_cols)])
                     for i in range(n_rows)])


def expected_pixels(images: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """The 8-bit grey values a grid shows for ``images`` scaled from ``[vmin, vmax]``."""
    return np.rint(255 * np.clip((np.asarray(images, np.float64) - vmin) / (vmax - vmin), 0, 1)).astype(np.int64)


def assert_pixels_match(got: np.ndarray, images: np.ndarray, vmin: float, vmax: float) -> None:
    """Equal up to the 8-bit quantisation (one grey level, where float32 rounding lands on a .5)."""
    want = expected_pixels(images, vmin, vmax)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert np.abs(got - want).max() <= 1, np.abs(got - want).max()
    assert want.std() > 10  # the images are not blank: the comparison means something
