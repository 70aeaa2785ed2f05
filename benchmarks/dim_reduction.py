"""Dimension reduction on the bundled MNIST split: auto-encoder vs PCA.

For code sizes 2, 8 and 32: per-pixel reconstruction MSE on the 1,000 test
digits (pixels in [0, 1]), training time, throughput and peak memory; for the
2-D codes, 5-nearest-neighbour accuracy (fitted on train codes, scored on test
codes) and a map coloured by digit. PCA is fitted on the same 4,000 training
digits in the same run.

    python benchmarks/dim_reduction.py          # full run, a few minutes per model on 2 cores
    python benchmarks/dim_reduction.py --quick  # smoke run -> benchmarks/results/quick/
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.decomposition import PCA

import aekit
from aekit.metrics import knn_accuracy, mse_per_pixel
from aekit.plots import image_grid, scatter_codes
from aekit.train import peak_memory_mb

from _common import check, md_table, parse_args, write_results

# The recipe per code size (see README: "Recipes"). All share the conv net [32, 64]
# (kernel 4, GroupNorm, GELU) with a dense layer before the code, a sigmoid output and
# an MSE loss (the measure reported). Shifts of up to 1 pixel keep the 8-d model from
# memorising 4,000 digits. The 2-D model is a de-noising AE whose corruption is a small
# random move (shift, rotation, zoom) and has a second dense layer: rebuilding the
# original digit from a moved copy makes its two numbers describe the digit, not its pose.
_NET = dict(channels=[32, 64], kernel_size=4, fc_hidden=[256])
RECIPES = {
    2: dict(net_options=dict(_NET, fc_hidden=[256, 64]), loss="mse", epochs=30, lr=3e-3,
            noise="shift:2,rotate:10,scale:0.1"),
    8: dict(net_options=_NET, loss="mse", epochs=60, lr=3e-3, augment="shift:1"),
    32: dict(net_options=_NET, loss="mse", epochs=30, lr=3e-3),
}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    ds = aekit.load_dataset("mnist")
    Xtr, Xte = ds.X_train / 255.0, ds.X_test / 255.0  # (n, 28, 28) in [0, 1]
    flat_tr, flat_te = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    rows, table, codes2, recon = [], {}, {}, {}
    for dim, recipe in RECIPES.items():
        recipe = dict(recipe)
        if args.quick:
            recipe["epochs"] = 3
        t0 = time.perf_counter()
        pca = PCA(dim, random_state=0).fit(flat_tr)
        pca_s = time.perf_counter() - t0
        pca_rec = pca.inverse_transform(pca.transform(flat_te)).reshape(Xte.shape)
        t0 = time.perf_counter()
        ae = aekit.AutoEncoder(dim, random_state=0, **recipe).fit(ds.X_train)
        ae_s = time.perf_counter() - t0
        ae_rec = ae.reconstruct(ds.X_test) / 255.0
        entry = {
            "ae_mse": mse_per_pixel(ae_rec, Xte), "pca_mse": mse_per_pixel(pca_rec, Xte),
            "ae_fit_seconds": ae_s, "pca_fit_seconds": pca_s, "ae_epochs_run": ae.history_.epochs_run,
            "ae_train_samples_per_s": ae.history_.samples_per_second, "peak_memory_mb": peak_memory_mb(),
            "ae_params": sum(p.numel() for p in ae.model_.parameters()), "recipe": recipe,
        }
        entry["mse_ratio"] = entry["ae_mse"] / entry["pca_mse"]
        if dim == 2:
            ae_tr, ae_te = ae.transform(ds.X_train), ae.transform(ds.X_test)
            p_tr, p_te = pca.transform(flat_tr), pca.transform(flat_te)
            entry["ae_knn5_acc"] = knn_accuracy(ae_tr, ds.y_train, ae_te, ds.y_test)
            entry["pca_knn5_acc"] = knn_accuracy(p_tr, ds.y_train, p_te, ds.y_test)
            codes2 = {"AE": ae_te, "PCA": p_te}
        table[str(dim)] = entry
        recon[dim] = (ae_rec, pca_rec)
        rows.append([dim, entry["ae_mse"], entry["pca_mse"], entry["mse_ratio"], round(ae_s, 1),
                     round(entry["ae_train_samples_per_s"]), round(entry["peak_memory_mb"])])
        print(f"dim {dim}: AE {entry['ae_mse']:.4f} PCA {entry['pca_mse']:.4f} ratio {entry['mse_ratio']:.3f}")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    scatter_codes(codes2["AE"], ds.y_test, args.out_dir / "dim_reduction_map2d.png",
                  title=f"AE 2-D codes (5-NN acc {table['2']['ae_knn5_acc']:.2f})",
                  panels={f"PCA-2 (5-NN acc {table['2']['pca_knn5_acc']:.2f})": codes2["PCA"]})
    idx = np.concatenate([np.flatnonzero(ds.y_test == d)[:1] for d in range(10)])
    grid_rows, labels = [Xte[idx]], ["input"]
    for dim in RECIPES:
        grid_rows += [recon[dim][0][idx], np.clip(recon[dim][1][idx], 0, 1)]
        labels += [f"AE-{dim}", f"PCA-{dim}"]
    image_grid(grid_rows, labels, args.out_dir / "dim_reduction_recon.png",
               title="MNIST test digits: auto-encoder vs PCA reconstructions")

    acceptance = [
        check("mse_ratio_32", table["32"]["mse_ratio"], "<=", 0.5),
        check("mse_ratio_8", table["8"]["mse_ratio"], "<=", 0.5),
        check("knn2d_gain", table["2"]["ae_knn5_acc"] - table["2"]["pca_knn5_acc"], ">=", 0.25),
    ]
    md = ("# Dimension reduction: auto-encoder vs PCA (mnist test split, 1,000 digits)\n\n"
          + md_table(["code size", "AE MSE", "PCA MSE", "AE/PCA", "AE fit s", "AE samples/s", "peak MB"], rows)
          + f"\n\n5-NN accuracy of 2-D codes: AE {table['2']['ae_knn5_acc']:.3f}, "
            f"PCA {table['2']['pca_knn5_acc']:.3f}\n\n"
          "![2-D map](dim_reduction_map2d.png)\n\n![reconstructions](dim_reduction_recon.png)\n")
    write_results(args.out_dir, "dim_reduction", {"quick": args.quick, "split": "mnist 4000 train / 1000 test, "
                  "stratified, seed 0", "results": table}, acceptance, md)


if __name__ == "__main__":
    main()
