"""FactorVAE: a discriminator estimates the total correlation of the code, and the VAE pays for it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit import ModelConfig, TrainConfig, Trainer, create_model
from aekit.context import Context
from aekit.errors import ConfigError


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def _model(**options):
    torch.manual_seed(0)
    return create_model(ModelConfig(input_shape=(64,), net_options={"hidden": [32]}, latent_dim=4, model="factor",
                                    bottleneck="gaussian", model_options={"disc_hidden": [16], **options}))


def test_the_pipeline_draws_one_permutation_per_code_dimension():
    model = _model()
    (step,) = model.pipeline_steps()
    batch = {"input": torch.rand(10, 64)}
    a = step(batch, torch.Generator().manual_seed(3))
    b = step(batch, torch.Generator().manual_seed(3))
    assert a["tc_perm"].shape == (10, 4)
    torch.testing.assert_close(a["tc_perm"], b["tc_perm"])  # drawn from the trainer's seeded generator
    for d in range(4):  # each column a permutation of the batch's rows
        assert sorted(a["tc_perm"][:, d].tolist()) == list(range(10))
    assert len({tuple(a["tc_perm"][:, d].tolist()) for d in range(4)}) > 1  # dimensions shuffled independently
    torch.testing.assert_close(a["tc_row"], torch.arange(10))


def test_shuffling_keeps_every_marginal_and_breaks_the_dependence():
    model = _model()
    z = torch.randn(500, 1).repeat(1, 4) + 0.01 * torch.randn(500, 4)  # four copies of one variable
    (step,) = model.pipeline_steps()
    batch = step({"input": torch.rand(500, 64)}, torch.Generator().manual_seed(0))
    mixed = model.shuffled(z, batch)
    for d in range(4):
        torch.testing.assert_close(mixed[:, d].sort().values, z[:, d].sort().values)  # same marginal
    torch.testing.assert_close(mixed[:, 0], z[batch["tc_perm"][:, 0], 0])
    assert np.corrcoef(z.T.numpy())[0, 1] > 0.99
    assert abs(np.corrcoef(mixed.T.numpy())[0, 1]) < 0.15


def test_the_vae_step_pays_gamma_times_the_discriminators_tc_estimate():
    model = _model(gamma=10.0).train()
    batch = {"input": torch.rand(16, 64)}
    torch.manual_seed(1)
    out = model.training_step(batch, Context(data_dim=64), "vae")
    torch.manual_seed(1)
    z = model.encode(batch["input"]).z
    tc = model.tc_logits(z).mean()
    torch.testing.assert_close(out["losses"]["tc"], 10.0 * tc / 64)
    assert out["info"]["tc_nats"] == pytest.approx(float(tc.detach()))
    assert set(out["losses"]) == {"recon", "kl", "tc"}
    # validation scores recon + KL only: it does not move when the discriminator does
    model.eval()
    with torch.no_grad():
        before = float(model.validation_step(batch, Context(data_dim=64))["loss"])
    with torch.no_grad():
        for p in model.discriminator.parameters():
            p.add_(1.0)
    assert float(model.validation_step(batch, Context(data_dim=64))["loss"]) == pytest.approx(before)


def test_the_discriminator_learns_to_tell_the_code_from_its_shuffle(digits):
    """Trained through the one trainer: on a plain auto-encoder's dependent code (gamma = 0 leaves the
    auto-encoder alone) the discriminator's loss falls clearly below chance, log 2 = 0.693."""
    X = torch.from_numpy(digits.X_train).float().reshape(-1, 64) / 16.0
    torch.manual_seed(0)
    model = create_model(ModelConfig(input_shape=(64,), net_options={"hidden": [64]}, latent_dim=4, model="factor",
                                     model_options={"gamma": 0.0, "disc_hidden": [64, 64], "disc_lr": 3e-3}))
    h = Trainer(TrainConfig(epochs=20, batch_size=64, lr=3e-3, progress=False, patience=None)).fit(model, X)
    assert h.terms[-1]["disc.bce"] < 0.65  # measured 0.61
    assert {"vae.recon", "vae.tc", "disc.bce"} <= set(h.terms[-1]) and "disc.accuracy" in h.info[-1]


@pytest.mark.parametrize("gamma", [0.0, 1000.0])
def test_the_tc_term_moves_the_encoder_towards_codes_the_discriminator_takes_for_shuffled(gamma):
    """With the discriminator held, 20 steps of the "vae" optimizer with a large gamma lower its TC
    estimate on the data's codes (the gradient reaches the encoder, with the right sign); without
    the term the estimate stays where it was."""
    model = _model(gamma=gamma, disc_hidden=[32])
    x = torch.rand(64, 64)
    opt = torch.optim.Adam([p for n, p in model.named_parameters() if not n.startswith("discriminator.")], lr=1e-2)

    def estimate() -> float:  # at the posterior means: not a random draw
        with torch.no_grad():
            return float(model.eval().tc_logits(model.encode(x).z).mean())

    before = estimate()
    for _ in range(20):
        model.train().zero_grad()
        model.training_step({"input": x}, Context(data_dim=64), "vae")["loss"].backward()
        opt.step()
    change = estimate() - before
    if gamma:
        assert change < -0.3, change  # measured -0.9
    else:
        assert abs(change) < 0.1, change


def test_factor_needs_a_continuous_code_of_one_vector():
    with pytest.raises(ConfigError, match="use bottleneck='gaussian'"):
        create_model(ModelConfig(input_shape=(64,), model="factor", bottleneck="vq"))
    with pytest.raises(ConfigError, match="gamma=-1"):
        create_model(ModelConfig(input_shape=(64,), model="factor", model_options={"gamma": -1}))
    with pytest.raises(ConfigError, match="disc_hidden"):
        create_model(ModelConfig(input_shape=(64,), model="factor", model_options={"disc_hidden": []}))
