"""Validation of user arrays: the one place every public entry point checks its input.

Accepted layouts: ``(n, d)`` vectors, ``(n, H, W)`` grey images and
``(n, C, H, W)`` channel-first images. Errors name the problem and the fix.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import DataError


class NonNumericDataError(DataError, TypeError):
    """Values that are not numbers (strings, dicts, ...): a ``DataError`` that is also a ``TypeError``,
    as NumPy and scikit-learn raise ``TypeError`` when values cannot be converted to float."""


def _to_numpy(X, name: str) -> np.ndarray:
    if X is None:
        raise DataError(f"{name} is None; pass an array of shape (n_samples, n_features) or image batches.")
    if hasattr(X, "detach") and hasattr(X, "cpu"):  # torch tensor
        X = X.detach().cpu().numpy()
    if hasattr(X, "toarray") and hasattr(X, "nnz"):  # scipy sparse
        raise DataError(
            f"{name} is a sparse matrix; aekit needs dense input. Convert it with {name}.toarray() "
            "(auto-encoders on sparse data are not supported)."
        )
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise DataError(f"{name} cannot be turned into a numeric array ({exc}); pass a rectangular array.") from None
    if np.iscomplexobj(arr):
        raise DataError(f"Complex data not supported: {name} has dtype {arr.dtype}. Pass real numbers "
                        f"(e.g. np.abs({name}) or split real and imaginary parts into features).")
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise NonNumericDataError(
                f"{name} has dtype {arr.dtype} and holds values that are not numbers ({exc}). aekit needs "
                "numeric data: encode text/categorical columns as numbers first "
                "(e.g. sklearn.preprocessing.OrdinalEncoder)."
            ) from None
    return arr


def check_input(X, *, name: str = "X", expected_shape: tuple[int, ...] | None = None,
                estimator: str = "AutoEncoder", min_samples: int = 1) -> np.ndarray:
    """Validate ``X`` and return it as float32 ``(n, *sample_shape)``.

    ``expected_shape`` is the per-sample shape seen in ``fit``; a different
    feature count or image size is an error naming both.
    """
    arr = _to_numpy(X, name)
    if arr.ndim == 0:
        raise DataError(f"Expected 2D array, got scalar array instead: {name}={arr!r}. "
                        "Pass an array of shape (n_samples, n_features).")
    if arr.ndim == 1:
        raise DataError(
            f"Expected 2D array, got 1D array instead: {name} has shape {arr.shape}. "
            "Reshape your data either using array.reshape(-1, 1) if your data has a single feature "
            "or array.reshape(1, -1) if it contains a single sample."
        )
    if arr.ndim > 4:
        raise DataError(
            f"{name} has {arr.ndim} dimensions (shape {arr.shape}); expected (n, d) vectors, (n, H, W) "
            "grey images or (n, C, H, W) images. Flatten or select the extra axes first."
        )
    if arr.shape[0] < min_samples:
        raise DataError(
            f"Found array with {arr.shape[0]} sample(s) (shape={arr.shape}) while a minimum of {min_samples} "
            f"is required by {estimator}. Pass a non-empty {name}."
        )
    if math.prod(arr.shape[1:]) == 0:
        raise DataError(
            f"Found array with 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required by {estimator}. "
            f"Pass {name} with at least one feature (column) per sample."
        )
    if arr.ndim == 4 and arr.shape[-1] in (1, 3, 4) and arr.shape[1] not in (1, 3, 4):
        raise DataError(
            f"{name} has shape {arr.shape}, which looks channels-last (n, H, W, C); aekit expects "
            f"channels-first (n, C, H, W). Use {name}.transpose(0, 3, 1, 2)."
        )
    arr = arr.astype(np.float32, copy=False)
    if not np.isfinite(arr).all():
        bad = ~np.isfinite(arr.reshape(len(arr), -1)).all(1)
        rows = np.flatnonzero(bad)
        kind = "NaN" if np.isnan(arr).any() else "infinity"
        raise DataError(
            f"Input {name} contains {kind}: {len(rows)} of {len(arr)} rows have NaN or infinite values "
            f"(first at row {rows[0]}). Remove those rows or impute the values "
            "(e.g. sklearn.impute.SimpleImputer) before calling aekit."
        )
    sample = tuple(arr.shape[1:])
    if expected_shape is not None and sample != tuple(expected_shape):
        n_have, n_want = math.prod(sample), math.prod(expected_shape)
        if len(sample) == 1 and len(expected_shape) == 1:
            raise DataError(
                f"X has {n_have} features, but {estimator} is expecting {n_want} features as input. "
                "Pass data with the same columns, in the same order, as in fit."
            )
        raise DataError(
            f"{name} has per-sample shape {sample} ({n_have} features), but {estimator} is expecting "
            f"{tuple(expected_shape)} ({n_want} features) as in fit. Resize or reshape the data to match."
        )
    return arr
