"""aekit restyle and aekit traverse on small saved models, checked against the API; bad inputs are
one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import aekit
from aekit.cli import main
from aekit.data import save_image
from _png import read_grid


@pytest.fixture(scope="module")
def images(digits):
    """Digits as 0..255 grey images: what PNG files load as."""
    return (digits.X_train * 255 / 16).astype(np.float32), digits.y_train, (digits.X_test * 255 / 16)


@pytest.fixture(scope="module")
def restyler(images, tmp_path_factory):
    X, y, _ = images
    path = tmp_path_factory.mktemp("cli") / "restyle"
    aekit.AutoEncoder(4, model="conditional", model_options={"classes": 10, "classifier": True},
                      bottleneck="gaussian", net_options={"channels": [8, 16]}, epochs=3, verbose=False,
                      n_threads=1).fit(X, y).save(path)
    return path


@pytest.fixture(scope="module")
def pngs(images, tmp_path_factory):
    _, _, Xt = images
    folder = tmp_path_factory.mktemp("png")
    for i in range(4):
        save_image(folder / f"d{i}.png", Xt[i])
    (folder / "many").mkdir()
    for i in range(4, 7):
        save_image(folder / "many" / f"d{i}.png", Xt[i])
    save_image(folder / "big.png", np.zeros((10, 10)))
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    return folder


def _png(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L")).astype(np.float64)


def test_restyle_writes_content_a_in_the_style_of_b(restyler, pngs, tmp_path, capsys):
    out = tmp_path / "out.png"
    assert main(["restyle", "--model", str(restyler), "--content", str(pngs / "d0.png"), "--style",
                 str(pngs / "d1.png"), "-o", str(out), "--threads", "1"]) == 0
    assert "wrote" in capsys.readouterr().out
    ae = aekit.AutoEncoder.load(restyler)
    a, b = _png(pngs / "d0.png"), _png(pngs / "d1.png")
    expected = np.clip(np.rint(ae.restyle(a, b)[0]), 0, 255)
    got = _png(out)
    assert got.shape == (8, 8)  # the picture itself, at the model's size
    np.testing.assert_array_equal(got, expected)
    # known labels are passed on
    npy = tmp_path / "out.npy"
    assert main(["restyle", "--model", str(restyler), "--content", str(pngs / "d0.png"), "--style",
                 str(pngs / "d1.png"), "-o", str(npy), "--content-label", "7", "--style-label", "2"]) == 0
    np.testing.assert_allclose(np.load(npy), ae.restyle(a, b, content_y=7, style_y=2), atol=1e-4)


def test_one_content_image_in_many_styles(restyler, pngs, tmp_path):
    out = tmp_path / "grid.png"
    assert main(["restyle", "--model", str(restyler), "--content", str(pngs / "d0.png"), "--style",
                 str(pngs / "many"), "-o", str(out)]) == 0
    ae = aekit.AutoEncoder.load(restyler)
    styles = np.stack([_png(pngs / "many" / f"d{i}.png") for i in range(4, 7)])
    R = ae.restyle(_png(pngs / "d0.png"), styles)
    grid = read_grid(out, 1, 3, (8, 8))[0]
    lo, hi = R.min(), R.max()
    np.testing.assert_allclose(grid, np.rint(255 * np.clip((R - lo) / (hi - lo), 0, 1)), atol=1)


def test_restyle_errors_are_one_line(restyler, pngs, tmp_path, capsys, digits):
    plain = tmp_path / "plain"
    aekit.AutoEncoder(4, net_options={"channels": [8]}, epochs=1, verbose=False).fit(digits.X_train[:50]).save(plain)
    base = ["restyle", "-o", str(tmp_path / "o.png")]
    cases = [
        (["--model", str(plain), "--content", str(pngs / "d0.png"), "--style", str(pngs / "d1.png")],
         "cannot restyle: its code has no separate content part"),
        (["--model", str(restyler), "--content", str(pngs / "nope.png"), "--style", str(pngs / "d1.png")],
         "No such file or folder"),
        (["--model", str(restyler), "--content", str(pngs / "broken.png"), "--style", str(pngs / "d1.png")],
         "Cannot read image"),
        (["--model", str(restyler), "--content", str(pngs / "d0.png"), "--style", str(pngs / "big.png")],
         "big.png' holds samples of shape (10, 10), but the model takes (8, 8): resize it (--image-size 8 8)"),
        (["--model", str(tmp_path / "missing"), "--content", str(pngs / "d0.png"), "--style", str(pngs / "d1.png")],
         "missing"),
    ]
    for args, message in cases:
        capsys.readouterr()
        assert main(base + args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("aekit restyle: error:") and len(err.splitlines()) == 1, err
        assert message in err, err
    # resizing makes the big image usable
    assert main(base + ["--model", str(restyler), "--content", str(pngs / "d0.png"), "--style",
                        str(pngs / "big.png"), "--image-size", "8", "8"]) == 0


def test_traverse_draws_one_row_per_dimension(restyler, pngs, tmp_path, images):
    out = tmp_path / "t.png"
    assert main(["traverse", "--model", str(restyler), "--input", str(pngs / "d0.png"), "--label", "3",
                 "--steps", "5", "--range", "-2", "2", "-o", str(out)]) == 0
    ae = aekit.AutoEncoder.load(restyler)
    from aekit.plots import traversal_images

    imgs = traversal_images(ae, _png(pngs / "d0.png"), values=np.linspace(-2, 2, 5), y=3)
    grid = read_grid(out, 4, 5, (8, 8), row_labels=[f"z{d}" for d in range(4)])
    lo, hi = imgs.min(), imgs.max()
    np.testing.assert_allclose(grid, np.rint(255 * np.clip((imgs - lo) / (hi - lo), 0, 1)), atol=1)
    assert main(["traverse", "--model", str(restyler), "-o", str(out), "--dims", "1", "--label", "0"]) == 0
    read_grid(out, 1, 9, (8, 8), row_labels=["z1"])  # from zeros, one row of the default 9 steps


def test_traverse_errors(restyler, tmp_path, capsys):
    for args, message in [([], "give it with --label K"), (["--label", "1", "--dims", "9"], "outside the code"),
                          (["--label", "1", "--steps", "1"], "--steps 1 must be at least 2")]:
        capsys.readouterr()
        assert main(["traverse", "--model", str(restyler), "-o", str(tmp_path / "t.png"), *args]) == 2
        assert message in capsys.readouterr().err
