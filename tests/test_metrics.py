import numpy as np
import pytest

from aekit.metrics import few_label_indices, knn_accuracy, mse_per_pixel, psnr


def test_psnr_follows_its_definition():
    a = np.zeros((4, 5, 5))
    assert psnr(a + 0.1, a) == pytest.approx(20.0)  # MSE 0.01 -> 10 log10(1 / 0.01)
    assert psnr(a + 25.5, a, peak=255) == pytest.approx(20.0)
    assert psnr(a, a) == float("inf")
    assert mse_per_pixel(a + 0.5, a) == pytest.approx(0.25)


def test_few_label_indices_draws_per_class_and_is_seeded():
    y = np.repeat(np.arange(10), 30)
    idx = few_label_indices(y, 3, seed=0)
    assert np.bincount(y[idx]).tolist() == [3] * 10
    assert len(set(idx)) == 30
    assert np.array_equal(idx, few_label_indices(y, 3, seed=0))
    assert not np.array_equal(idx, few_label_indices(y, 3, seed=1))


def test_knn_accuracy_separates_clusters_and_not_noise():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 100)
    clustered = rng.normal(size=(200, 2)) * 0.1 + y[:, None] * 3
    assert knn_accuracy(clustered[::2], y[::2], clustered[1::2], y[1::2]) == 1.0
    noise = rng.normal(size=(200, 2))
    assert knn_accuracy(noise[::2], y[::2], noise[1::2], y[1::2]) < 0.7


def test_mmd_is_near_zero_for_one_distribution_and_grows_with_the_shift():
    from aekit.metrics import mmd_rbf

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 3)), rng.normal(size=(400, 3))
    same = mmd_rbf(a, b)
    assert abs(same) < 0.01
    shifts = [mmd_rbf(a, b + s) for s in (0.5, 1.0, 2.0)]
    assert same < shifts[0] < shifts[1] < shifts[2]
    # a wider bandwidth sees a unit shift less sharply, and the estimate is symmetric
    assert mmd_rbf(a, b + 1.0, bandwidth=10.0) < shifts[1]
    assert mmd_rbf(a, b + 1.0) == pytest.approx(mmd_rbf(b + 1.0, a), rel=1e-9)
    with pytest.raises(ValueError, match="same d"):
        mmd_rbf(a, b[:, :2])
