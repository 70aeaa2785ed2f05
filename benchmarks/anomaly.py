"""One-class anomaly detection: aekit's AnomalyDetector vs PCA, IsolationForest, OC-SVM and PyOD.

* **One-class MNIST** (the bundled split): each digit in turn is the normal
  class; every method is fitted on that digit's ~400 training images only and
  scores the whole 1,000-digit test split, where the other digits are the
  anomalies. AUROC per digit and mean.
* **Tabular**: ``breast_cancer`` (fit on the benign rows of the train split; the
  test split's benign rows are normal, malignant rows anomalies) and ``wine``
  (each class in turn normal, fitted on its train rows; mean AUROC over classes).

Baselines in the same run on the same data: PCA reconstruction error (components
keeping 90% of the training variance), scikit-learn's IsolationForest and
OneClassSVM with their defaults, and PyOD's ``AutoEncoder`` with its defaults.
Tabular baselines see standardised features (fitted on the normal training rows);
PyOD standardises itself. Fit time and scoring throughput are recorded.

    python benchmarks/anomaly.py          # full run, about 6 minutes on 2 cores
    python benchmarks/anomaly.py --quick  # smoke run -> benchmarks/results/quick/
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

import aekit
from aekit.train import peak_memory_mb

from _common import check, md_table, parse_args, write_results

# aekit's image recipe (see README "Anomaly detection"): the benchmarked conv net, shifts of up to
# one pixel so ~400 digits go further, an average over 3 seeds, and the detector's default score
# (normalised reconstruction error + latent Mahalanobis term, latent_weight=1).
IMAGE_AE = dict(latent_dim=32, net_options=dict(channels=[32, 64], kernel_size=4, fc_hidden=[256]), loss="mse",
                lr=3e-3, epochs=30, augment="shift:1", verbose=False)
N_ESTIMATORS = 3


class PCAError:
    """Reconstruction error of PCA keeping 90% of the variance (higher = more abnormal)."""

    def fit(self, X):
        self.pca = PCA(0.9, svd_solver="full", random_state=0).fit(X)
        return self

    def score(self, X):
        return ((self.pca.inverse_transform(self.pca.transform(X)) - X) ** 2).mean(1)


class SklearnDetector:
    def __init__(self, est):
        self.est = est

    def fit(self, X):
        self.est.fit(X)
        return self

    def score(self, X):
        return -self.est.score_samples(X)


class PyODAutoEncoder:
    def fit(self, X):
        from pyod.models.auto_encoder import AutoEncoder

        self.m = AutoEncoder(verbose=0)
        self.m.fit(X)
        return self

    def score(self, X):
        return self.m.decision_function(X)


class Aekit:
    def __init__(self, ae_params=None):
        self.ae_params = ae_params

    def fit(self, X):  # tables: the detector's default auto-encoder for the data shape
        ae = aekit.AutoEncoder(**self.ae_params) if self.ae_params else None
        self.det = aekit.AnomalyDetector(ae, n_estimators=N_ESTIMATORS, verbose=False).fit(X)
        return self

    def score(self, X):
        return self.det.anomaly_score(X)


def baselines(tabular: bool) -> dict:
    wrap = (lambda f: _Standardised(f)) if tabular else (lambda f: f)
    return {"PCA": lambda: wrap(PCAError()), "IsolationForest": lambda: wrap(SklearnDetector(
        IsolationForest(random_state=0))), "OneClassSVM": lambda: wrap(SklearnDetector(OneClassSVM())),
        "PyOD AutoEncoder": PyODAutoEncoder}


class _Standardised:
    def __init__(self, inner):
        self.inner = inner

    def fit(self, X):
        self.sc = StandardScaler().fit(X)
        self.inner.fit(self.sc.transform(X))
        return self

    def score(self, X):
        return self.inner.score(self.sc.transform(X))


def run_case(methods: dict, X_fit, X_test, is_anomaly, fit_view=None, test_view=None) -> dict:
    """Fit every method on normal data and return AUROC, fit seconds and scoring throughput."""
    out = {}
    for name, (make, flat) in methods.items():
        xf, xt = (fit_view, test_view) if flat and fit_view is not None else (X_fit, X_test)
        t0 = time.perf_counter()
        m = make().fit(xf)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        s = m.score(xt)
        score_s = time.perf_counter() - t0
        out[name] = {"auroc": float(roc_auc_score(is_anomaly, s)), "fit_seconds": fit_s,
                     "score_samples_per_s": len(xt) / max(score_s, 1e-9), "scores": s}
    return out


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    global N_ESTIMATORS
    image_ae = dict(IMAGE_AE, epochs=2) if args.quick else IMAGE_AE
    if args.quick:
        N_ESTIMATORS = 1
    ds = aekit.load_dataset("mnist")
    flat_tr = ds.X_train.reshape(len(ds.X_train), -1) / 255.0
    flat_te = ds.X_test.reshape(len(ds.X_test), -1) / 255.0
    digits = [0, 1] if args.quick else list(range(10))
    methods = {"aekit": (lambda: Aekit(image_ae), False),
               **{n: (f, True) for n, f in baselines(tabular=False).items()}}
    mnist, roc_data = {}, {}
    for d in digits:
        normal = ds.y_train == d
        res = run_case(methods, ds.X_train[normal], ds.X_test, ds.y_test != d, flat_tr[normal], flat_te)
        if d == digits[0]:
            roc_data = {n: roc_curve(ds.y_test != d, r["scores"])[:2] for n, r in res.items()}
        mnist[str(d)] = {n: {k: v for k, v in r.items() if k != "scores"} for n, r in res.items()}
        print(f"digit {d}: " + ", ".join(f"{n} {r['auroc']:.3f}" for n, r in res.items()), flush=True)
    names = list(methods)
    mean = {n: float(np.mean([mnist[str(d)][n]["auroc"] for d in digits])) for n in names}
    worst_gap = max(max(mnist[str(d)][n]["auroc"] for n in names) - mnist[str(d)]["aekit"]["auroc"] for d in digits)

    # tabular
    tab_methods = {"aekit": (lambda: Aekit(), False), **{n: (f, False) for n, f in baselines(tabular=True).items()}}
    bc = aekit.load_dataset("breast_cancer")
    cancer = run_case(tab_methods, bc.X_train[bc.y_train == 1], bc.X_test, bc.y_test == 0)
    wine_ds = aekit.load_dataset("wine")
    wine_runs = [run_case(tab_methods, wine_ds.X_train[wine_ds.y_train == c], wine_ds.X_test, wine_ds.y_test != c)
                 for c in np.unique(wine_ds.y_train)]
    tabular = {"breast_cancer": {n: r["auroc"] for n, r in cancer.items()},
               "wine": {n: float(np.mean([w[n]["auroc"] for w in wine_runs])) for n in tab_methods}}
    tab_timing = {n: {"fit_seconds": cancer[n]["fit_seconds"], "score_samples_per_s": cancer[n]["score_samples_per_s"]}
                  for n in tab_methods}
    gaps = {k: max(v[n] for n in v if n != "aekit") - v["aekit"] for k, v in tabular.items()}
    vs_pyod = min(v["aekit"] - v["PyOD AutoEncoder"] for v in tabular.values())

    # pictures: ROC of the first digit, error maps of the most abnormal test digits
    args.out_dir.mkdir(parents=True, exist_ok=True)
    _roc_plot(roc_data, mnist[str(digits[0])], args.out_dir / "anomaly_roc.png", digits[0])
    det = aekit.AnomalyDetector(aekit.AutoEncoder(**image_ae), verbose=False).fit(ds.X_train[ds.y_train == digits[0]])
    worst = np.argsort(-det.anomaly_score(ds.X_test))[:10]
    maps = det.explain(ds.X_test[worst])
    from aekit.plots import image_grid

    image_grid([ds.X_test[worst] / 255.0, det.estimators_[0].reconstruct(ds.X_test[worst]) / 255.0,
                maps / maps.max()], ["input", "reconstruction", "error map"], args.out_dir / "anomaly_error_maps.png",
               title=f"Trained on {digits[0]}s only: the most abnormal test digits and where they fail")

    acceptance = [
        check("mnist_mean_auroc", mean["aekit"], ">=", 0.965),
        check("mnist_worst_gap", worst_gap, "<=", 0.02),
        check("breast_cancer_gap", gaps["breast_cancer"], "<=", 0.02),
        check("wine_gap", gaps["wine"], "<=", 0.02),
        check("tabular_vs_pyod", vs_pyod, ">=", 0.0),
    ]
    rows = [[d, *[f"{mnist[str(d)][n]['auroc']:.3f}" for n in names]] for d in digits]
    rows.append(["**mean**", *[f"**{mean[n]:.3f}**" for n in names]])
    timing = [[n, round(np.mean([mnist[str(d)][n]["fit_seconds"] for d in digits]), 2),
               round(np.mean([mnist[str(d)][n]["score_samples_per_s"] for d in digits]))] for n in names]
    md = ("# One-class anomaly detection, AUROC\n\n## MNIST (normal = one digit, mnist split)\n\n"
          + md_table(["normal digit", *names], rows)
          + "\n\nMean fit time per digit and scoring throughput:\n\n"
          + md_table(["method", "fit s", "scored samples/s"], timing)
          + "\n\n## Tabular\n\n"
          + md_table(["dataset", *tab_methods], [[k, *[f"{v[n]:.3f}" for n in tab_methods]] for k, v in tabular.items()])
          + "\n\n![ROC](anomaly_roc.png)\n\n![error maps](anomaly_error_maps.png)\n")
    write_results(args.out_dir, "anomaly", {
        "quick": args.quick, "split": "mnist 4000 train / 1000 test, stratified, seed 0",
        "aekit_image_recipe": {**image_ae, "n_estimators": N_ESTIMATORS}, "mnist": mnist, "mnist_mean": mean,
        "mnist_worst_gap": worst_gap, "tabular": tabular, "tabular_gaps": gaps, "tabular_vs_pyod": vs_pyod,
        "tabular_timing_breast_cancer": tab_timing, "peak_memory_mb": peak_memory_mb()}, acceptance, md)


def _roc_plot(curves: dict, aucs: dict, path, digit) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aekit.plots import _atomic_savefig

    fig, ax = plt.subplots(figsize=(5, 4.6))
    for name, (fpr, tpr) in curves.items():
        ax.plot(fpr, tpr, label=f"{name} (AUROC {aucs[name]['auroc']:.3f})", lw=2 if name == "aekit" else 1)
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set_xlabel("false positive rate (normal digits flagged)")
    ax.set_ylabel("true positive rate (other digits flagged)")
    ax.set_title(f"MNIST, normal = {digit}", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    _atomic_savefig(fig, path)
    plt.close(fig)


if __name__ == "__main__":
    main()
