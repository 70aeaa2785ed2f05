"""``aekit compress`` / ``decompress`` / ``train-codec``: files in, files out, the API's exact pixels,
one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import aekit
from aekit.cli import main
from aekit.compression import load_codec


@pytest.fixture(scope="module")
def digits():
    return aekit.load_dataset("mnist").X_test[:6].astype(np.uint8)


def test_png_in_png_out_matches_the_api(digits, tmp_path, capsys):
    paths = []
    for i, d in enumerate(digits[:3]):
        paths.append(tmp_path / f"d{i}.png")
        Image.fromarray(d).save(paths[-1])
    out = tmp_path / "x.aek"
    assert main(["compress", *map(str, paths), "-o", str(out), "--quality", "2"]) == 0
    msg = capsys.readouterr().out
    assert f"{out.stat().st_size} bytes" in msg and "bpp" in msg and "3 image(s)" in msg
    assert main(["decompress", str(out), "-o", str(tmp_path / "dec")]) == 0
    # the images are named after the .aek file, not 000000.png
    assert sorted(p.name for p in (tmp_path / "dec").iterdir()) == ["x_000.png", "x_001.png", "x_002.png"]
    got = np.stack([np.asarray(Image.open(tmp_path / "dec" / f"x_{i:03d}.png")) for i in range(3)])
    assert np.array_equal(got, load_codec("mnist").reconstruct(digits[:3], 2))
    # one image keeps its own name through compress and decompress
    assert main(["compress", str(paths[0]), "-o", str(tmp_path / "d0.aek")]) == 0
    assert main(["decompress", str(tmp_path / "d0.aek"), "-o", str(tmp_path / "one")]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["d0.png"]


def test_npy_batch_and_folder_inputs(digits, tmp_path):
    np.save(tmp_path / "batch.npy", digits[:4])
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i, d in enumerate(digits[4:]):
        Image.fromarray(d).save(folder / f"{i}.png")
    out = tmp_path / "y.aek"
    assert main(["compress", str(tmp_path / "batch.npy"), str(folder), "-o", str(out), "--quality", "1"]) == 0
    assert main(["decompress", str(out), "-o", str(tmp_path / "dec"), "--format", "npy"]) == 0
    got = np.load(tmp_path / "dec" / "y.npy")
    assert got.shape == (6, 28, 28) and got.dtype == np.uint8
    assert np.array_equal(got, load_codec("mnist").reconstruct(digits, 1))


def test_damaged_file_is_one_clear_line(digits, tmp_path, capsys):
    np.save(tmp_path / "b.npy", digits)
    out = tmp_path / "z.aek"
    assert main(["compress", str(tmp_path / "b.npy"), "-o", str(out), "--quality", "1"]) == 0
    out.write_bytes(out.read_bytes()[:-3])
    capsys.readouterr()
    assert main(["decompress", str(out), "-o", str(tmp_path / "dec")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aekit decompress: error:") and "truncated" in err and "\n" not in err
    assert not (tmp_path / "dec").exists()
    assert main(["compress", str(tmp_path / "b.npy"), "-o", str(out), "--quality", "99"]) == 2
    assert "choose one of" in capsys.readouterr().err


def test_train_codec_then_compress_with_it(tmp_path, capsys):
    X = aekit.load_dataset("mnist").X_train[:96].astype(np.uint8)
    np.save(tmp_path / "train.npy", X)
    model = tmp_path / "mycodec"
    assert main(["train-codec", str(tmp_path / "train.npy"), "-o", str(model), "--lmbdas", "20", "200",
                 "--epochs", "1", "--first-epochs", "1", "--option", "channels=8", "--option", "latent_dim=4",
                 "--option", "hyper_channels=4", "--no-progress"]) == 0
    assert "qualities=[1, 2]" in capsys.readouterr().out
    out = tmp_path / "t.aek"
    assert main(["compress", str(tmp_path / "train.npy"), "-o", str(out), "--model", str(model), "--quality", "2"]) == 0
    assert main(["decompress", str(out), "-o", str(tmp_path / "dec"), "--format", "npy"]) == 2  # not bundled
    assert "not bundled" in capsys.readouterr().err
    assert main(["decompress", str(out), "-o", str(tmp_path / "dec"), "--format", "npy", "--model", str(model)]) == 0
    assert np.array_equal(np.load(tmp_path / "dec" / "t.npy"), load_codec(model).reconstruct(X, 2))


def test_out_of_domain_images_are_refused_or_warned(digits, tmp_path, capsys):
    """Floats in [0, 1] decoded to black and photos came back at 10 dB without a word: the first are
    refused with the fix, the second coded with a warning that says what to do."""
    np.save(tmp_path / "unit.npy", digits.astype(np.float32) / 255.0)
    assert main(["compress", str(tmp_path / "unit.npy"), "-o", str(tmp_path / "u.aek")]) == 2
    err = capsys.readouterr().err
    assert "[0, 1]" in err and "* 255" in err and not (tmp_path / "u.aek").exists()
    # a photo-like image: bright, textured, light border
    photo = np.clip(np.random.default_rng(0).normal(150, 40, size=(2, 28, 28)), 0, 255).astype(np.uint8)
    np.save(tmp_path / "photo.npy", photo)
    assert main(["compress", str(tmp_path / "photo.npy"), "-o", str(tmp_path / "p.aek")]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "2 of 2 image(s) do not look like" in err and "train-codec" in err
    # real digits pass silently
    np.save(tmp_path / "ok.npy", digits)
    assert main(["compress", str(tmp_path / "ok.npy"), "-o", str(tmp_path / "ok.aek")]) == 0
    assert "warning" not in capsys.readouterr().err
