"""The CLI is a thin layer over the API: each command's effect is checked on real data."""

from __future__ import annotations

import json

import numpy as np
import pytest

import aekit
from aekit.cli import main


@pytest.fixture(scope="module")
def wine_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "wine"
    rc = main(["train", "--data", "wine", "-o", str(out), "--latent-dim", "3", "--epochs", "40",
               "--no-progress", "--seed", "1"])
    assert rc == 0
    return out


def test_train_writes_a_loadable_model_matching_the_options(wine_model):
    ae = aekit.AutoEncoder.load(wine_model)
    assert ae.latent_dim == 3 and ae.random_state == 1
    assert ae.model_config_.net == "mlp" and ae.input_shape_ == (13,)
    ds = aekit.load_dataset("wine")
    # trained, not just initialised: reconstruction error well below the variance of the standardised data
    assert -ae.score_samples(ds.X_test).mean() < 0.6


def test_encode_matches_the_api(wine_model, tmp_path):
    out = tmp_path / "codes.csv"
    assert main(["encode", "--model", str(wine_model), "--input", "wine:test", "-o", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "z0,z1,z2"  # a header names the columns
    codes = np.loadtxt(out, delimiter=",", skiprows=1)
    expected = aekit.AutoEncoder.load(wine_model).transform(aekit.load_dataset("wine").X_test)
    np.testing.assert_allclose(codes, expected, rtol=1e-5, atol=1e-6)


def test_reconstruct_from_a_user_csv(wine_model, tmp_path, capsys):
    X = aekit.load_dataset("wine").X_test[:7]
    src = tmp_path / "rows.csv"
    np.savetxt(src, X, delimiter=",", header=",".join(f"f{i}" for i in range(13)), comments="")
    out = tmp_path / "recon.npy"
    assert main(["reconstruct", "--model", str(wine_model), "--input", str(src), "-o", str(out)]) == 0
    R = np.load(out)
    np.testing.assert_allclose(R, aekit.AutoEncoder.load(wine_model).reconstruct(X), rtol=1e-4, atol=1e-3)
    assert "mean squared error" in capsys.readouterr().out


def test_info_describes_the_model(wine_model, capsys):
    assert main(["info", str(wine_model)]) == 0
    text = capsys.readouterr().out
    assert "latent_dim=3" in text and "mlp" in text and "(13,)" in text
    assert main(["info", str(wine_model), "--json"]) == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["format"] == "aekit-model" and meta["model_config"]["latent_dim"] == 3


@pytest.mark.parametrize("argv, needle", [
    (["encode", "--model", "/nonexistent/model", "--input", "wine", "-o", "x.npy"], "does not exist"),
    (["train", "--data", "/nonexistent.npy", "-o", "m"], "No such file"),
    (["train", "--data", "wine", "-o", "m", "--net", "transformerx"], "Unknown network"),
    (["train", "--data", "wine", "-o", "m", "--net-option", "nonsense"], "key=value"),
    (["train", "--data", "mnist:val", "-o", "m"], "'train' or 'test'"),
])
def test_user_errors_are_one_clear_line(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_feature_mismatch_on_encode_is_reported(wine_model, tmp_path, capsys):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((4, 5), dtype=np.float32))
    assert main(["encode", "--model", str(wine_model), "--input", str(bad), "-o", str(tmp_path / "c.npy")]) == 2
    assert "expecting 13 features" in capsys.readouterr().err
    assert not (tmp_path / "c.npy").exists()


@pytest.mark.parametrize("cmd", ["train", "encode", "reconstruct", "denoise", "detect", "info", "tour"])
def test_help_has_examples(cmd, capsys):
    with pytest.raises(SystemExit) as exc:
        main([cmd, "--help"])
    assert exc.value.code == 0
    assert "examples:" in capsys.readouterr().out
