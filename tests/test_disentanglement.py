"""Disentanglement metrics on synthetic codes whose answer is known: a perfectly disentangled
code, an entangled rotation of it, and noise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from aekit.errors import DataError
from aekit.metrics.disentanglement import (dci, dci_from_importance, discretise, disentanglement_scores, entropy, mig,
                                           mutual_information, sap)

SIZES = (3, 6, 10, 8)  # values per factor; factor 0 is categorical (like the shape)


@pytest.fixture(scope="module")
def factors():
    rng = np.random.default_rng(0)
    return np.stack([rng.integers(0, s, 3000) for s in SIZES], 1)


@pytest.fixture(scope="module")
def perfect(factors):
    """One code dimension per factor, a monotone function of it (plus a little noise)."""
    z = (factors - factors.mean(0)) / factors.std(0)
    return z + 0.01 * np.random.default_rng(1).standard_normal(z.shape)


@pytest.fixture(scope="module")
def rotated(perfect):
    """The same information, every dimension a mixture of every factor."""
    return perfect @ ortho_group.rvs(len(SIZES), random_state=0)


@pytest.fixture(scope="module")
def noise(factors):
    return np.random.default_rng(2).standard_normal(factors.shape)


def test_information_basics():
    a = np.repeat(np.arange(4), 25)
    assert entropy(a) == pytest.approx(np.log(4))
    assert mutual_information(a, a) == pytest.approx(np.log(4))  # I(a; a) = H(a)
    assert mutual_information(a, np.tile(np.arange(5), 20)) == pytest.approx(0.0, abs=1e-12)  # independent
    z = np.array([[0.0], [0.49], [0.51], [1.0]])
    np.testing.assert_array_equal(discretise(z, bins=2)[:, 0], [0, 0, 1, 1])
    np.testing.assert_array_equal(discretise(np.ones((5, 1)))[:, 0], 0)  # a constant dimension: one bin


def test_a_perfect_code_scores_near_one(perfect, factors):
    s = disentanglement_scores(perfect, factors, categorical=(0,))
    assert s["mig"] > 0.95
    assert s["dci_disentanglement"] > 0.95 and s["dci_completeness"] > 0.95
    assert s["dci_informativeness"] > 0.98  # the factors can be read back exactly
    assert s["sap"] > 0.9
    # extra dimensions of noise change nothing: they are simply not used
    padded = np.c_[perfect, np.random.default_rng(3).standard_normal((len(perfect), 3))]
    assert mig(padded, factors)["mig"] > 0.95 and dci(padded, factors)["disentanglement"] > 0.95


def test_an_entangled_rotation_scores_much_lower_but_keeps_the_information(perfect, rotated, factors):
    p, r = disentanglement_scores(perfect, factors, (0,)), disentanglement_scores(rotated, factors, (0,))
    assert r["mig"] < 0.3 * p["mig"]
    assert r["dci_disentanglement"] < 0.3 * p["dci_disentanglement"]
    assert r["dci_completeness"] < 0.3 * p["dci_completeness"]
    assert r["sap"] < 0.5 * p["sap"]
    assert r["dci_informativeness"] > 0.9  # entangled, not lost: the trees still read every factor


def test_a_noise_code_scores_near_zero(noise, factors):
    s = disentanglement_scores(noise, factors, (0,))
    assert s["mig"] < 0.02 and s["dci_disentanglement"] < 0.05 and s["sap"] < 0.02
    # informativeness: about chance, the mean of 1 / values
    assert s["dci_informativeness"] < np.mean([1 / v for v in SIZES]) + 0.05


def test_mig_is_a_gap_so_a_factor_copied_into_two_dimensions_scores_zero(perfect, factors):
    doubled = np.c_[perfect, perfect[:, :1]]  # factor 0 in two dimensions
    per = mig(doubled, factors)["per_factor"]
    assert per[0] < 0.02 and min(per[1:]) > 0.95


def test_dci_from_an_importance_matrix():
    eye = dci_from_importance(np.eye(4))
    assert eye["disentanglement"] == pytest.approx(1.0) and eye["completeness"] == pytest.approx(1.0)
    flat = dci_from_importance(np.ones((4, 4)))
    assert flat["disentanglement"] == pytest.approx(0.0) and flat["completeness"] == pytest.approx(0.0)
    # one dimension explains two factors: that dimension is half as disentangled (entropy 1 of log2 4 = 2 bits)
    R = np.array([[1.0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]])
    out = dci_from_importance(R)
    assert out["per_dimension"] == pytest.approx([0.5, 1.0, 1.0])
    assert out["disentanglement"] == pytest.approx(0.5 * 0.5 + 0.25 + 0.25)
    # a dead dimension (no importance) weighs nothing
    assert dci_from_importance(np.r_[np.eye(3), np.zeros((1, 3))])["disentanglement"] == pytest.approx(1.0)


def test_bad_inputs_are_clear_errors(perfect, factors):
    with pytest.raises(DataError, match="same n samples"):
        mig(perfect[:10], factors)
    with pytest.raises(DataError, match="NaN"):
        mig(np.full((20, 2), np.nan), factors[:20])
    with pytest.raises(DataError, match=r"categorical=\[7\] must hold factor indices in \[0, 3\]"):
        sap(perfect, factors, categorical=(7,))
    with pytest.raises(DataError, match="test_fraction=1.5"):
        dci(perfect, factors, test_fraction=1.5)
