"""``aekit denoise`` on real digits: same numbers as the API, every output form, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import aekit
from aekit.cli import main
from aekit.noise import corrupt
from _png import assert_pixels_match, read_grid


def _psnr(a, b, peak):
    return 10 * np.log10(peak ** 2 / np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2))


@pytest.fixture(scope="module")
def digits_dae(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "dae"
    assert main(["train", "--data", "digits", "-o", str(out), "--latent-dim", "16", "--epochs", "60",
                 "--net", "mlp", "--noise", "gaussian:0.3", "--lr", "3e-3", "--no-progress"]) == 0
    return out


@pytest.fixture(scope="module")
def noisy_digits():
    clean = aekit.load_dataset("digits").X_test[:40]  # (40, 8, 8), values 0..16
    return clean, corrupt(clean / 16.0, "gaussian:0.3", seed=7) * 16.0


def test_denoise_npy_matches_the_api_and_removes_noise(digits_dae, noisy_digits, tmp_path):
    clean, noisy = noisy_digits
    src, out = tmp_path / "noisy.npy", tmp_path / "clean.npy"
    np.save(src, noisy)
    assert main(["denoise", "--model", str(digits_dae), "--input", str(src), "-o", str(out)]) == 0
    got = np.load(out)
    np.testing.assert_allclose(got, aekit.AutoEncoder.load(digits_dae).reconstruct(noisy), rtol=1e-5, atol=1e-4)
    assert _psnr(got, clean, 16) > _psnr(noisy, clean, 16) + 3


def test_denoise_one_png_writes_that_image_and_a_folder_one_png_each(digits_dae, noisy_digits, tmp_path):
    _, noisy = noisy_digits
    pixels = np.clip(np.rint(noisy[0]), 0, 255).astype(np.uint8)  # the model's units are 0..16
    Image.fromarray(pixels).save(tmp_path / "noisy.png")
    assert main(["denoise", "--model", str(digits_dae), "--input", str(tmp_path / "noisy.png"),
                 "-o", str(tmp_path / "out.png")]) == 0
    img = np.asarray(Image.open(tmp_path / "out.png"))
    expected = aekit.AutoEncoder.load(digits_dae).reconstruct(pixels[None].astype(np.float32))[0]
    assert img.shape == (8, 8)
    assert np.abs(img.astype(float) - np.clip(np.rint(expected), 0, 255)).max() <= 1

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.clip(np.rint(noisy[i]), 0, 255).astype(np.uint8)).save(folder / f"{i}.png")
    assert main(["denoise", "--model", str(digits_dae), "--input", str(folder), "-o", str(tmp_path / "cleaned")]) == 0
    written = sorted(p.name for p in (tmp_path / "cleaned").iterdir())
    assert written == ["0.png", "1.png", "2.png"]  # the input files' names, not new ones


def test_corrupt_option_writes_a_comparison_grid(digits_dae, tmp_path, capsys):
    out = tmp_path / "demo.png"
    assert main(["denoise", "--model", str(digits_dae), "--input", "digits:test", "--corrupt", "mask:0.3",
                 "-o", str(out)]) == 0
    assert "first 16" in capsys.readouterr().out
    # rows: the first 16 inputs, corrupted as --corrupt does (seed 0), and what the model makes of them,
    # all drawn in the data's own units (0..16 for these digits)
    ae = aekit.AutoEncoder.load(digits_dae)
    X = aekit.load_dataset("digits").X_test[:16].astype(np.float32)
    noisy = ae.scaler_.inverse_transform(corrupt(ae.scaler_.transform(X), "mask:0.3", seed=0, clip=(0, 1)))
    clean = ae.reconstruct(noisy)
    grid = read_grid(out, 3, 16, (8, 8), ["input", "mask:0.3", "de-noised"])
    assert_pixels_match(grid[0], X, 0, 16)
    assert_pixels_match(grid[1], noisy, 0, 16)
    assert_pixels_match(grid[2], clean, 0, 16)
    assert np.abs(grid[1] - grid[2]).mean() > 5  # the two rows differ: the noise was removed, not copied


def test_strong_noise_does_not_grey_out_the_clean_rows(digits_dae, tmp_path):
    """Gaussian noise of sigma 1 once stretched the grid's scale to the noise's range, so clean digits
    showed grey on grey; each row is drawn in the data's units, with the noisy input clipped to them."""
    out = tmp_path / "demo.png"
    assert main(["denoise", "--model", str(digits_dae), "--input", "digits:test", "--corrupt", "gaussian:1",
                 "-o", str(out)]) == 0
    grid = read_grid(out, 3, 16, (8, 8), ["input", "gaussian:1", "de-noised"])
    X = aekit.load_dataset("digits").X_test[:16]
    assert_pixels_match(grid[0], X, 0, 16)
    background = X == 0
    assert (grid[0][background] == 0).all()  # black stays black, white stays white
    assert (grid[0][X == 16] == 255).all()
    assert grid[1].min() == 0 and grid[1].max() == 255  # the noisy row is clipped to the range, not rescaled


def test_plain_model_gets_a_note_and_bad_specs_one_line_errors(tmp_path, capsys):
    plain = tmp_path / "plain"
    assert main(["train", "--data", "wine", "-o", str(plain), "--epochs", "2", "--no-progress"]) == 0
    assert main(["denoise", "--model", str(plain), "--input", "wine:test", "-o", str(tmp_path / "x.npy")]) == 0
    assert "trained without --noise" in capsys.readouterr().out
    assert main(["denoise", "--model", str(plain), "--input", "wine:test", "-o", str(tmp_path / "folder")]) == 2
    assert "not images" in capsys.readouterr().err
    assert main(["denoise", "--model", str(plain), "--input", "wine:test", "--corrupt", "gausian:1",
                 "-o", str(tmp_path / "y.npy")]) == 2
    err = capsys.readouterr().err
    assert "Did you mean 'gaussian'" in err and "Traceback" not in err
