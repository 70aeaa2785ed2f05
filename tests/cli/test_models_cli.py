"""``aekit train --model``: any registered model from the command line; ``aekit info`` names it, its
options and optimizers; ``AutoEncoder.load`` rebuilds the same model, computing what the API
computes when trained with the same parameters."""

from __future__ import annotations

import numpy as np
import pytest

import aekit
from aekit.cli import main
from aekit.models import AdversarialAE, ConditionalAE

SMALL = ["--latent-dim", "2", "--epochs", "2", "--net", "mlp", "--net-option", "hidden=[32]", "--threads", "1",
         "--no-progress"]
SMALL_KW = dict(latent_dim=2, epochs=2, net="mlp", net_options={"hidden": [32]}, n_threads=1, verbose=False)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Both models trained by the CLI on the bundled digits (the conditional one on their labels)."""
    tmp = tmp_path_factory.mktemp("models")
    assert main(["train", "--data", "digits", "-o", str(tmp / "aae"), "--model", "adversarial",
                 "--model-option", "disc_hidden=[16]", *SMALL]) == 0
    assert main(["train", "--data", "digits", "-o", str(tmp / "cvae"), "--model", "conditional",
                 "--model-option", "classes=10", "--bottleneck", "gaussian", *SMALL, "--epochs", "20"]) == 0
    return tmp


def test_adversarial_model_loads_as_itself_and_computes_what_the_api_does(trained, digits):
    loaded = aekit.AutoEncoder.load(trained / "aae")
    assert type(loaded.model_) is AdversarialAE and loaded.model_.options.disc_hidden == [16]
    api = aekit.AutoEncoder(model="adversarial", model_options={"disc_hidden": [16]}, **SMALL_KW).fit(digits.X_train)
    np.testing.assert_array_equal(loaded.transform(digits.X_test), api.transform(digits.X_test))
    np.testing.assert_array_equal(loaded.sample(6, random_state=1), api.sample(6, random_state=1))
    assert loaded.history_.epochs_run == 2


def test_conditional_model_trains_on_the_dataset_labels(trained, digits):
    loaded = aekit.AutoEncoder.load(trained / "cvae")
    assert type(loaded.model_) is ConditionalAE and loaded.model_.options.classes == 10
    api = aekit.AutoEncoder(model="conditional", model_options={"classes": 10}, bottleneck="gaussian",
                            **{**SMALL_KW, "epochs": 20}).fit(digits.X_train, digits.y_train)
    np.testing.assert_array_equal(loaded.transform(digits.X_test, digits.y_test),
                                  api.transform(digits.X_test, digits.y_test))
    np.testing.assert_array_equal(loaded.sample(4, y=3, random_state=2), api.sample(4, y=3, random_state=2))
    # trained with the labels as its condition: nearly every digit is rebuilt better with its own label
    right = loaded.score_samples(digits.X_test, digits.y_test)
    wrong = loaded.score_samples(digits.X_test, (digits.y_test + 5) % 10)
    assert (right > wrong).mean() > 0.8


def test_info_names_the_model_its_options_and_optimizers(trained, capsys):
    assert main(["info", str(trained / "aae")]) == 0
    text = capsys.readouterr().out
    assert "model        adversarial (aekit.models.adversarial.AdversarialAE)" in text
    assert "disc_hidden=[16]" in text and "disc_every=1" in text and "betas=(0.5, 0.9)" in text
    optimizers = next(line for line in text.splitlines() if line.startswith("optimizers"))
    assert [part.split(" (")[0] for part in optimizers.split(None, 1)[1].split("; ")] == ["ae", "disc", "gen"]
    assert "disc (adam, lr 0.001, " in optimizers and "ae (adamw, " in optimizers

    assert main(["info", str(trained / "cvae")]) == 0
    text = capsys.readouterr().out
    assert "model        conditional (aekit.models.conditional.ConditionalAE)" in text
    assert "classes=10" in text and "conditioning='concat'" in text
    assert "optimizers   main (adamw, lr 0.001, " in text and "bottleneck   gaussian latent_dim=2" in text


def test_plain_model_info_says_it_has_no_options(tmp_path, capsys, digits):
    aekit.AutoEncoder(2, epochs=1, verbose=False, net="mlp").fit(digits.X_train[:100]).save(tmp_path / "m")
    assert main(["info", str(tmp_path / "m")]) == 0
    text = capsys.readouterr().out
    assert "model        autoencoder (aekit.models.autoencoder.AEModel)" in text and "options      none" in text


def test_a_conditional_model_on_a_file_without_labels_is_a_clear_error(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.random.default_rng(0).random((20, 4), dtype=np.float32))
    assert main(["train", "--data", str(tmp_path / "x.npy"), "-o", str(tmp_path / "m"), "--model", "conditional",
                 "--model-option", "classes=2", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aekit train: error: --model conditional reads a condition per sample, but --data")
    assert "has no labels" in err and ".fit(X, y)" in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()


def test_an_unknown_model_name_lists_the_registered_ones(tmp_path, capsys):
    assert main(["train", "--data", "wine", "-o", str(tmp_path / "m"), "--model", "adversarail"]) == 2
    from aekit.models import MODELS

    available = ", ".join(sorted(MODELS.names()))  # every registered model (other uses register theirs)
    assert {"adversarial", "autoencoder", "conditional"} <= set(MODELS.names())
    assert f"Unknown model 'adversarail'. Did you mean 'adversarial'? Available: {available}." in capsys.readouterr().err
