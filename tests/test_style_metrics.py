"""Style statistics measured on images: slant from the ink's second moments, stroke thickness from
the skeleton."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.errors import DataError
from aekit.metrics.style import slant, stroke_thickness


def _bar(shear: float = 0.0, width: int = 3, size: int = 28) -> np.ndarray:
    """A vertical bar through the middle, its top moved right by ``shear`` pixels per row up."""
    img = np.zeros((size, size))
    for row in range(4, size - 4):
        centre = size / 2 + shear * (size / 2 - row)
        lo = int(round(centre - width / 2))
        img[row, lo:lo + width] = 1.0
    return img


def test_slant_is_the_lean_of_the_ink():
    s = slant(np.stack([_bar(0.0), _bar(0.3), _bar(-0.3), np.zeros((28, 28))]))
    assert s[0] == pytest.approx(0.0, abs=0.5)
    assert s[1] == pytest.approx(np.degrees(np.arctan(0.3)), abs=1.5)  # about 16.7 degrees, leaning right
    assert s[2] == pytest.approx(-np.degrees(np.arctan(0.3)), abs=1.5)
    assert s[3] == 0.0  # no ink, no slant
    # the width of a stroke does not change its lean
    assert slant(_bar(0.3, width=5))[0] == pytest.approx(s[1], abs=1.5)


def test_thickness_is_the_stroke_width():
    t = stroke_thickness(np.stack([_bar(0.0, w) for w in (1, 3, 5)] + [np.zeros((28, 28))]))
    assert t[0] == pytest.approx(1.0, abs=0.2) and t[1] == pytest.approx(3.0, abs=0.5)
    assert t[2] == pytest.approx(5.0, abs=0.8)
    assert t[3] == 0.0
    assert stroke_thickness(_bar(0.3, 3))[0] == pytest.approx(t[1], abs=0.6)  # slanted or not


def test_style_statistics_take_grey_images_only():
    with pytest.raises(DataError, match=r"grey images \(n, H, W\); got shape \(2, 3, 8, 8\)"):
        slant(np.zeros((2, 3, 8, 8)))
    assert slant(np.zeros((2, 1, 8, 8))).shape == (2,)  # one channel is fine
