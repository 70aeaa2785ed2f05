import math

import pytest
import torch

from aekit.bottlenecks import create_bottleneck
from aekit.errors import ConfigError


def test_kl_is_zero_at_the_prior_and_grows_away_from_it():
    b = create_bottleneck("gaussian", 3).eval()
    at_prior = b(torch.zeros(4, 6))  # mu = 0, log-variance = 0
    assert float(at_prior.losses["kl"]) == pytest.approx(0.0, abs=1e-7)
    h = torch.cat([torch.full((4, 3), 2.0), torch.zeros(4, 3)], 1)  # mu = 2, var = 1: KL = 3 * 2^2 / 2 = 6
    assert float(b(h).losses["kl"]) == pytest.approx(6.0, rel=1e-5)


def test_kl_is_per_input_feature_and_weighted_by_beta():
    b = create_bottleneck("gaussian", 3, beta=0.5).eval()
    b.data_dim = 12
    h = torch.cat([torch.full((4, 3), 2.0), torch.zeros(4, 3)], 1)
    assert float(b(h).losses["kl"]) == pytest.approx(0.5 * 6.0 / 12, rel=1e-5)


def test_warmup_raises_the_kl_weight_in_training_only():
    b = create_bottleneck("gaussian", 2, warmup_steps=10).train()
    weights = []
    for _ in range(12):
        weights.append(b.kl_weight())
        b(torch.randn(4, 4))
    assert weights[0] == 0 and weights[5] == pytest.approx(0.5) and weights[-1] == 1.0
    assert b.eval().kl_weight() == 1.0 and int(b.step) == 12


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
