"""Models saved by aekit 0.1.0 still load and compute what they computed then.

``tests/fixtures/release_0_1_0`` holds folders written by that release (commit 2ecc496; the script
that wrote them is beside them) and, in ``expected.npz``, what those models returned for a few
test inputs at the time: a compatibility contract of the old release, not output of this code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import aekit

FIXTURES = Path(__file__).parent / "fixtures" / "release_0_1_0"


@pytest.fixture(scope="module")
def expected():
    return dict(np.load(FIXTURES / "expected.npz"))


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def test_a_vae_saved_by_0_1_loads_as_the_plain_autoencoder(expected):
    ae = aekit.AutoEncoder.load(FIXTURES / "conv_vae")
    assert type(ae.model_) is aekit.AEModel and ae.model_config_.model == "autoencoder"
    x = expected["digits"]
    np.testing.assert_allclose(ae.transform(x), expected["vae_codes"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ae.reconstruct(x), expected["vae_recon"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(ae.sample(3, random_state=1), expected["vae_samples"], rtol=1e-5, atol=1e-4)


def test_a_vq_model_with_its_prior_saved_by_0_1_loads_and_samples_the_same(expected):
    ae = aekit.AutoEncoder.load(FIXTURES / "mlp_vq_prior")
    x = expected["digits"].reshape(6, -1)
    np.testing.assert_array_equal(ae.codes(x), expected["vq_codes"])
    np.testing.assert_allclose(ae.reconstruct(x), expected["vq_recon"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(ae.sample(3, random_state=1), expected["vq_samples"], rtol=1e-5, atol=1e-4)
    assert ae.prior_history_ is not None and ae.prior_history_.epochs_run == 2


def test_an_anomaly_detector_saved_by_0_1_loads_and_scores_the_same(expected):
    det = aekit.AnomalyDetector.load(FIXTURES / "detector")
    np.testing.assert_allclose(det.anomaly_score(expected["wine"]), expected["det_scores"], rtol=1e-6, atol=1e-9)


def test_the_bundled_codec_still_loads():
    from aekit.compression import load_codec

    codec = load_codec("mnist")
    x = aekit.load_dataset("mnist").X_test[:4].astype(np.uint8)
    assert np.array_equal(codec.decompress(codec.compress(x, 1)), codec.reconstruct(x, 1))
