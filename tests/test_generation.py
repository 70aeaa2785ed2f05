"""Generation, interpolation and discrete codes through the estimator, on real digits."""

from __future__ import annotations

import numpy as np
import pytest

import aekit
from aekit.errors import ConfigError, NoPriorError


@pytest.fixture(scope="module")
def vae(mnist):
    return aekit.AutoEncoder(latent_dim=8, bottleneck="gaussian", epochs=20, lr=2e-3, verbose=False,
                             net_options={"channels": [16, 32]}).fit(mnist.X_train[:1500])


@pytest.fixture(scope="module")
def vq(mnist):
    return aekit.AutoEncoder(
        latent_dim=49, bottleneck="vq", epochs=4, lr=2e-3, verbose=False,
        net_options={"channels": [16, 32], "grid": True},
        bottleneck_options={"codebook_size": 32, "dim": 8,
                            "prior": {"d_model": 32, "layers": 1, "heads": 2, "epochs": 3}},
    ).fit(mnist.X_train[:1500])


def test_vae_samples_look_like_digits_not_noise(vae, mnist):
    S = vae.sample(200, random_state=3)
    assert S.shape == (200, 28, 28) and S.min() >= 0 and S.max() <= 255
    np.testing.assert_array_equal(S, vae.sample(200, random_state=3))  # seeded
    assert not np.array_equal(S, vae.sample(200, random_state=4))
    real = mnist.X_test[:200].astype(np.float64)
    # the average sample resembles the average digit (a ring-like blob in the middle; 0.80 measured after
    # 20 epochs, 0.38 after 6 while the codes still sit far from the prior), and samples differ
    corr = np.corrcoef(S.mean(0).ravel(), real.mean(0).ravel())[0, 1]
    assert corr > 0.65
    assert S.std(0).mean() > 0.3 * real.std(0).mean()
    # low temperature: samples closer to the mean code, so less varied
    assert vae.sample(200, random_state=3, temperature=0.3).std(0).mean() < S.std(0).mean()


def test_interpolation_ends_at_the_reconstructions(vae, mnist):
    a, b = mnist.X_test[0], mnist.X_test[1]
    path = vae.interpolate(a, b, steps=5)
    assert path.shape == (5, 28, 28)
    R = vae.reconstruct(mnist.X_test[:2])
    np.testing.assert_allclose(path[0], R[0], atol=1e-3)
    np.testing.assert_allclose(path[-1], R[1], atol=1e-3)
    # the middle is between the ends: closer to both than they are to each other
    d = lambda x, y: np.abs(x - y).mean()  # noqa: E731
    assert d(path[2], path[0]) < d(path[0], path[4]) and d(path[2], path[4]) < d(path[0], path[4])
    with pytest.raises(ConfigError, match="steps"):
        vae.interpolate(a, b, steps=1)


def test_vq_grid_codes_round_trip_and_use_the_codebook(vq, mnist):
    C = vq.codes(mnist.X_test[:100])
    assert C.shape == (100, 49) and C.dtype == np.int64 and C.max() < 32
    assert np.unique(C).size >= 16  # k-means init + restarts keep entries in use
    np.testing.assert_allclose(vq.inverse_transform(C.astype(np.float32)), vq.reconstruct(mnist.X_test[:100]),
                               atol=1e-3)
    assert vq.history_.info and "perplexity" in vq.history_.info[-1] and "usage" in vq.history_.info[-1]
    assert vq.prior_history_ is not None and vq.prior_history_.epochs_run >= 1


def test_vq_prior_samples_survive_save_and_load(vq, tmp_path):
    S = vq.sample(6, random_state=1)
    assert S.shape == (6, 28, 28)
    vq.save(tmp_path / "vq")
    back = aekit.AutoEncoder.load(tmp_path / "vq")
    np.testing.assert_array_equal(back.sample(6, random_state=1), S)
    assert back.prior_history_.epochs_run == vq.prior_history_.epochs_run


def test_sample_without_a_prior_says_how_to_get_one(mnist):
    ae = aekit.AutoEncoder(latent_dim=4, epochs=1, verbose=False).fit(mnist.X_train[:200])
    with pytest.raises(NoPriorError, match="gaussian"):
        ae.sample(4)
    with pytest.raises(ConfigError, match="discrete bottleneck"):
        ae.codes(mnist.X_test[:2])
    vq = aekit.AutoEncoder(latent_dim=4, bottleneck="vq", bottleneck_options={"codebook_size": 8, "dim": 2},
                           epochs=1, verbose=False).fit(mnist.X_train[:200])
    with pytest.raises(NoPriorError, match="prior"):
        vq.sample(4)


@pytest.mark.parametrize("n", [0, -3, 2.5, "4"])
def test_sample_checks_n(vae, n):
    with pytest.raises(ConfigError, match="n="):
        vae.sample(n)
