"""The adversarial auto-encoder: its discriminator pulls the codes towards N(0, I)."""

from __future__ import annotations

import numpy as np
import pytest

import aekit
from aekit.errors import ConfigError
from aekit.metrics import mmd_rbf


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def _standardised_mmd(ae, X_train, X_test) -> float:
    tr, te = ae.transform(X_train), ae.transform(X_test)
    z = (te - tr.mean(0)) / tr.std(0)
    return mmd_rbf(z, np.random.default_rng(0).normal(size=z.shape))


def test_codes_match_the_prior_better_than_a_plain_autoencoders(digits):
    X, Xt = digits.X_train.reshape(-1, 64), digits.X_test.reshape(-1, 64)
    kw = dict(net_options={"hidden": [128]}, epochs=40, lr=3e-3, verbose=False, patience=None)
    plain = aekit.AutoEncoder(4, **kw).fit(X)
    aae = aekit.AutoEncoder(4, model="adversarial", model_options={"disc_hidden": [64, 64]}, **kw).fit(X)
    assert _standardised_mmd(aae, X, Xt) < 0.7 * _standardised_mmd(plain, X, Xt)
    # still an auto-encoder: it reconstructs nearly as well as the plain one
    err = lambda ae: float(((ae.reconstruct(Xt) - Xt) ** 2).mean())  # noqa: E731
    assert err(aae) < 1.5 * err(plain)
    # sampling decodes draws of the prior the codes were matched to
    s = aae.sample(5, random_state=0)
    assert s.shape == (5, 64) and np.isfinite(s).all()
    assert not np.allclose(s, aae.inverse_transform(np.zeros((5, 4), np.float32)))


def test_the_adversarial_model_needs_a_continuous_code():
    with pytest.raises(ConfigError, match="use bottleneck='continuous'"):
        aekit.AutoEncoder(4, model="adversarial", bottleneck="gaussian", epochs=1, verbose=False).fit(
            np.random.rand(20, 5))
