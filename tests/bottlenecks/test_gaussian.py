import math

import pytest
import torch

from aekit.bottlenecks import create_bottleneck
from aekit.context import Context
from aekit.errors import ConfigError


def test_kl_is_zero_at_the_prior_and_grows_away_from_it():
    b = create_bottleneck("gaussian", 3).eval()
    at_prior = b(torch.zeros(4, 6))  # mu = 0, log-variance = 0
    assert float(at_prior.losses["kl"]) == pytest.approx(0.0, abs=1e-7)
    h = torch.cat([torch.full((4, 3), 2.0), torch.zeros(4, 3)], 1)  # mu = 2, var = 1: KL = 3 * 2^2 / 2 = 6
    assert float(b(h).losses["kl"]) == pytest.approx(6.0, rel=1e-5)


def test_kl_is_per_input_feature_and_weighted_by_beta():
    b = create_bottleneck("gaussian", 3, beta=0.5).eval()
    h = torch.cat([torch.full((4, 3), 2.0), torch.zeros(4, 3)], 1)
    assert float(b(h, Context(data_dim=12)).losses["kl"]) == pytest.approx(0.5 * 6.0 / 12, rel=1e-5)


def test_warmup_raises_the_kl_weight_in_training_only():
    b = create_bottleneck("gaussian", 2, warmup_steps=10).train()
    weights = [b.kl_weight(step) for step in range(12)]
    assert weights[0] == 0 and weights[5] == pytest.approx(0.5) and weights[-1] == 1.0
    assert b.eval().kl_weight(0) == 1.0  # validation always scores the full objective
    # the loss follows the step the trainer hands over, not a count of calls
    h = torch.cat([torch.full((4, 2), 1.0), torch.zeros(4, 2)], 1)  # KL = 2 * 1 / 2 = 1 per sample
    b.train()
    assert float(b(h, Context(step=5)).losses["kl"]) == pytest.approx(0.5, rel=1e-5)
    assert float(b(h, Context(step=5)).losses["kl"]) == pytest.approx(0.5, rel=1e-5)
    assert float(b(h, Context(step=0)).losses["kl"]) == 0.0
    assert "step" not in b.state_dict()  # no private counter to save, resume or keep in sync


def test_training_samples_around_the_mean_and_inference_uses_it():
    b = create_bottleneck("gaussian", 2)
    h = torch.tensor([[1.0, -1.0, math.log(0.25), math.log(0.25)]]).repeat(20000, 1)
    z = b.train()(h).z
    torch.testing.assert_close(z.mean(0), torch.tensor([1.0, -1.0]), atol=0.02, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([0.5, 0.5]), atol=0.02, rtol=0)
    torch.testing.assert_close(b.eval()(h[:3]).z, h[:3, :2])


def test_prior_samples_are_standard_normal():
    z = create_bottleneck("gaussian", 4).sample_prior(20000, torch.Generator().manual_seed(0))
    assert abs(float(z.mean())) < 0.02 and abs(float(z.std()) - 1) < 0.02


@pytest.mark.parametrize("kw", [{"beta": -1}, {"warmup_steps": -5}])
def test_bad_options(kw):
    with pytest.raises(ConfigError):
        create_bottleneck("gaussian", 2, **kw)
