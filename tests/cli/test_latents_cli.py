"""aekit sample / interpolate / codes on a small VQ model with a prior, checked against the API."""

from __future__ import annotations

import numpy as np
import pytest

import aekit
from aekit.cli import main
from _png import assert_pixels_match, read_grid


@pytest.fixture(scope="module")
def vq_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "vq"
    rc = main(["train", "--data", "digits", "-o", str(out), "--bottleneck", "vq", "--latent-dim", "4",
               "--net-option", "channels=[16,32]", "--net-option", "grid=true",
               "--bottleneck-option", "codebook_size=16", "--bottleneck-option", "dim=4",
               "--bottleneck-option", 'prior={"d_model": 16, "layers": 1, "heads": 2, "epochs": 2}',
               "--epochs", "3", "--no-progress"])
    assert rc == 0
    return out


def test_codes_saves_what_the_api_returns(vq_model, tmp_path, capsys):
    out = tmp_path / "codes.npy"
    assert main(["codes", "--model", str(vq_model), "--input", "digits:test", "-o", str(out)]) == 0
    expected = aekit.AutoEncoder.load(vq_model).codes(aekit.load_dataset("digits").X_test)
    np.testing.assert_array_equal(np.load(out), expected)
    capsys.readouterr()
    assert main(["codes", "--model", str(vq_model), "--input", "digits:test"]) == 0
    text = capsys.readouterr().out
    first = " ".join(str(v) for v in expected[0][:2])
    assert "sample 0:" in text and first in " ".join(text.split()) and "of 16 symbols used" in text


def test_sample_writes_a_grid_or_the_array(vq_model, tmp_path):
    png, npy = tmp_path / "s.png", tmp_path / "s.npy"
    assert main(["sample", "--model", str(vq_model), "-n", "32", "-o", str(png), "--seed", "2"]) == 0
    S = aekit.AutoEncoder.load(vq_model).sample(32, random_state=2)
    # two rows of 16: sample i is cell (i // 16, i % 16), grey levels spanning the samples' range
    assert_pixels_match(read_grid(png, 2, 16, (8, 8)).reshape(32, 8, 8), S, S.min(), S.max())
    assert main(["sample", "--model", str(vq_model), "-n", "5", "-o", str(npy), "--seed", "2"]) == 0
    np.testing.assert_allclose(np.load(npy), aekit.AutoEncoder.load(vq_model).sample(5, random_state=2), atol=1e-5)


def test_reconstruct_png_shows_the_reconstructions_of_the_first_16(vq_model, tmp_path):
    png = tmp_path / "r.png"
    assert main(["reconstruct", "--model", str(vq_model), "--input", "digits:test", "-o", str(png)]) == 0
    X = aekit.load_dataset("digits").X_test[:16]
    R = aekit.AutoEncoder.load(vq_model).reconstruct(X)
    grid = read_grid(png, 2, 16, (8, 8), ["input", "rebuilt"])  # each input above its reconstruction
    assert_pixels_match(grid[0], X, 0, 16)  # in the data's units (digits: 0..16)
    assert_pixels_match(grid[1], R, 0, 16)


def test_interpolate_joins_two_inputs(vq_model, tmp_path):
    out = tmp_path / "path.npy"
    assert main(["interpolate", "--model", str(vq_model), "--input", "digits:test", "--pair", "3", "7",
                 "--steps", "6", "-o", str(out)]) == 0
    path = np.load(out)
    ae = aekit.AutoEncoder.load(vq_model)
    X = aekit.load_dataset("digits").X_test
    assert path.shape == (6, 8, 8)
    np.testing.assert_allclose(path[[0, -1]], ae.reconstruct(X[[3, 7]]), atol=1e-4)
    png = tmp_path / "path.png"
    assert main(["interpolate", "--model", str(vq_model), "--input", "digits:test", "--pair", "3", "7",
                 "--steps", "6", "-o", str(png)]) == 0
    assert_pixels_match(read_grid(png, 1, 6, (8, 8))[0], path, path.min(), path.max())  # one strip of 6


@pytest.mark.parametrize("argv, needle", [
    (["sample", "-n", "4", "-o", "x.png"], "no generative prior"),
    (["codes", "--input", "digits:test"], "discrete bottleneck"),
    (["interpolate", "--input", "digits:test", "--pair", "0", "9999", "-o", "x.npy"], "out of range"),
])
def test_clear_errors(tmp_path, capsys, argv, needle, digits):
    model = tmp_path / "plain"
    aekit.AutoEncoder(latent_dim=2, epochs=1, verbose=False).fit(digits.X_train).save(model)
    assert main([argv[0], "--model", str(model), *argv[1:]]) == 2
    assert needle in capsys.readouterr().err


def test_info_lists_the_prior_stage_after_the_optimizers(vq_model, capsys):
    assert main(["info", str(vq_model)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("optimizers   main (adamw"))
    assert lines[at + 1] == "then         prior (trained after the model)"
