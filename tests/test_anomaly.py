"""``AnomalyDetector``: scikit-learn's outlier checks, threshold semantics, explain maps, persistence,
bad input, and detection quality on real data.

All scikit-learn estimator checks pass (none listed as expected failures); as for ``AutoEncoder``,
only ``check_array_api_input`` does not run unless ``SCIPY_ARRAY_API=1`` is set.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

import aekit
from aekit import AnomalyDetector, AutoEncoder
from aekit.errors import AekitError, CheckpointError, ConfigError, DataError, NotFittedError


def _small_ae(**kw) -> AutoEncoder:
    return AutoEncoder(**{"latent_dim": 2, "epochs": 3, "verbose": False, "device": "cpu", **kw})


@parametrize_with_checks([AnomalyDetector(_small_ae(), verbose=False)], expected_failed_checks=lambda est: {})
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def cancer():
    """Breast cancer: train on benign rows of the train split; test rows, malignant = anomalies."""
    ds = aekit.load_dataset("breast_cancer")
    normal = ds.X_train[ds.y_train == 1]
    det = AnomalyDetector(verbose=False).fit(normal)
    return ds, normal, det


# ------------------------------------------------------------------ semantics of the scores
def test_scores_threshold_and_predict_agree(cancer):
    ds, normal, det = cancer
    X = ds.X_test
    s, a, d, p = det.score_samples(X), det.anomaly_score(X), det.decision_function(X), det.predict(X)
    assert s.dtype == np.float64 and s.shape == (len(X),)
    np.testing.assert_allclose(s, -a)
    np.testing.assert_allclose(d, s - det.offset_)
    assert det.threshold_ == -det.offset_
    np.testing.assert_array_equal(p, np.where(a > det.threshold_, -1, 1))
    assert set(np.unique(p)) <= {-1, 1}


@pytest.mark.parametrize("contamination,expected", [("auto", 0.01), (0.05, 0.05), (0.2, 0.2)])
def test_contamination_sets_the_flagged_fraction_of_training_data(cancer, contamination, expected):
    ds, normal, det = cancer
    # one member: the threshold semantics do not depend on the ensemble, and the test stays fast
    refit = AnomalyDetector(n_estimators=1, contamination=contamination, verbose=False).fit(normal)
    flagged = (refit.predict(normal) == -1).mean()
    assert flagged == pytest.approx(expected, abs=1.5 / len(normal))
    # a larger contamination can only lower the threshold
    if contamination != "auto":
        lower = AnomalyDetector(n_estimators=1, contamination=0.01, verbose=False).fit(normal)
        assert refit.threshold_ <= lower.threshold_


def test_malignant_tumours_score_as_anomalies(cancer):
    """Real data, fixed seed: trained on benign rows only, it ranks malignant rows higher (AUROC), and another
    seed (no shared member) agrees to within 0.01."""
    ds, normal, det = cancer
    auroc = roc_auc_score(ds.y_test == 0, det.anomaly_score(ds.X_test))
    assert auroc > 0.93, auroc
    other = AnomalyDetector(random_state=1, verbose=False).fit(normal)
    assert abs(roc_auc_score(ds.y_test == 0, other.anomaly_score(ds.X_test)) - auroc) < 0.01
    # flagged at the threshold: most malignant rows, few benign ones
    flagged = det.predict(ds.X_test) == -1
    assert flagged[ds.y_test == 0].mean() > 3 * flagged[ds.y_test == 1].mean()


def test_error_scaling_per_feature_is_the_default_for_tables(cancer):
    ds, normal, det = cancer
    assert det.error_scaling_ == "feature" and det.feature_scale_.shape == (6, normal.shape[1])
    # each feature's scaled mean training error is about 1 (what the scaling is for)
    per_feature = det.explain(normal).mean(0)
    assert np.all(per_feature < 1.2) and np.median(per_feature) > 0.8


def test_auto_defaults_follow_the_data(cancer):
    """Tables: 6 members alternating min-max and standard scaling, code of 2, latent weight 1; images: one
    member, latent weight 2; explicit values are kept."""
    from aekit.anomaly import _resolve_auto, default_autoencoder

    ds, normal, det = cancer
    assert det.get_params()["n_estimators"] == "auto" and det.get_params()["latent_weight"] == "auto"
    assert [ae.scaling for ae in det.estimators_] == ["minmax", "standard"] * 3
    assert {ae.latent_dim for ae in det.estimators_} == {2} and det.latent_weight_ == 1.0
    assert [ae.random_state for ae in det.estimators_] == list(range(6))
    assert _resolve_auto("auto", "auto", True, 400) == (1, 2.0)
    assert det.error_window_ == 1  # tables: no window
    assert _resolve_auto("auto", "auto", False, 20_000) == (1, 1.0)
    assert _resolve_auto(3, 0.5, False, 100) == (3, 0.5)
    assert default_autoencoder((28, 28)).latent_dim == 32 and default_autoencoder((200,)).latent_dim == 8


def test_different_seeds_share_no_member(cancer):
    ds, normal, _ = cancer
    det = AnomalyDetector(_small_ae(), n_estimators=3, random_state=1, verbose=False).fit(normal)
    assert [ae.random_state for ae in det.estimators_] == [3, 4, 5]


def test_ensemble_averages_members_with_different_seeds(cancer):
    ds, normal, _ = cancer
    ens = AnomalyDetector(_small_ae(epochs=30), n_estimators=3, error_scaling="none", verbose=False).fit(normal)
    assert [ae.random_state for ae in ens.estimators_] == [0, 1, 2]
    members = [AnomalyDetector(_small_ae(epochs=30), n_estimators=1, random_state=i, error_scaling="none",
                               verbose=False)
               .fit(normal).anomaly_score(ds.X_test) for i in range(3)]
    np.testing.assert_allclose(ens.anomaly_score(ds.X_test), np.mean(members, axis=0), rtol=1e-5)


# ------------------------------------------------------------------ images and explain()
def test_explain_shows_where_an_image_is_abnormal():
    """Digits trained without a bright square: the error map peaks where the square was pasted."""
    ds = aekit.load_dataset("digits")
    ae = AutoEncoder(8, net="mlp", epochs=40, lr=3e-3, verbose=False)
    det = AnomalyDetector(ae, error_window=1, verbose=False).fit(ds.X_train)  # per pixel, no window
    X = ds.X_test[:20].copy()
    X[:, 0:3, 5:8] = 16.0  # top-right corner, empty in most digits
    maps = det.explain(X)
    assert maps.shape == (20, 8, 8)
    inside = maps[:, 0:3, 5:8].mean()
    outside = np.delete(maps.reshape(20, -1), [r * 8 + c for r in range(3) for c in range(5, 8)], axis=1).mean()
    assert inside > 3 * outside
    assert (det.anomaly_score(X) > det.anomaly_score(ds.X_test[:20])).mean() > 0.9
    # the default 3x3 window blurs the map by a pixel: its peak stays on the square or right beside it
    windowed = AnomalyDetector(ae, verbose=False).fit(ds.X_train).explain(X).mean(0)
    r, c = np.unravel_index(np.argmax(windowed), windowed.shape)
    assert r <= 3 and c >= 4, (r, c)


def test_error_window_averages_the_absolute_error_around_each_pixel(tmp_path):
    """Images default to a 3x3 window: each pixel's map value is the squared mean |error| of its neighbourhood
    (zeros outside the image), so the map is the plain map's square root, box-filtered, squared."""
    from scipy.ndimage import uniform_filter

    ds = aekit.load_dataset("digits")
    ae = AutoEncoder(8, net="mlp", epochs=5, verbose=False)
    plain = AnomalyDetector(ae, error_window=1, verbose=False).fit(ds.X_train)
    windowed = AnomalyDetector(ae, verbose=False).fit(ds.X_train)
    assert windowed.error_window_ == 3 and plain.error_window_ == 1
    X = ds.X_test[:10]
    raw = plain.explain(X) * plain.recon_mean_[0]  # undo the normalisation to 1 on the training data
    expected = uniform_filter(np.sqrt(raw.astype(np.float64)), size=(1, 3, 3), mode="constant") ** 2
    np.testing.assert_allclose(windowed.explain(X) * windowed.recon_mean_[0], expected, rtol=1e-4, atol=1e-7)
    windowed.save(tmp_path / "det")
    back = AnomalyDetector.load(tmp_path / "det")
    assert back.error_window_ == 3
    np.testing.assert_allclose(back.anomaly_score(X), windowed.anomaly_score(X), rtol=1e-6)


def test_one_class_digits_beat_pca_reconstruction_error():
    """Real 8x8 digits: normal = 0s, the rest anomalies; AE reconstruction error ranks at least as well as PCA."""
    ds = aekit.load_dataset("digits")
    normal = ds.X_train[ds.y_train == 0].reshape(-1, 64)
    X, y = ds.X_test.reshape(-1, 64), ds.y_test != 0
    det = AnomalyDetector(AutoEncoder(4, net_options=dict(hidden=[64]), epochs=150, lr=3e-3, verbose=False),
                          verbose=False).fit(normal)
    pca = PCA(4).fit(normal)
    pca_err = ((pca.inverse_transform(pca.transform(X)) - X) ** 2).mean(1)
    ae_auc, pca_auc = roc_auc_score(y, det.anomaly_score(X)), roc_auc_score(y, pca_err)
    assert ae_auc > 0.97 and ae_auc >= pca_auc - 0.01, (ae_auc, pca_auc)


# ------------------------------------------------------------------ persistence and bad input
def test_save_load_round_trip(cancer, tmp_path):
    ds, _, det = cancer
    det.save(tmp_path / "det")
    back = AnomalyDetector.load(tmp_path / "det")
    np.testing.assert_allclose(back.anomaly_score(ds.X_test), det.anomaly_score(ds.X_test), rtol=1e-6)
    assert back.threshold_ == det.threshold_ and back.get_params()["contamination"] == "auto"
    assert back.latent_weight_ == det.latent_weight_ and len(back.estimators_) == len(det.estimators_) == 6


def test_a_detector_saved_before_auto_defaults_still_loads(tmp_path):
    """Folders written before latent_weight could be 'auto' hold the number in params and no resolved value."""
    import json

    ds = aekit.load_dataset("wine")
    det = AnomalyDetector(_small_ae(), n_estimators=1, latent_weight=0.5, verbose=False).fit(ds.X_train)
    det.save(tmp_path / "det")
    cfg = json.loads((tmp_path / "det" / "config.json").read_text())
    del cfg["latent_weight"]
    (tmp_path / "det" / "config.json").write_text(json.dumps(cfg))
    back = AnomalyDetector.load(tmp_path / "det")
    assert back.latent_weight_ == 0.5
    np.testing.assert_allclose(back.anomaly_score(ds.X_test), det.anomaly_score(ds.X_test), rtol=1e-6)


def test_a_plain_autoencoder_is_not_a_detector(tmp_path):
    ds = aekit.load_dataset("wine")
    _small_ae().fit(ds.X_train).save(tmp_path / "ae")
    with pytest.raises(CheckpointError, match=r"not the 'aekit-detector' expected.*aekit detect fit"):
        AnomalyDetector.load(tmp_path / "ae")
    with pytest.raises(FileNotFoundError, match=r"No aekit checkpoint at .*nothing"):
        AnomalyDetector.load(tmp_path / "nothing")


@pytest.mark.parametrize("kw,match", [
    (dict(contamination=0.7), r"contamination=0\.7 must be 'auto' or a fraction in \(0, 0\.5\]"),
    (dict(contamination=0), r"contamination=0"),
    (dict(error="rmse"), r"error='rmse' must be 'mse' or 'mae'"),
    (dict(error_scaling="pixel"), r"error_scaling='pixel'"),
    (dict(n_estimators=0), r"n_estimators=0 must be 'auto' or a positive integer"),
    (dict(n_estimators="many"), r"n_estimators='many' must be 'auto' or a positive integer"),
    (dict(latent_weight=-1), r"latent_weight=-1 must be 'auto' or a number >= 0"),
    (dict(latent_weight="high"), r"latent_weight='high' must be 'auto' or a number >= 0"),
    (dict(error_window=2), r"error_window=2 must be 'auto' or an odd whole number >= 1"),
    (dict(error_window=3), r"error_window=3 averages errors over image neighbourhoods; these samples are table rows"),
    (dict(autoencoder="mlp"), r"autoencoder must be an aekit.AutoEncoder"),
])
def test_bad_parameters_are_clear(kw, match):
    with pytest.raises(ConfigError, match=match):
        AnomalyDetector(verbose=False, **kw).fit(np.random.default_rng(0).random((20, 3)))


def test_bad_data_is_clear(cancer):
    ds, normal, det = cancer
    with pytest.raises(DataError, match=r"30 features"):
        det.predict(ds.X_test[:, :10])
    bad = ds.X_test[:5].copy()
    bad[2, 3] = np.nan
    with pytest.raises(DataError, match=r"NaN"):
        det.anomaly_score(bad)
    with pytest.raises(DataError, match=r"empty|0 samples|no samples"):
        det.predict(ds.X_test[:0])
    with pytest.raises(NotFittedError):
        AnomalyDetector().predict(ds.X_test)
    assert issubclass(NotFittedError, AekitError)


def test_latent_term_is_the_mahalanobis_distance_of_the_codes(cancer):
    """score(latent_weight=w) - score(w=0) = w * squared Mahalanobis distance / code size (same seed)."""
    from sklearn.covariance import LedoitWolf

    ds, normal, _ = cancer
    ae = _small_ae(latent_dim=3, epochs=20)
    plain = AnomalyDetector(ae, n_estimators=1, latent_weight=0.0, verbose=False).fit(normal)
    mixed = AnomalyDetector(ae, n_estimators=1, latent_weight=2.0, verbose=False).fit(normal)
    codes_tr = plain.estimators_[0].transform(normal).astype(np.float64)
    lw = LedoitWolf().fit(codes_tr)
    d = plain.estimators_[0].transform(ds.X_test).astype(np.float64) - lw.location_
    maha = np.einsum("ij,jk,ik->i", d, lw.precision_, d) / 3
    np.testing.assert_allclose(mixed.anomaly_score(ds.X_test) - plain.anomaly_score(ds.X_test), 2.0 * maha,
                               rtol=1e-4, atol=1e-6)
    # both terms are normalised to about 1 on the training data
    assert plain.anomaly_score(normal).mean() == pytest.approx(1.0, rel=1e-4)
    assert (mixed.anomaly_score(normal) - plain.anomaly_score(normal)).mean() == pytest.approx(2.0, rel=0.05)
