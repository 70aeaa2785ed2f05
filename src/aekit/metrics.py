"""One place for evaluation metrics used by reports, benchmarks and tests."""

from __future__ import annotations

import numpy as np


def mse_per_pixel(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error over every value (e.g. pixels scaled to [0, 1])."""
    return float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))


def knn_accuracy(train_codes, y_train, test_codes, y_test, k: int = 5) -> float:
    """Accuracy of a k-nearest-neighbour classifier fitted on train codes, scored on test codes."""
    from sklearn.neighbors import KNeighborsClassifier

    return float(KNeighborsClassifier(k).fit(train_codes, y_train).score(test_codes, y_test))


def few_label_indices(y: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of ``per_class`` randomly chosen samples of every class (seeded)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)])


def linear_probe_accuracy(train_x, train_y, test_x, test_y, standardize: bool = True) -> float:
    """Logistic-regression accuracy (the downstream task on few labels)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    steps = [StandardScaler()] if standardize else []
    clf = make_pipeline(*steps, LogisticRegression(max_iter=5000))
    return float(clf.fit(train_x, train_y).score(test_x, test_y))


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB, ``10 log10(peak^2 / MSE)`` with the MSE over every value."""
    mse = mse_per_pixel(a, b)
    return float("inf") if mse == 0 else float(10 * np.log10(peak ** 2 / mse))
