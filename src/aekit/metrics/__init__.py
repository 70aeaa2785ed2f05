"""One place for evaluation metrics used by reports, benchmarks and tests."""

from __future__ import annotations

import warnings

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


def bd_rate(rate_ref, psnr_ref, rate_test, psnr_test) -> float:
    """Bjontegaard delta rate: the average relative rate change of ``test`` against ``ref`` at equal quality.

    Each curve's log-rate is fitted by a cubic (fewer points: a lower degree) in PSNR; the
    difference of the fits is averaged over the PSNR interval both curves cover, and
    ``exp(mean) - 1`` returned: ``-0.5`` means half the bytes of ``ref`` at the same PSNR
    (G. Bjontegaard, VCEG-M33, 2001). Raises ``ValueError`` when the curves do not overlap.
    """
    curves = []
    for r, p in ((rate_ref, psnr_ref), (rate_test, psnr_test)):
        r, p = np.asarray(r, np.float64), np.asarray(p, np.float64)
        if r.shape != p.shape or r.ndim != 1 or len(r) < 2 or np.any(r <= 0) or not np.all(np.isfinite(p)):
            raise ValueError("bd_rate needs two or more (rate > 0, finite PSNR) points per curve.")
        curves.append((np.log(r), p))
    lo = max(p.min() for _, p in curves)
    hi = min(p.max() for _, p in curves)
    if not hi > lo:
        raise ValueError(f"the curves' PSNR ranges do not overlap ({lo:.2f} dB > {hi:.2f} dB).")
    integrals = []
    for lr, p in curves:
        poly = np.polyint(np.polyfit(p, lr, min(3, len(p) - 1)))
        integrals.append((np.polyval(poly, hi) - np.polyval(poly, lo)) / (hi - lo))
    return float(np.exp(integrals[1] - integrals[0]) - 1.0)


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


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two sets of feature vectors (as FID, Heusel et al.
    2017, https://arxiv.org/abs/1706.08500): ``|mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))``."""
    from scipy import linalg

    a, b = np.asarray(feats_a, np.float64), np.asarray(feats_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"frechet_distance needs two (n, d) arrays with the same d and n >= 2; "
                         f"got {a.shape} and {b.shape}.")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():  # dead (all-zero) features make the product singular: handled below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(cov_a @ cov_b)
    if not np.isfinite(covmean).all():  # nearly singular product: regularise as the FID reference code does
        eps = 1e-6 * np.eye(len(cov_a))
        covmean = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    covmean = np.real(covmean)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.trace(covmean))


def histogram_entropy(labels: np.ndarray, n_classes: int) -> float:
    """Entropy in bits of the label histogram (diversity of generated samples: log2(n_classes) at most)."""
    p = np.bincount(np.asarray(labels).ravel(), minlength=n_classes).astype(np.float64)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log2(p)).sum())


def codebook_usage(indices: np.ndarray, codebook_size: int) -> dict[str, float]:
    """How much of a codebook a set of indices uses: ``fraction`` of entries seen at least once and the
    ``perplexity`` of the index histogram (the effective number of entries; ``codebook_size`` at most)."""
    counts = np.bincount(np.asarray(indices).ravel(), minlength=codebook_size).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return {"fraction": float((counts > 0).mean()), "perplexity": float(np.exp(-(p * np.log(p)).sum()))}


def mmd_rbf(x: np.ndarray, y: np.ndarray, bandwidth: float | None = None) -> float:
    """Squared maximum mean discrepancy between two samples under an RBF kernel
    ``k(a, b) = exp(-|a - b|^2 / (2 h^2))`` (Gretton et al. 2012, https://jmlr.org/papers/v13/gretton12a.html),
    the unbiased estimate. ``bandwidth`` ``h``: the median distance between all pooled points unless given
    (the median heuristic). 0 when both samples come from the same distribution (up to noise)."""
    from scipy.spatial.distance import cdist

    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1] or min(len(x), len(y)) < 2:
        raise ValueError(f"mmd_rbf needs two (n, d) arrays with the same d and n >= 2; got {x.shape} and {y.shape}.")
    pooled = np.concatenate([x, y])
    d2 = cdist(pooled, pooled, "sqeuclidean")
    if bandwidth is None:
        bandwidth = float(np.sqrt(np.median(d2[np.triu_indices(len(pooled), 1)])))
    k = np.exp(-d2 / (2 * bandwidth ** 2))
    n, m = len(x), len(y)
    kxx, kyy, kxy = k[:n, :n], k[n:, n:], k[:n, n:]
    return float((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                 - 2 * kxy.mean())
