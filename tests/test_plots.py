import numpy as np
from PIL import Image

from aekit.plots import grid_layout, image_grid, scatter_codes


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


def test_image_grid_pixels_are_the_images_exactly(tmp_path):
    """Each image value v is one zoom x zoom block of grey round(255 * (v - vmin) / (vmax - vmin)), at the
    place grid_layout gives, whatever the labels and title push aside; RGB images keep their colours."""
    rng = np.random.default_rng(2)
    grey, rgb = rng.random((3, 5, 7)) * 4 - 1, rng.random((3, 3, 5, 7)) * 4 - 1
    path = image_grid([grey, rgb], ["grey", "colour row"], tmp_path / "g.png", vmin=-1, vmax=3, title="a title")
    png = np.asarray(Image.open(path).convert("RGB")).astype(int)
    lay = grid_layout((5, 7), ["grey", "colour row"], "a title")
    assert lay.zoom == 64 // 7 and lay.left > 20 and lay.top > 10  # room for the labels and the title
    want = lambda a: np.rint(255 * np.clip((a + 1) / 4, 0, 1)).astype(int)  # noqa: E731
    for j in range(3):
        y, x = lay.top, lay.left + j * lay.step_x
        block = png[y:y + 5 * lay.zoom, x:x + 7 * lay.zoom]
        np.testing.assert_array_equal(block, np.repeat(np.repeat(want(grey[j]), lay.zoom, 0), lay.zoom, 1)[..., None]
                                      .repeat(3, 2))
        np.testing.assert_array_equal(lay.cell(png, 1, j, (5, 7)), want(rgb[j]).transpose(1, 2, 0))
    assert (png[:lay.top - 2, :60] < 128).any()  # the title is drawn above the images
