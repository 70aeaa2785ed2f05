"""Pre-train on unlabeled digits, then learn digit classes from a few labels.

An auto-encoder is trained on the 4,000 MNIST training digits without labels;
a logistic regression is then fitted on the codes of 1, 10 or 100 labelled
digits per class (5 random draws each) and scored on the 1,000 test digits.
Baselines on the very same labels: raw pixels (with and without standardising
each pixel; the gain is measured against the better of the two), and PCA-32
fitted on the same unlabeled digits. The encoder is frozen (no fine-tuning).

The auto-encoder is a de-noising one whose corruption is a small random move
(shift up to 2 px, rotation up to 10 degrees, zoom up to 10%): it must rebuild the original
digit from the moved copy, so its codes ignore such moves. A plain AE of the
same shape is reported too, to show what the corruption buys.

    python benchmarks/few_labels.py          # full run, about 5 minutes on 2 cores
    python benchmarks/few_labels.py --quick  # smoke run -> benchmarks/results/quick/
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.decomposition import PCA

import aekit
from aekit.metrics import few_label_indices, linear_probe_accuracy
from aekit.train import peak_memory_mb

from _common import check, md_table, parse_args, write_results

LABELS_PER_CLASS = (1, 10, 100)
SEEDS = (0, 1, 2, 3, 4)
_NET = dict(channels=[32, 64], kernel_size=4, fc_hidden=[256])  # as in dim_reduction.py
AE_RECIPE = dict(net_options=_NET, loss="mse", epochs=30, lr=3e-3, noise="shift:2,rotate:10,scale:0.1")
PLAIN_RECIPE = dict(net_options=_NET, loss="mse", epochs=30, lr=3e-3)
LATENT = 32


def probe(features_tr, features_te, ds, per_class, standardize=True) -> list[float]:
    accs = []
    for seed in SEEDS:
        idx = few_label_indices(ds.y_train, per_class, seed)
        accs.append(linear_probe_accuracy(features_tr[idx], ds.y_train[idx], features_te, ds.y_test,
                                          standardize=standardize))
    return accs


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    ds = aekit.load_dataset("mnist")
    flat_tr = ds.X_train.reshape(len(ds.X_train), -1) / 255.0
    flat_te = ds.X_test.reshape(len(ds.X_test), -1) / 255.0
    features = {"raw pixels": (flat_tr, flat_te), "raw pixels, unscaled": (flat_tr, flat_te)}
    pca = PCA(LATENT, random_state=0).fit(flat_tr)
    features["PCA-32"] = (pca.transform(flat_tr), pca.transform(flat_te))
    training = {}
    for name, recipe in [("AE-32 (de-noising, moves)", AE_RECIPE), ("AE-32 (plain)", PLAIN_RECIPE)]:
        recipe = dict(recipe, epochs=2) if args.quick else recipe
        t0 = time.perf_counter()
        ae = aekit.AutoEncoder(LATENT, random_state=0, **recipe).fit(ds.X_train)
        training[name] = {"fit_seconds": time.perf_counter() - t0, "epochs_run": ae.history_.epochs_run,
                          "train_samples_per_s": ae.history_.samples_per_second,
                          "peak_memory_mb": peak_memory_mb(), "recipe": recipe}
        features[name] = (ae.transform(ds.X_train), ae.transform(ds.X_test))

    table, rows = {}, []
    for name, (ftr, fte) in features.items():
        table[name] = {}
        row = [name]
        for k in LABELS_PER_CLASS:
            accs = probe(ftr, fte, ds, k, standardize=name != "raw pixels, unscaled")
            table[name][str(k)] = {"mean": float(np.mean(accs)), "std": float(np.std(accs)), "runs": accs}
            row.append(f"{np.mean(accs):.3f} ± {np.std(accs):.3f}")
        rows.append(row)
        print(name, row[1:])
    best = "AE-32 (de-noising, moves)"
    raw = max(table["raw pixels"]["10"]["mean"], table["raw pixels, unscaled"]["10"]["mean"])
    gain = table[best]["10"]["mean"] - raw
    acceptance = [check("gain_10_labels", gain, ">=", 0.05)]
    md = ("# Few labels: logistic regression on codes (mnist test split, 1,000 digits)\n\n"
          "Accuracy, mean ± std over 5 random draws of the labelled digits; encoders frozen. "
          "Features are standardised before the logistic regression except in the 'unscaled' row.\n\n"
          + md_table(["features", *[f"{k} label(s)/class" for k in LABELS_PER_CLASS]], rows)
          + "\n\n" + md_table(["auto-encoder", "fit s", "samples/s", "peak MB"],
                               [[n, round(t["fit_seconds"], 1), round(t["train_samples_per_s"]),
                                 round(t["peak_memory_mb"])] for n, t in training.items()]) + "\n")
    write_results(args.out_dir, "few_labels", {
        "quick": args.quick, "split": "mnist 4000 train / 1000 test, stratified, seed 0",
        "labels_per_class": list(LABELS_PER_CLASS), "seeds": list(SEEDS), "probe": "StandardScaler + "
        "LogisticRegression(max_iter=5000) (no scaler for 'raw pixels, unscaled')",
        "gain_baseline": "better of the two raw-pixel rows at 10 labels/class", "results": table, "training": training}, acceptance, md)


if __name__ == "__main__":
    main()
