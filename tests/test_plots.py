import numpy as np
from PIL import Image

from aekit.plots import image_grid, scatter_codes


def test_image_grid_draws_each_row_and_gets_taller_with_rows(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.random((5, 12, 12))
    one = Image.open(image_grid([imgs], ["a"], tmp_path / "one.png"))
    three = Image.open(image_grid([imgs, imgs, rng.random((5, 3, 12, 12))], ["a", "b", "rgb"], tmp_path / "three.png"))
    assert three.size[1] > 2 * one.size[1] * 0.8
    assert np.asarray(three.convert("L")).std() > 10  # not a blank canvas
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.png", "three.png"]  # no temp files left


def test_scatter_codes_colours_points_by_label(tmp_path):
    rng = np.random.default_rng(1)
    codes = rng.normal(size=(200, 2))
    path = scatter_codes(codes, rng.integers(0, 10, 200), tmp_path / "map.png", panels={"other": codes * 2})
    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    colourful = (img.max(axis=2) - img.min(axis=2)) > 60  # tab10 colours, not greys
    assert colourful.sum() > 500
