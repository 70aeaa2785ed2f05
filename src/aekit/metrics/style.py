"""Style statistics of hand-written strokes, measured on the image: how slanted and how thick.

They judge restyling without a model: the slant and thickness of a restyled digit should follow
those of its style source. Images are ``(n, H, W)`` (or one ``(H, W)``) of ink in ``[0, 1]``,
ink bright on a dark ground (as MNIST).
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError


def _images(images) -> np.ndarray:
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 3:
        raise DataError(f"style statistics take grey images (n, H, W); got shape {np.shape(images)}.")
    return np.clip(x, 0.0, None)


def slant(images) -> np.ndarray:
    """The slant of each image's ink in degrees, from its second moments: positive leans right
    (the top of the stroke right of its bottom), 0 upright.

    With the ink as a distribution over pixel positions (column ``x``, row ``y`` growing
    downwards), the shear ``-cov(x, y) / var(y)`` is how far the ink moves right per row up
    (the shear that would stand it upright, as the "deskewing" of MNIST classifiers); the slant is
    its arctangent. An image without ink has slant 0.
    """
    x = _images(images)
    n, h, w = x.shape
    mass = x.sum((1, 2))
    safe = np.where(mass > 0, mass, 1.0)
    rows, cols = np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64)
    my = (x.sum(2) * rows).sum(1) / safe  # (n,) mean row
    mx = (x.sum(1) * cols).sum(1) / safe  # (n,) mean column
    dy = rows[None, :, None] - my[:, None, None]  # (n, H, 1)
    dx = cols[None, None, :] - mx[:, None, None]  # (n, 1, W)
    cov_xy = (x * dx * dy).sum((1, 2)) / safe
    var_y = (x * dy ** 2).sum((1, 2)) / safe
    shear = np.where((mass > 0) & (var_y > 0), -cov_xy / np.where(var_y > 0, var_y, 1.0), 0.0)
    return np.degrees(np.arctan(shear))


def stroke_thickness(images, threshold: float = 0.5) -> np.ndarray:
    """The mean stroke width of each image in pixels: the ink area (pixels above ``threshold``)
    divided by the length of its skeleton (the one-pixel-wide centre line of the strokes).
    An image without ink has thickness 0. Needs scikit-image (``pip install scikit-image``)."""
    try:
        from skimage.morphology import skeletonize
    except ImportError:  # pragma: no cover - scikit-image is installed with aekit's [bench] extra
        raise DataError("stroke_thickness needs scikit-image: pip install scikit-image "
                        "(or aekit[bench]).") from None
    ink = _images(images) > threshold
    out = np.zeros(len(ink))
    for i, img in enumerate(ink):
        length = skeletonize(img).sum()
        out[i] = img.sum() / length if length else 0.0
    return out


__all__ = ["slant", "stroke_thickness"]
