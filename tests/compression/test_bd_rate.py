"""Bjontegaard delta rate against cases with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from aekit.metrics import bd_rate


def test_half_the_rate_at_every_quality_is_minus_one_half():
    psnr = np.array([22.0, 25.0, 28.0, 31.0, 34.0])
    rate = np.array([100.0, 130.0, 160.0, 200.0, 260.0])
    assert bd_rate(rate, psnr, rate / 2, psnr) == pytest.approx(-0.5, abs=1e-9)
    assert bd_rate(rate, psnr, rate * 1.25, psnr) == pytest.approx(0.25, abs=1e-9)


def test_only_the_overlap_counts_and_sampling_does_not_matter():
    # both curves follow log(rate) = 0.1 * psnr (+ log 0.5 for the test curve), sampled differently
    p_ref = np.linspace(20, 40, 6)
    p_test = np.array([18.0, 24.0, 27.5, 30.0])
    got = bd_rate(np.exp(0.1 * p_ref), p_ref, 0.5 * np.exp(0.1 * p_test), p_test)
    assert got == pytest.approx(-0.5, abs=1e-9)


def test_disjoint_curves_raise():
    with pytest.raises(ValueError, match="do not overlap"):
        bd_rate([1, 2], [20, 21], [1, 2], [30, 31])
