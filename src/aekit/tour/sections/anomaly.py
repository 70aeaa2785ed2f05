"""Anomaly detection: fit on one digit only, find the other digits; ROC and error maps against PCA."""

from __future__ import annotations

import time

import numpy as np

from ..base import Figure, Number, SectionResult, png_of_figure, png_of_grid, pyplot, section


def _pca_scores(X_normal: np.ndarray, X: np.ndarray) -> np.ndarray:
    """PCA keeping 80% of the normal digits' variance: the reconstruction error is the anomaly score
    (the strongest tuned baseline of benchmarks/anomaly.py on MNIST)."""
    from sklearn.decomposition import PCA

    flat = lambda a: a.reshape(len(a), -1) / 255.0  # noqa: E731
    pca = PCA(0.8, random_state=0).fit(flat(X_normal))
    rec = pca.inverse_transform(pca.transform(flat(X)))
    return ((rec - flat(X)) ** 2).mean(1)


@section("anomaly", "Anomaly detection", order=60)
def run(ctx) -> SectionResult:
    from sklearn.metrics import roc_auc_score, roc_curve

    from ...anomaly import AnomalyDetector, default_autoencoder

    ds = ctx.mnist
    normals = ctx.pick((0, 1, 7), (0,))
    auc, curves, fit_s = {}, {}, []
    for d in normals:
        X_normal = ds.X_train[ds.y_train == d]  # the 400 training images of one digit: all the detector sees
        ae = default_autoencoder(X_normal.shape[1:])
        if ctx.quick:
            ae.set_params(epochs=8)
        t0 = time.perf_counter()
        det = AnomalyDetector(ae, random_state=ctx.seed, verbose=False, n_threads=ctx.n_threads).fit(X_normal)
        fit_s.append(time.perf_counter() - t0)
        det.save(ctx.out / "models" / f"detector{d}")
        y_abnormal = (ds.y_test != d).astype(int)  # every other digit of the test split is an anomaly
        s_ae, s_pca = det.anomaly_score(ds.X_test), _pca_scores(X_normal, ds.X_test)
        auc[d] = {"aekit": float(roc_auc_score(y_abnormal, s_ae)), "PCA": float(roc_auc_score(y_abnormal, s_pca))}
        curves[d] = (roc_curve(y_abnormal, s_ae), roc_curve(y_abnormal, s_pca))
        if d == normals[0]:
            first, first_scores = det, s_ae
    mean = {k: float(np.mean([a[k] for a in auc.values()])) for k in ("aekit", "PCA")}
    d0 = normals[0]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 4))
    (fa, ta, _), (fp, tp, _) = curves[d0]
    ax.plot(fa, ta, label=f"aekit, AUROC {auc[d0]['aekit']:.3f}")
    ax.plot(fp, tp, label=f"PCA 80%, AUROC {auc[d0]['PCA']:.3f}")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.5)
    ax.set_xlabel("false alarms (normal digits flagged)")
    ax.set_ylabel("anomalies found")
    ax.set_title(f"normal = {d0}: the other nine digits are anomalies", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    worst = np.argsort(-first_scores)[:8]
    maps = first.explain(ds.X_test[worst])
    captions = [f"test #{i}\nscore {first_scores[i]:.2f}" for i in worst]
    errors = png_of_grid([ds.X_test[worst] / 255.0, maps / max(float(maps.max()), 1e-12)],
                         ["most abnormal", "error map"], captions=captions,
                         title=f"trained on {d0}s only: the 8 least {d0}-like test digits and where they fail")
    return SectionResult(
        numbers=[Number(f"AUROC, mean over normal digit(s) {', '.join(map(str, normals))}", mean["aekit"],
                        mean["PCA"], "PCA keeping 80% of the variance", "higher", ".3f")],
        figures=[Figure("roc.png", png_of_figure(fig), "ROC curve: anomalies found against false alarms as the "
                        "threshold moves."),
                 Figure("error_maps.png", errors, "The highest anomaly scores among the test digits and their "
                        "error maps (where the reconstruction fails).")],
        text=(f"An anomaly detector sees only normal data: here the {int((ds.y_train == d0).sum())} training images "
              f"of one digit. What its auto-encoder rebuilds badly, or codes far from the training codes, is "
              f"abnormal. Scored one image at a time over the 1,000 test digits (every other digit an anomaly), it "
              f"reaches a mean AUROC of {mean['aekit']:.3f} against {mean['PCA']:.3f} for PCA's reconstruction "
              f"error; each detector trained in about {np.mean(fit_s):.0f} s."),
        reproduce=["python benchmarks/anomaly.py",
                   "aekit detect fit --data normal_scans/ -o models/scans",
                   "aekit detect score --model models/scans --data new_scans/ -o scores.csv --explain worst.png"],
        details={"auroc": {str(d): a for d, a in auc.items()}, "mean_auroc": mean, "normal_digits": list(normals)})
