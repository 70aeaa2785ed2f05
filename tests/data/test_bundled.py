"""Bundled datasets: the documented shapes, value ranges and stratified splits, identical on every load."""

from __future__ import annotations

import numpy as np
import pytest

import aekit
from aekit import ConfigError
from aekit.data import DATASETS, list_datasets, load_dataset

# name: (train size, test size, sample shape, kind, n classes, max value)
EXPECTED = {
    "mnist": (4000, 1000, (28, 28), "image", 10, 255),
    "digits": (1347, 450, (8, 8), "image", 10, 16),
    "breast_cancer": (426, 143, (30,), "tabular", 2, None),
    "wine": (133, 45, (13,), "tabular", 3, None),
}


@pytest.fixture(scope="module")
def datasets():
    return {name: load_dataset(name) for name in EXPECTED}


def test_registry_lists_the_documented_datasets():
    assert set(EXPECTED) <= set(list_datasets())
    assert list_datasets() == DATASETS.names()


@pytest.mark.parametrize("name", EXPECTED)
def test_sizes_shapes_and_kinds(datasets, name):
    n_train, n_test, shape, kind, n_classes, vmax = EXPECTED[name]
    d = datasets[name]
    assert d.name == name and d.kind == kind
    assert d.X_train.shape == (n_train, *shape) and d.X_test.shape == (n_test, *shape)
    assert d.y_train.shape == (n_train,) and d.y_test.shape == (n_test,)
    assert d.X_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert np.isfinite(d.X_train).all() and np.isfinite(d.X_test).all()
    assert sorted(np.unique(np.concatenate([d.y_train, d.y_test]))) == list(range(n_classes))
    assert d.target_names is not None and len(d.target_names) == n_classes
    if vmax is not None:  # images: documented pixel range
        assert d.X_train.min() >= 0 and d.X_train.max() == vmax
    else:
        assert d.feature_names is not None and len(d.feature_names) == shape[0]


def test_mnist_split_is_400_and_100_per_digit(datasets):
    d = datasets["mnist"]
    assert np.bincount(d.y_train).tolist() == [400] * 10
    assert np.bincount(d.y_test).tolist() == [100] * 10


@pytest.mark.parametrize("name", ["digits", "breast_cancer", "wine"])
def test_quarter_split_is_stratified(datasets, name):
    d = datasets[name]
    y = np.concatenate([d.y_train, d.y_test])
    assert len(d.y_test) == int(np.ceil(0.25 * len(y)))
    total, test = np.bincount(y), np.bincount(d.y_test, minlength=len(np.bincount(y)))
    # every class contributes its quarter to the test split, up to rounding
    assert np.all(np.abs(test - 0.25 * total) <= 1), (test, total)


@pytest.mark.parametrize("name", EXPECTED)
def test_train_and_test_do_not_overlap(datasets, name):
    d = datasets[name]
    train = {row.tobytes() for row in d.X_train.reshape(len(d.X_train), -1)}
    test = [row.tobytes() for row in d.X_test.reshape(len(d.X_test), -1)]
    # allow exact duplicate samples that exist in the source data itself, but no systematic leak
    assert sum(t in train for t in test) <= 0.01 * len(test)


@pytest.mark.parametrize("name", EXPECTED)
def test_loading_is_deterministic(datasets, name):
    a, b = datasets[name], load_dataset(name)
    for field in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_mnist_is_not_ordered_by_digit(datasets):
    # the source is sorted by digit; the split must shuffle, so early rows mix classes
    assert len(set(datasets["mnist"].y_train[:50].tolist())) >= 8


def test_unknown_dataset_suggests_close_name():
    with pytest.raises(ConfigError, match=r"Unknown dataset 'minst'\. Did you mean 'mnist'\?.*Available:.*wine"):
        aekit.load_dataset("minst")
