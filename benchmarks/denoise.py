"""De-noising on the bundled MNIST split: de-noising AE vs plain AE, PCA and classical denoisers.

For each corruption (Gaussian sigma 0.3 and 0.5, salt-and-pepper 0.2, masking
50%; pixels in [0, 1]) the 1,000 test digits are corrupted once with a fixed
seed, and every method's output is compared with the clean digits by PSNR
(peak 1, from the mean squared error over all test pixels; outputs clipped to
[0, 1], which only helps the baselines):

* the noisy input itself;
* a de-noising AE trained for that corruption (``noise=`` the same spec, drawn
  afresh each batch on the 4,000 training digits; the test noise is never seen);
* a plain AE of the same shape trained without noise;
* PCA projection, number of components tuned;
* scikit-image's total variation, wavelet and non-local means denoisers and a
  median filter, parameters tuned.

Tuning (PCA components, denoiser strengths) uses 300 *training* digits
corrupted with another seed, never the test digits. Feature robustness: a
logistic regression fitted on the codes of clean training digits (100 labels per
class, 5 draws) is scored on codes of clean and of 50%-masked test digits; the
accuracy drop of the de-noising AE is compared with the plain AE's.

    python benchmarks/denoise.py          # full run, about 25 minutes on 2 cores
    python benchmarks/denoise.py --quick  # smoke run -> benchmarks/results/quick/
"""

from __future__ import annotations

import time

import numpy as np
from scipy import ndimage
from skimage.restoration import denoise_nl_means, denoise_tv_chambolle, denoise_wavelet
from sklearn.decomposition import PCA

import aekit
from aekit.metrics import few_label_indices, linear_probe_accuracy, psnr
from aekit.noise import corrupt
from aekit.plots import image_grid
from aekit.train import peak_memory_mb

from _common import check, md_table, parse_args, write_results

CORRUPTIONS = {"gaussian_0.3": "gaussian:0.3", "gaussian_0.5": "gaussian:0.5",
               "saltpepper_0.2": "saltpepper:0.2", "mask_0.5": "mask:0.5"}
TEST_SEED, TUNE_SEED = 1234, 99
# One recipe for every auto-encoder here (de-noising and plain): a wider conv net than the
# dimension-reduction one (noise removal needs capacity; the 128-d code is still a bottleneck),
# shifts of up to 1 pixel as augmentation (input and target), 60 epochs: fresh noise every batch
# means the model does not overfit, it keeps improving (100 epochs gain a little more, slowly).
RECIPE = dict(net_options=dict(channels=[64, 128], kernel_size=4, fc_hidden=[512]), loss="mse", lr=3e-3,
              epochs=60, augment="shift:1", val_fraction=0.05)
LATENT = 128

# classical denoisers: name -> (function of (image, parameter), parameter grid searched on training digits)
CLASSICAL = {
    "median filter": (lambda img, s: ndimage.median_filter(img, size=int(s)), [2, 3, 4, 5]),
    "total variation": (lambda img, w: denoise_tv_chambolle(img, weight=w), [0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2]),
    "wavelet": (lambda img, s: denoise_wavelet(img, sigma=s, rescale_sigma=True),
                [0.05, 0.1, 0.2, 0.3, 0.5, 0.8]),
    "non-local means": (lambda img, h: denoise_nl_means(img, h=h, patch_size=3, patch_distance=4, fast_mode=True),
                        [0.05, 0.1, 0.2, 0.3, 0.5, 0.8]),
}
PCA_COMPONENTS = [8, 16, 32, 64, 128]


def apply_each(fn, images, param):
    return np.clip(np.stack([fn(img, param) for img in images]), 0, 1)


def tune_classical(noisy, clean):
    """Best parameter per denoiser on training digits: name -> (param, psnr)."""
    best = {}
    for name, (fn, grid) in CLASSICAL.items():
        scores = [psnr(apply_each(fn, noisy, p), clean) for p in grid]
        best[name] = (grid[int(np.argmax(scores))], float(max(scores)))
    return best


def pca_denoiser(train_flat, noisy_tune, clean_tune):
    fits = {k: PCA(k, random_state=0).fit(train_flat) for k in PCA_COMPONENTS}
    project = {k: (lambda x, p=p: np.clip(p.inverse_transform(p.transform(x.reshape(len(x), -1))), 0, 1)
                   .reshape(x.shape)) for k, p in fits.items()}
    scores = {k: psnr(project[k](noisy_tune), clean_tune) for k in fits}
    k = max(scores, key=scores.get)
    return k, project[k]


def fit_ae(X_train, noise, quick):
    recipe = dict(RECIPE, epochs=2) if quick else RECIPE
    t0 = time.perf_counter()
    ae = aekit.AutoEncoder(LATENT, noise=noise, random_state=0, **recipe).fit(X_train)
    return ae, {"fit_seconds": time.perf_counter() - t0, "epochs_run": ae.history_.epochs_run,
                "train_samples_per_s": ae.history_.samples_per_second, "noise": noise, "recipe": recipe}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    ds = aekit.load_dataset("mnist")
    Xtr, Xte = ds.X_train / 255.0, ds.X_test / 255.0  # (n, 28, 28) in [0, 1]
    tune_clean = Xtr[:300]

    training = {}
    plain, training["plain AE"] = fit_ae(ds.X_train, None, args.quick)
    table, grid_rows, grid_labels = {}, [Xte[:8]], ["clean"]
    daes = {}
    for cname, spec in CORRUPTIONS.items():
        noisy = corrupt(Xte, spec, seed=TEST_SEED)
        tune_noisy = corrupt(tune_clean, spec, seed=TUNE_SEED)
        dae, training[f"DAE {cname}"] = fit_ae(ds.X_train, spec, args.quick)
        daes[cname] = dae
        outputs = {"noisy input": np.clip(noisy, 0, 1),
                   "de-noising AE": np.clip(dae.reconstruct(noisy * 255.0) / 255.0, 0, 1),
                   "plain AE": np.clip(plain.reconstruct(noisy * 255.0) / 255.0, 0, 1)}
        k, project = pca_denoiser(Xtr.reshape(len(Xtr), -1), tune_noisy, tune_clean)
        outputs[f"PCA-{k}"] = project(noisy)
        params = tune_classical(tune_noisy, tune_clean)
        t0 = time.perf_counter()
        for name, (param, _) in params.items():
            outputs[name] = apply_each(CLASSICAL[name][0], noisy, param)
        classical_s = time.perf_counter() - t0
        scores = {name: psnr(out, Xte) for name, out in outputs.items()}
        non_ae = {n: v for n, v in scores.items() if "AE" not in n}
        best_name = max(non_ae, key=non_ae.get)
        table[cname] = {"spec": spec, "psnr_db": scores, "best_non_ae": best_name,
                        "margin_db": scores["de-noising AE"] - non_ae[best_name],
                        "dae_minus_plain_db": scores["de-noising AE"] - scores["plain AE"],
                        "tuned_parameters": {n: p for n, (p, _) in params.items()}, "pca_components": k,
                        "classical_seconds_all_test": classical_s}
        print(f"{cname}: " + ", ".join(f"{n} {v:.2f}" for n, v in scores.items()), flush=True)
        grid_rows += [outputs["noisy input"][:8], outputs["de-noising AE"][:8], outputs[best_name][:8]]
        grid_labels += [f"{spec}", "de-noising AE", best_name]

    # robustness of the features under masking 50%
    mask_dae = daes["mask_0.5"]
    masked = corrupt(Xte, "mask:0.5", seed=TEST_SEED) * 255.0
    probe = {}
    for name, ae in [("de-noising AE (mask 0.5)", mask_dae), ("plain AE", plain)]:
        ctr, cte, cmask = ae.transform(ds.X_train), ae.transform(ds.X_test), ae.transform(masked)
        clean_acc, masked_acc = [], []
        for seed in range(5):
            idx = few_label_indices(ds.y_train, 100, seed)
            clean_acc.append(linear_probe_accuracy(ctr[idx], ds.y_train[idx], cte, ds.y_test))
            masked_acc.append(linear_probe_accuracy(ctr[idx], ds.y_train[idx], cmask, ds.y_test))
        probe[name] = {"clean_acc": float(np.mean(clean_acc)), "masked_acc": float(np.mean(masked_acc)),
                       "drop": float(np.mean(clean_acc) - np.mean(masked_acc))}
    drop_ratio = probe["de-noising AE (mask 0.5)"]["drop"] / max(probe["plain AE"]["drop"], 1e-9)

    args.out_dir.mkdir(parents=True, exist_ok=True)
    image_grid(grid_rows, grid_labels, args.out_dir / "denoise_grid.png",
               title="MNIST test digits: corrupted, de-noising AE, best classical method")
    acceptance = [check(f"margin_db_{c}", table[c]["margin_db"], ">=", 3.0)
                  for c in CORRUPTIONS]
    acceptance.append(check("probe_drop_ratio", drop_ratio, "<=", 0.5))
    dae_beats_plain = all(t["dae_minus_plain_db"] > 0 for t in table.values())

    methods = list(next(iter(table.values()))["psnr_db"])
    rows = []
    for m in methods:
        row = [m.replace("PCA-", "PCA (tuned) k=") if m.startswith("PCA-") else m]
        for c in CORRUPTIONS:
            row.append(f"{table[c]['psnr_db'][m]:.2f}" if m in table[c]["psnr_db"] else "")
        rows.append(row)
    pca_row = ["PCA (tuned k)"] + [f"{next(v for n, v in table[c]['psnr_db'].items() if n.startswith('PCA-')):.2f}"
                                   f" (k={table[c]['pca_components']})" for c in CORRUPTIONS]
    rows = [r for r in rows if not r[0].startswith("PCA")] + [pca_row]
    md = ("# De-noising: PSNR (dB) on the mnist test split (1,000 digits)\n\n"
          + md_table(["method", *CORRUPTIONS], rows)
          + "\n\nMargin of the de-noising AE over the best non-AE method: "
          + ", ".join(f"{c} {table[c]['margin_db']:+.2f} dB ({table[c]['best_non_ae']})" for c in CORRUPTIONS)
          + f". De-noising AE above the plain AE on every corruption: {dae_beats_plain}.\n\n"
          + "Linear probe (100 labels/class, fitted on clean codes) on clean vs 50%-masked test digits:\n\n"
          + md_table(["features", "clean acc", "masked acc", "drop"],
                     [[n, v["clean_acc"], v["masked_acc"], v["drop"]] for n, v in probe.items()])
          + f"\n\nDrop ratio (de-noising / plain): {drop_ratio:.3f}\n\n"
          + md_table(["auto-encoder", "fit s", "samples/s"],
                     [[n, round(t["fit_seconds"], 1), round(t["train_samples_per_s"])] for n, t in training.items()])
          + f"\n\nPeak memory {peak_memory_mb():.0f} MB.\n\n![grid](denoise_grid.png)\n")
    write_results(args.out_dir, "denoise", {
        "quick": args.quick, "split": "mnist 4000 train / 1000 test, stratified, seed 0",
        "psnr": "10 log10(1 / MSE over all test pixels), outputs clipped to [0, 1]",
        "test_noise_seed": TEST_SEED, "tuning": "300 training digits, noise seed 99", "latent_dim": LATENT,
        "results": table, "dae_above_plain_everywhere": dae_beats_plain, "probe": probe,
        "probe_drop_ratio": drop_ratio, "training": training, "peak_memory_mb": peak_memory_mb()},
        acceptance, md)


if __name__ == "__main__":
    main()
