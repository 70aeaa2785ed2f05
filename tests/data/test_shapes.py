"""The procedural shapes data: five known factors, rendered deterministically on demand."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.data import shapes
from aekit.errors import DataError


def _centroid(img: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(img)
    return float(cols.mean()), float(rows.mean())  # (x right, y down)


def test_the_factor_grid_is_the_documented_one():
    vals = shapes.factor_values()
    assert shapes.FACTORS == ("shape", "scale", "orientation", "x", "y")
    assert tuple(len(vals[f]) for f in shapes.FACTORS) == shapes.N_VALUES == (3, 6, 40, 32, 32)
    assert shapes.N_IMAGES == 737_280
    assert vals["scale"][0] == 0.5 and vals["scale"][-1] == 1.0
    assert vals["orientation"][0] == 0.0 and np.isclose(vals["orientation"][-1], 2 * np.pi)
    assert vals["x"][0] == 0.0 and vals["x"][-1] == 1.0


def test_images_are_binary_64x64_and_the_same_every_time():
    f = [[0, 5, 0, 16, 16], [1, 2, 7, 3, 30], [2, 0, 39, 31, 0]]
    a, b = shapes.render(f), shapes.render(np.array(f))
    assert a.shape == (3, 64, 64) and a.dtype == np.uint8 and set(np.unique(a)) == {0, 1}
    np.testing.assert_array_equal(a, b)
    assert all(img.sum() > 20 for img in a)
    # every shape stays inside the frame, even the largest at a corner, at any angle
    corners = [[s, 5, o, x, y] for s in range(3) for o in (0, 5, 13) for x in (0, 31) for y in (0, 31)]
    imgs = shapes.render(corners)
    assert imgs[:, 0].max() == imgs[:, -1].max() == imgs[:, :, 0].max() == imgs[:, :, -1].max() == 0


def test_each_factor_does_what_its_name_says():
    left, right = shapes.render([[0, 3, 0, 0, 16], [0, 3, 0, 31, 16]])
    assert _centroid(right)[0] - _centroid(left)[0] > 30  # x moves right
    top, bottom = shapes.render([[1, 3, 0, 16, 0], [1, 3, 0, 16, 31]])
    assert _centroid(bottom)[1] - _centroid(top)[1] > 30  # y moves down
    areas = shapes.render([[2, s, 0, 16, 16] for s in range(6)]).sum((1, 2))
    assert np.all(np.diff(areas) > 0) and 3.3 < areas[-1] / areas[0] < 4.7  # area grows as scale^2 (1 vs 0.5)
    # an ellipse at 0 lies along x; about a quarter turn (index 10: 10/39 of 360 degrees) stands it up
    flat, upright = shapes.render([[1, 5, 0, 16, 16], [1, 5, 10, 16, 16]])
    spread = lambda img, axis: np.ptp(np.nonzero(img.any(axis))[0])  # noqa: E731
    assert spread(flat, 0) > 1.6 * spread(flat, 1) and spread(upright, 1) > 1.6 * spread(upright, 0)
    # half a turn puts a heart upside down: its lobes (most of its ink) go from the top to the bottom
    heart, turned = shapes.render([[2, 5, 0, 16, 16], [2, 5, 20, 16, 16]])
    box = lambda img: np.nonzero(img.any(1))[0]  # noqa: E731
    middle = lambda img: (box(img).min() + box(img).max()) / 2  # noqa: E731
    assert _centroid(heart)[1] < middle(heart) and _centroid(turned)[1] > middle(turned)
    # the three shapes differ
    sq, el, he = shapes.render([[k, 5, 3, 16, 16] for k in range(3)])
    assert (sq != el).sum() > 50 and (sq != he).sum() > 50 and (el != he).sum() > 50


def test_sample_draws_distinct_seeded_subsets_with_their_labels():
    a, b, c = shapes.sample(500, seed=1), shapes.sample(500, seed=1), shapes.sample(500, seed=2)
    np.testing.assert_array_equal(a.factors, b.factors)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.factors, c.factors)
    assert len(np.unique(shapes.flat_index(a.factors))) == 500  # no combination twice
    np.testing.assert_array_equal(shapes.render(a.factors[:20]), a.images[:20])  # labels match images
    assert a.values.shape == (500, 5) and a.values[:, 1].min() >= 0.5 and a.values[:, 2].max() <= 2 * np.pi
    assert set(np.unique(a.factors[:, 0])) == {0, 1, 2}  # uniform over the product: every shape appears
    idx = shapes.flat_index(a.factors)
    np.testing.assert_array_equal(shapes.factors_of(idx), a.factors)


@pytest.mark.parametrize("bad, match", [
    ([[3, 0, 0, 0, 0]], r"factor 'shape' takes indices 0 to 2; got 3"),
    ([[0, 0, 40, 0, 0]], r"'orientation' takes indices 0 to 39"),
    ([[0, 0, 0, 0]], r"\(n, 5\) array"),
    ([[0.5, 0, 0, 0, 0]], "whole indices"),
])
def test_bad_factors_are_clear_errors(bad, match):
    with pytest.raises(DataError, match=match):
        shapes.render(bad)


def test_bad_sizes_are_clear_errors():
    with pytest.raises(DataError, match="n=0 must be a whole number of images from 1 to 737280"):
        shapes.sample(0)
    with pytest.raises(DataError, match=r"lie in \[0, 737279\]"):
        shapes.factors_of([shapes.N_IMAGES])
