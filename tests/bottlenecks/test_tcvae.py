"""The beta-TCVAE bottleneck: the KL split into mutual information, total correlation and
dimension-wise KL, estimated on the batch with the dataset size read from the context."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import aekit
from aekit.bottlenecks import create_bottleneck
from aekit.bottlenecks.tcvae import log_weights
from aekit.context import Context
from aekit.errors import ConfigError


@pytest.mark.parametrize("m, n", [(16, 1000), (64, 64), (2, 5)])
def test_the_stratified_weights_sum_to_one_and_the_weighted_ones_to_one_over_n(m, n):
    mss = log_weights(m, n, "mss").exp()
    torch.testing.assert_close(mss.sum(1), torch.ones(m, dtype=mss.dtype))  # unbiased for q(z_i)
    assert torch.allclose(torch.diagonal(mss), torch.full((m,), 1 / n))  # the sample itself counts once
    mws = log_weights(m, n, "mws").exp()
    torch.testing.assert_close(mws.sum(1), torch.full((m,), 1 / n))


@pytest.mark.parametrize("estimator", ["mss", "mws"])
def test_the_three_terms_add_up_to_the_kl(estimator):
    """With alpha = beta = gamma = 1 the terms are a Monte-Carlo estimate of E[log q(z|x) - log p(z)]."""
    torch.manual_seed(0)
    b = create_bottleneck("tcvae", 3, beta=1.0, estimator=estimator).train()
    total, kl = 0.0, 0.0
    for _ in range(100):
        out = b(torch.randn(128, 6) * 0.6, Context(n_train=5000, data_dim=1))
        total += float(sum(out.losses.values()))
        kl += out.info["kl_nats"]
    assert total / 100 == pytest.approx(kl / 100, rel=0.05)


def test_dependent_dimensions_have_a_larger_total_correlation():
    torch.manual_seed(0)
    b = create_bottleneck("tcvae", 3).train()
    spread = torch.full((256, 3), -2.0)  # posterior log-variances: wide enough for 256 samples to cover q(z)
    shared = torch.randn(256, 1).repeat(1, 3) * 2  # the three dimensions move together
    own = torch.randn(256, 3) * 2
    ctx = Context(n_train=256)
    tc_dep = b(torch.cat([shared, spread], 1), ctx).info["tc_nats"]
    tc_ind = b(torch.cat([own, spread], 1), ctx).info["tc_nats"]
    assert tc_dep > tc_ind + 1.5 and tc_ind < 1.0  # measured 2.7 vs 0.7 nats


def test_the_dataset_size_comes_from_the_context():
    b = create_bottleneck("tcvae", 4).train()
    h = torch.randn(32, 8)
    terms = {}
    for n in (None, 32, 10_000):
        torch.manual_seed(1)  # the same z draws
        terms[n] = b(h, Context(n_train=n)).info["mi_nats"]
    assert terms[None] == pytest.approx(terms[32])  # outside training the batch stands for the data
    assert terms[10_000] != pytest.approx(terms[32])


def test_beta_weights_the_total_correlation_and_validation_uses_the_means():
    b1, b6 = create_bottleneck("tcvae", 4, beta=1.0).eval(), create_bottleneck("tcvae", 4, beta=6.0).eval()
    h = torch.randn(64, 8)
    o1, o6 = b1(h, Context(n_train=500, data_dim=10)), b6(h, Context(n_train=500, data_dim=10))
    torch.testing.assert_close(o1.z, h[:, :4])  # eval: z is the posterior mean, no sampling
    torch.testing.assert_close(o6.losses["tc"], 6 * o1.losses["tc"])
    torch.testing.assert_close(o6.losses["mi"], o1.losses["mi"])
    torch.testing.assert_close(o1.losses["tc"] * 10, torch.tensor(o1.info["tc_nats"]))  # per input value


def test_a_large_beta_lowers_the_total_correlation_of_a_trained_code(digits):
    X = digits.X_train.reshape(-1, 64)
    tc = {}
    for beta in (1.0, 12.0):
        ae = aekit.AutoEncoder(4, bottleneck="tcvae", bottleneck_options={"beta": beta}, net_options={"hidden": [64]},
                               epochs=15, lr=3e-3, verbose=False, n_threads=1, random_state=0).fit(X)
        tc[beta] = np.mean([h["tc_nats"] for h in ae.history_.info[-3:]])
        assert ae.transform(X[:5]).shape == (5, 4)
    assert tc[12.0] < 0.6 * tc[1.0]


def test_bad_options_are_clear_errors():
    with pytest.raises(ConfigError, match="estimator='mwss' must be 'mws'"):
        create_bottleneck("tcvae", 4, estimator="mwss")
    with pytest.raises(ConfigError, match="beta=-1"):
        create_bottleneck("tcvae", 4, beta=-1)
