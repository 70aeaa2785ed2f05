"""Bad input to the estimator: each case raises the right error type, and the message names
the problem and how to fix it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from aekit import AutoEncoder, DataError, NotFittedError
from aekit.validation import check_input


def _ae(**kw) -> AutoEncoder:
    return AutoEncoder(**{"latent_dim": 2, "epochs": 1, "verbose": False, "device": "cpu", **kw})


@pytest.fixture(scope="module")
def vec_ae():
    """Fitted on (n, 5) vectors."""
    return _ae().fit(np.random.default_rng(0).normal(size=(20, 5)).astype(np.float32))


@pytest.fixture(scope="module")
def img_ae():
    """Fitted on (n, 1, 8, 8) images."""
    return _ae().fit(np.random.default_rng(0).random((20, 1, 8, 8), dtype=np.float32))


def _good(n=10, d=5):
    return np.random.default_rng(1).normal(size=(n, d)).astype(np.float32)


def test_nan_names_rows_and_suggests_imputing():
    X = _good()
    X[3, 2] = np.nan
    with pytest.raises(DataError, match=r"contains NaN: 1 of 10 rows.*first at row 3.*[Ii]mpute"):
        _ae().fit(X)


def test_inf_is_reported_as_infinity(vec_ae):
    X = _good()
    X[[1, 4], 0] = np.inf
    with pytest.raises(DataError, match=r"contains infinity: 2 of 10 rows.*first at row 1.*Remove those rows"):
        vec_ae.transform(X)


def test_1d_array_suggests_reshape():
    with pytest.raises(DataError, match=r"Expected 2D array, got 1D array.*shape \(5,\).*reshape\(1, -1\)"):
        _ae().fit(np.arange(5.0))


def test_5d_array_lists_accepted_layouts():
    with pytest.raises(DataError, match=r"5 dimensions.*\(n, d\).*\(n, C, H, W\).*Flatten"):
        _ae().fit(np.zeros((4, 1, 2, 3, 3)))


def test_empty_array_asks_for_samples():
    with pytest.raises(DataError, match=r"0 sample\(s\).*minimum of 1.*non-empty"):
        _ae().fit(np.zeros((0, 5)))


def test_zero_features_asks_for_features():
    with pytest.raises(DataError, match=r"0 feature\(s\).*at least one feature"):
        _ae().fit(np.zeros((5, 0)))


@pytest.mark.parametrize("method", ["transform", "score_samples", "reconstruct"])
def test_feature_count_differs_from_fit(vec_ae, method):
    with pytest.raises(DataError, match=r"X has 7 features, but AutoEncoder is expecting 5.*same columns"):
        getattr(vec_ae, method)(_good(d=7))


def test_inverse_transform_checks_code_size(vec_ae):
    with pytest.raises(DataError, match=r"expecting 2 features"):
        vec_ae.inverse_transform(np.zeros((3, 3), dtype=np.float32))


def test_image_shape_differs_from_fit(img_ae):
    with pytest.raises(DataError, match=r"per-sample shape \(1, 10, 10\).*expecting \(1, 8, 8\).*Resize"):
        img_ae.transform(np.zeros((2, 1, 10, 10), dtype=np.float32))


def test_same_pixel_count_in_another_layout_is_still_rejected(img_ae):
    # 64 values per sample as in fit, but as flat vectors: must not be silently reinterpreted
    with pytest.raises(DataError, match=r"\(64,\).*expecting \(1, 8, 8\)"):
        img_ae.transform(np.zeros((2, 64), dtype=np.float32))


def test_channels_last_suggests_transpose():
    with pytest.raises(DataError, match=r"channels-last \(n, H, W, C\).*transpose\(0, 3, 1, 2\)"):
        _ae().fit(np.zeros((4, 8, 8, 3), dtype=np.float32))


def test_complex_data_rejected():
    with pytest.raises(DataError, match=r"Complex data not supported.*dtype complex.*Pass real numbers"):
        _ae().fit(_good() + 1j)


def test_string_data_is_a_type_error_and_a_data_error():
    X = np.array([["1.0", "abc"], ["2.0", "3.0"]], dtype=object)
    with pytest.raises(DataError, match=r"not numbers.*'abc'.*encode text/categorical") as info:
        _ae().fit(X)
    assert isinstance(info.value, TypeError)  # like NumPy/scikit-learn on non-numeric values


def test_numeric_strings_and_object_numbers_are_accepted():
    X = np.array([["1.5", "2"], ["3", "4.25"], ["0", "1"]], dtype=object)
    ae = _ae().fit(X)
    assert ae.transform(X.astype(float)).shape == (3, 2)


def test_sparse_matrix_suggests_toarray():
    with pytest.raises(DataError, match=r"sparse matrix.*dense.*toarray\(\)"):
        _ae().fit(sp.random(10, 5, density=0.5, format="csr", random_state=0))


def test_ragged_list_rejected():
    with pytest.raises(DataError, match=r"rectangular"):
        _ae().fit([[1.0, 2.0], [3.0]])


def test_none_rejected():
    with pytest.raises(DataError, match=r"X is None"):
        _ae().fit(None)


@pytest.mark.parametrize("method", ["transform", "inverse_transform", "reconstruct", "score_samples"])
def test_use_before_fit_is_not_fitted_error(method):
    with pytest.raises(NotFittedError, match=r"not fitted yet.*Call 'fit'.*AutoEncoder.load") as info:
        getattr(_ae(), method)(_good())
    # usable with the usual except clauses and sklearn's conventions
    assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)


def test_check_input_accepts_tensors_lists_and_ints_as_float32():
    out = check_input(torch.arange(6).reshape(2, 3))
    assert out.dtype == np.float32 and out.shape == (2, 3)
    np.testing.assert_array_equal(check_input([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]], dtype=np.float32))
