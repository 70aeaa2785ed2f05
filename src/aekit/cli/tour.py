"""``aekit tour``: the main job on bundled data: train on MNIST, compare with PCA, write a report."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .common import add_estimator_args, estimator_kwargs, formatter

KNOBS = ["latent_dim", "epochs", "random_state", "verbose", "n_threads"]  # AutoEncoder parameters the tour exposes

EXAMPLES = """examples:
  aekit tour                      # about 1-2 minutes on 2 CPU cores, writes aekit-tour/
  aekit tour -o report --epochs 5 # quicker, rougher
"""


def add_parser(sub) -> None:
    p = sub.add_parser("tour", help="train on bundled MNIST and write a small report",
                       description="Train an auto-encoder on the bundled MNIST split, compare it with PCA at the "
                                   "same code size, and write a report with pictures.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("-o", "--output", default="aekit-tour", metavar="DIR", help="report folder (default aekit-tour)")
    add_estimator_args(p, KNOBS, defaults={"epochs": 30})
    p.set_defaults(func=run)


def run(args) -> int:
    from sklearn.decomposition import PCA

    from ..atomic import write_text
    from ..data import load_dataset
    from ..estimators import AutoEncoder
    from ..plots import image_grid
    from ..train import peak_memory_mb
    from ..metrics import mse_per_pixel

    out = Path(args.output)
    ds = load_dataset("mnist")
    print(f"aekit tour: {len(ds.X_train)} MNIST training digits, {len(ds.X_test)} test digits -> {out}/")
    t0 = time.perf_counter()
    # the benchmarked recipe (benchmarks/dim_reduction.py): conv [32, 64] with a dense layer, MSE
    ae = AutoEncoder(net_options=dict(channels=[32, 64], kernel_size=4, fc_hidden=[256]), loss="mse", lr=3e-3,
                     **estimator_kwargs(args, KNOBS)).fit(ds.X_train)
    fit_s = time.perf_counter() - t0
    ae.save(out / "model")
    R = ae.reconstruct(ds.X_test)
    pca = PCA(ae.latent_dim, random_state=0).fit(ds.X_train.reshape(len(ds.X_train), -1))
    P = pca.inverse_transform(pca.transform(ds.X_test.reshape(len(ds.X_test), -1))).reshape(ds.X_test.shape)
    res = {"dataset": "mnist", "latent_dim": ae.latent_dim, "epochs_run": ae.history_.epochs_run,
           "fit_seconds": round(fit_s, 1), "samples_per_s": round(ae.history_.samples_per_second, 1),
           "peak_memory_mb": round(peak_memory_mb(), 1),
           "test_mse_ae": mse_per_pixel(R / 255, ds.X_test / 255),
           "test_mse_pca": mse_per_pixel(P / 255, ds.X_test / 255)}
    res["mse_ratio_ae_over_pca"] = res["test_mse_ae"] / res["test_mse_pca"]
    idx = np.concatenate([np.flatnonzero(ds.y_test == d)[:1] for d in range(10)])
    image_grid([ds.X_test[idx] / 255, R[idx] / 255, np.clip(P[idx], 0, 255) / 255],
               ["input", f"AE-{ae.latent_dim}", f"PCA-{ae.latent_dim}"], out / "reconstructions.png")
    write_text(out / "report.json", json.dumps(res, indent=2))
    write_text(out / "report.md", 
        f"# aekit tour\n\nAuto-encoder with a {ae.latent_dim}-d code trained on {len(ds.X_train)} MNIST digits "
        f"({res['epochs_run']} epochs, {res['fit_seconds']} s).\n\n"
        f"| method | test MSE per pixel |\n|---|---|\n| AE-{ae.latent_dim} | {res['test_mse_ae']:.4f} |\n"
        f"| PCA-{ae.latent_dim} | {res['test_mse_pca']:.4f} |\n\n![reconstructions](reconstructions.png)\n")
    print(json.dumps(res, indent=2))
    print(f"report: {out / 'report.md'}  model: {out / 'model'}  (try: aekit info {out / 'model'})")
    return 0
