"""Disentanglement metrics: how well each true factor of variation lives in one code dimension.

All take ``codes`` ``(n, D)`` (e.g. ``AutoEncoder.transform``) and ``factors`` ``(n, K)``: the
true factors of the same samples as discrete values (indices or any labels; each column is
mapped to ``0..v-1`` by its sorted unique values). Each is implemented from its paper's
definition:

- :func:`mig`, the mutual information gap (Chen et al. 2018, https://arxiv.org/abs/1802.04942,
  section 5): each code dimension is discretised into ``bins`` equal-width bins; for every factor
  ``v_k`` the gap between the largest and second-largest mutual information ``I(z_j; v_k)`` over
  code dimensions, divided by the factor's entropy ``H(v_k)``; averaged over factors. 1: every
  factor is captured by one dimension alone; 0: no dimension says more about it than another.
  (A factor with more values than ``bins`` cannot reach 1: binning loses part of its entropy.)
- :func:`dci`, disentanglement, completeness and informativeness (Eastwood & Williams 2018,
  https://openreview.net/forum?id=By-7dz-AZ): one predictor per factor from the whole code gives
  an importance matrix ``R`` (``D x K``, code dimension by factor). Disentanglement weights
  ``1 - H_K(P_j.)`` (entropy, base K, of the importances of dimension j over factors) by the
  dimension's share of the total importance; completeness averages ``1 - H_D(P~_.k)`` (base D,
  over dimensions, per factor); informativeness is the predictors' accuracy on held-out samples.
- :func:`sap`, the separated attribute predictability score (Kumar et al. 2018,
  https://arxiv.org/abs/1711.00848, section 4): a score ``S_jk`` of predicting factor k from
  dimension j alone (R^2 of a linear fit, i.e. the squared correlation, for ordered factors; for
  categorical ones the held-out balanced accuracy of a threshold classifier on that dimension,
  chance-corrected here so that 0 means "no better than guessing" on both scales); SAP averages
  over factors the gap between the best and second-best dimension.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..errors import DataError


# ---------------------------------------------------------------------------- inputs
def _check(codes, factors) -> tuple[np.ndarray, np.ndarray]:
    """``codes`` (n, D) float64 and ``factors`` (n, K) as labels 0..v-1 per column."""
    z = np.asarray(codes, dtype=np.float64)
    f = np.asarray(factors)
    if f.ndim == 1:
        f = f[:, None]
    if z.ndim != 2 or f.ndim != 2 or len(z) != len(f):
        raise DataError(f"disentanglement metrics take codes (n, D) and factors (n, K) of the same n samples; "
                        f"got {z.shape} and {f.shape}.")
    if len(z) < 10:
        raise DataError(f"disentanglement metrics need at least 10 samples; got {len(z)}.")
    if not np.isfinite(z).all():
        raise DataError("the codes hold NaN or inf values.")
    labels = np.stack([np.unique(f[:, k], return_inverse=True)[1].ravel() for k in range(f.shape[1])], 1)
    return z, labels.astype(np.int64)


def discretise(codes: np.ndarray, bins: int = 20) -> np.ndarray:
    """Each code column into ``bins`` equal-width bins over its own range: (n, D) -> (n, D) ints."""
    z = np.asarray(codes, dtype=np.float64)
    out = np.zeros(z.shape, dtype=np.int64)
    for j in range(z.shape[1]):
        lo, hi = z[:, j].min(), z[:, j].max()
        if hi > lo:  # a constant dimension stays in one bin: it carries no information
            out[:, j] = np.minimum(((z[:, j] - lo) / (hi - lo) * bins).astype(np.int64), bins - 1)
    return out


def entropy(labels: np.ndarray) -> float:
    """Entropy in nats of the histogram of integer ``labels``."""
    p = np.bincount(labels) / len(labels)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information in nats between two integer label arrays (plug-in estimate)."""
    na, nb = int(a.max()) + 1, int(b.max()) + 1
    joint = np.bincount(a * nb + b, minlength=na * nb).reshape(na, nb) / len(a)
    pa, pb = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nz = joint > 0
    return float((joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])).sum())


def _top_gap(scores: np.ndarray) -> np.ndarray:
    """Per column of ``scores`` (D, K): the largest minus the second largest entry (the largest if D = 1)."""
    s = np.sort(scores, axis=0)[::-1]
    return s[0] - (s[1] if len(s) > 1 else 0.0)


# ---------------------------------------------------------------------------- MIG
def mig(codes, factors, bins: int = 20) -> dict:
    """The mutual information gap (see the module docstring).

    Returns ``{"mig": mean over factors, "per_factor": [K], "mi": (D, K) nats, "entropy": [K] nats}``.
    A factor taking one value only has no entropy to explain and is left out of the mean.
    """
    z, f = _check(codes, factors)
    zb = discretise(z, bins)
    mi = np.array([[mutual_information(zb[:, j], f[:, k]) for k in range(f.shape[1])] for j in range(z.shape[1])])
    h = np.array([entropy(f[:, k]) for k in range(f.shape[1])])
    gaps = _top_gap(mi)
    per = np.where(h > 0, gaps / np.where(h > 0, h, 1.0), np.nan)
    return {"mig": float(np.nanmean(per)) if np.isfinite(per).any() else float("nan"),
            "per_factor": per.tolist(), "mi": mi.tolist(), "entropy": h.tolist()}


# ---------------------------------------------------------------------------- DCI
def _split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(n * test_fraction)))
    return perm[n_test:], perm[:n_test]


def _importance(z_tr, y_tr, z_te, y_te, seed: int) -> tuple[np.ndarray, float]:
    """Importance of each code dimension for predicting one factor, and the held-out accuracy."""
    from sklearn.ensemble import RandomForestClassifier

    if len(np.unique(y_tr)) < 2:  # one value: nothing to predict, no dimension matters
        return np.zeros(z_tr.shape[1]), 1.0
    # every split considers every dimension (max_features=None), so a dimension that separates the
    # classes is always preferred and useless ones gather no importance by chance
    clf = RandomForestClassifier(n_estimators=20, max_features=None, min_samples_leaf=2, random_state=seed,
                                 n_jobs=1).fit(z_tr, y_tr)
    return clf.feature_importances_, float(clf.score(z_te, y_te))


def dci(codes, factors, *, test_fraction: float = 0.2, seed: int = 0) -> dict:
    """Disentanglement, completeness and informativeness (see the module docstring).

    The predictor of each factor is a bag of 20 decision trees on the whole code (nonlinear, as the
    gradient-boosted trees of Locatello et al. 2019, https://arxiv.org/abs/1811.12359); ``R`` holds
    their impurity importances. ``test_fraction`` of the samples (seeded) scores informativeness,
    the accuracy of the predictors averaged over factors. Returns ``{"disentanglement",
    "completeness", "informativeness", "importance": (D, K), "per_factor_accuracy": [K], ...}``.
    """
    if not 0 < test_fraction < 1:
        raise DataError(f"dci test_fraction={test_fraction} must lie strictly between 0 and 1.")
    z, f = _check(codes, factors)
    tr, te = _split(len(z), test_fraction, seed)
    D, K = z.shape[1], f.shape[1]
    R = np.zeros((D, K))
    acc = []
    for k in range(K):
        R[:, k], a = _importance(z[tr], f[tr, k], z[te], f[te, k], seed)
        acc.append(a)
    return {**dci_from_importance(R), "informativeness": float(np.mean(acc)), "importance": R.tolist(),
            "per_factor_accuracy": acc}


def _normalised_entropy(p: np.ndarray, base: int) -> np.ndarray:
    """Entropy of each row of ``p`` (rows sum to 1) in log base ``base`` (1 for ``base`` < 2: no choice)."""
    if base < 2:
        return np.zeros(len(p))
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -terms.sum(1) / math.log(base)


def dci_from_importance(R) -> dict:
    """Disentanglement and completeness of an importance matrix ``R`` (D code dims x K factors, >= 0)."""
    R = np.abs(np.asarray(R, dtype=np.float64))
    D, K = R.shape
    total = R.sum()
    if total <= 0:
        return {"disentanglement": 0.0, "completeness": 0.0, "per_dimension": [0.0] * D, "per_factor": [0.0] * K}
    row = R.sum(1, keepdims=True)  # (D, 1)
    d_j = 1.0 - _normalised_entropy(R / np.where(row > 0, row, 1.0), K)
    d_j = np.where(row[:, 0] > 0, d_j, 0.0)
    rho = row[:, 0] / total  # a dimension's weight: its share of all importance
    col = R.sum(0, keepdims=True)  # (1, K)
    c_k = 1.0 - _normalised_entropy((R / np.where(col > 0, col, 1.0)).T, D)
    c_k = np.where(col[0] > 0, c_k, 0.0)
    return {"disentanglement": float((rho * d_j).sum()), "completeness": float(c_k.mean()),
            "per_dimension": d_j.tolist(), "per_factor": c_k.tolist()}


# ---------------------------------------------------------------------------- SAP
def _threshold_score(z_tr, y_tr, z_te, y_te, seed: int) -> float:
    """Chance-corrected balanced accuracy of thresholds on one dimension (a depth-limited 1-D tree
    with one leaf per class), held out: 0 = guessing, 1 = perfect."""
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.tree import DecisionTreeClassifier

    classes = len(np.unique(y_tr))
    if classes < 2:
        return 0.0
    tree = DecisionTreeClassifier(max_leaf_nodes=classes, random_state=seed).fit(z_tr[:, None], y_tr)
    with warnings.catch_warnings():  # a class missing from the held-out part only warns
        warnings.simplefilter("ignore")
        acc = balanced_accuracy_score(y_te, tree.predict(z_te[:, None]))
    chance = 1.0 / classes
    return float(max(0.0, (acc - chance) / (1.0 - chance)))


def sap(codes, factors, categorical=(), *, test_fraction: float = 0.2, seed: int = 0) -> dict:
    """The SAP score (see the module docstring). ``categorical``: indices of the factors with
    unordered values (e.g. the shape), scored by classification; the others by R^2.

    Returns ``{"sap": mean gap over factors, "per_factor": [K], "scores": (D, K)}``.
    """
    z, f = _check(codes, factors)
    D, K = z.shape[1], f.shape[1]
    bad = [c for c in categorical if not (isinstance(c, (int, np.integer)) and 0 <= c < K)]
    if bad:
        raise DataError(f"sap categorical={list(categorical)} must hold factor indices in [0, {K - 1}].")
    tr, te = _split(len(z), test_fraction, seed)
    S = np.zeros((D, K))
    for k in range(K):
        for j in range(D):
            if k in categorical:
                S[j, k] = _threshold_score(z[tr, j], f[tr, k], z[te, j], f[te, k], seed)
            elif z[:, j].std() > 0 and f[:, k].std() > 0:
                S[j, k] = np.corrcoef(z[:, j], f[:, k])[0, 1] ** 2  # R^2 of the linear fit
    gaps = _top_gap(S)
    return {"sap": float(gaps.mean()), "per_factor": gaps.tolist(), "scores": S.tolist()}


def disentanglement_scores(codes, factors, categorical=(), *, bins: int = 20, seed: int = 0) -> dict:
    """MIG, DCI (trees) and SAP of one code in one dict: ``{"mig", "dci_disentanglement",
    "dci_completeness", "dci_informativeness", "sap", "details": {...}}``."""
    m, d, s = mig(codes, factors, bins), dci(codes, factors, seed=seed), sap(codes, factors, categorical, seed=seed)
    return {"mig": m["mig"], "dci_disentanglement": d["disentanglement"], "dci_completeness": d["completeness"],
            "dci_informativeness": d["informativeness"], "sap": s["sap"], "details": {"mig": m, "dci": d, "sap": s}}


__all__ = ["dci", "dci_from_importance", "discretise", "disentanglement_scores", "entropy", "mig",
           "mutual_information", "sap"]
