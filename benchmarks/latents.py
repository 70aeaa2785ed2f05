"""Latent bottlenecks on the bundled MNIST split: generation, codebook health, interpretable
discrete codes and reconstruction at a matched bit budget, each against a baseline run here.

* **Generation.** A small CNN digit classifier is trained on the 4,000 training digits
  (its test accuracy is reported); the Frechet distance (FD) between its penultimate
  features of 1,000 generated digits and of the 1,000 real test digits measures sample
  quality, and the entropy of its predicted-class histogram their diversity. Models: a
  convolutional VAE (Gaussian bottleneck, 16-d, z ~ N(0, I) decoded), a VQ-VAE with a 4x4
  grid of codes (K = 128) and a transformer prior over it, and the baseline probabilistic PCA (a Gaussian
  fitted to PCA codes, decoded; the number of components giving the lowest FD is kept).
* **Codebook health.** A VQ-VAE with K = 512 entries on the 7x7 grid, trained with and
  without k-means initialisation + dead-code restarts: fraction of entries used by the
  test digits and the perplexity of their histogram.
* **Interpretability.** One 10-way categorical latent trained without labels (the
  component of a Gaussian-mixture prior, VaDE): normalised mutual information between
  the category of a test digit and its label, against k-means (10 clusters) on the raw
  pixels, fitted on the training digits. A plain 10-way one-hot bottleneck is reported too.
* **Bit budget.** Reconstruction MSE of test digits with 64-bit codes: binary (64 bits),
  one-hot (16 groups of 16), VQ (8 vectors from 256 entries), against PCA with its
  components uniformly quantised to 64 bits in all (the split of bits giving the lowest
  training error is kept).

    python benchmarks/latents.py          # full run, about 40 minutes on one core
    python benchmarks/latents.py --quick  # smoke run -> benchmarks/results/quick/
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score
from torch import nn

import aekit
from aekit.metrics import codebook_usage, frechet_distance, histogram_entropy, mse_per_pixel
from aekit.plots import _atomic_savefig, image_grid
from aekit.transforms import build_transform

from _common import check, md_table, parse_args, write_results

N_GEN = 1000
SEED = 0


# ---------------------------------------------------------------- the judge: a small digit classifier
class DigitCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 32, 14, 14)
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 64, 7, 7)
            nn.Flatten(), nn.Linear(64 * 49, 128), nn.ReLU(),
        )
        self.head = nn.Linear(128, 10)

    def forward(self, x):  # (B, 1, 28, 28) in [0, 1]
        return self.head(self.body(x))


def train_classifier(X, y, epochs: int) -> DigitCNN:
    torch.manual_seed(SEED)
    clf = DigitCNN()
    opt = torch.optim.Adam(clf.parameters(), lr=1e-3)
    x, t = torch.from_numpy(X[:, None]).float(), torch.from_numpy(y)
    shift = build_transform("shift:2")  # small moves: the judge should not be fooled by position
    gen = torch.Generator().manual_seed(SEED)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            loss = F.cross_entropy(clf(shift(x[idx], gen)), t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return clf.eval()


@torch.no_grad()
def judge(clf: DigitCNN, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate features and predicted classes of images ``X`` (n, 28, 28) in [0, 1]."""
    x = torch.from_numpy(np.clip(X, 0, 1)[:, None]).float()
    feats = torch.cat([clf.body(x[i:i + 500]) for i in range(0, len(x), 500)])
    return feats.numpy(), clf.head(feats).argmax(1).numpy()


def gen_scores(clf, samples, real_feats) -> dict:
    feats, pred = judge(clf, samples)
    return {"fd": frechet_distance(feats, real_feats), "class_entropy_bits": histogram_entropy(pred, 10),
            "classes": np.bincount(pred, minlength=10).tolist()}


# ---------------------------------------------------------------- baselines
def ppca_samples(Xtr: np.ndarray, k: int, n: int) -> np.ndarray:
    """Probabilistic PCA without the isotropic pixel noise: z ~ N(0, diag(var)) in k PCA
    coordinates, decoded by the PCA basis (the noise would only add grain)."""
    pca = PCA(k, random_state=SEED).fit(Xtr.reshape(len(Xtr), -1))
    z = np.random.default_rng(SEED).standard_normal((n, k)) * np.sqrt(pca.explained_variance_)
    return np.clip(pca.inverse_transform(z), 0, 1).reshape(n, 28, 28)


def pca_quantised_mse(Xtr, Xte, bits: int) -> dict:
    """PCA codes uniformly quantised with ``bits`` in all: each of k components gets bits/k bits over the
    0.5-99.5% range of its training codes. The k with the lowest *training* error is kept."""
    flat_tr, flat_te = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    table = []
    for k in [k for k in (2, 4, 8, 16, 32) if bits % k == 0]:
        b = bits // k
        pca = PCA(k, random_state=SEED).fit(flat_tr)
        ztr = pca.transform(flat_tr)
        lo, hi = np.percentile(ztr, 0.5, axis=0), np.percentile(ztr, 99.5, axis=0)
        levels = 2 ** b

        def quant(z):
            q = np.clip(np.round((z - lo) / (hi - lo) * (levels - 1)), 0, levels - 1)
            return lo + q / (levels - 1) * (hi - lo)

        def rec(flat):
            return np.clip(pca.inverse_transform(quant(pca.transform(flat))), 0, 1)

        table.append({"components": k, "bits_each": b, "train_mse": mse_per_pixel(rec(flat_tr), flat_tr),
                      "test_mse": mse_per_pixel(rec(flat_te), flat_te)})
    best = min(table, key=lambda r: r["train_mse"])
    return {"best": best, "table": table}


# ---------------------------------------------------------------- helpers
def fit(name: str, Xtr, **kw) -> tuple[aekit.AutoEncoder, float]:
    t0 = time.perf_counter()
    ae = aekit.AutoEncoder(random_state=SEED, verbose=False, **kw).fit(Xtr)
    secs = time.perf_counter() - t0
    print(f"  {name}: {secs:.0f} s, {ae.history_.epochs_run} epochs", flush=True)
    return ae, secs


def codebook_plot(counts: dict[str, np.ndarray], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    for label, c in counts.items():
        freq = np.sort(c)[::-1] / c.sum()
        ax.plot(np.arange(1, len(freq) + 1), np.maximum(freq, 1e-6), label=label)
    ax.set_yscale("log")
    ax.set_xlabel("codebook entry (sorted by use)")
    ax.set_ylabel("share of test codes")
    ax.set_title("VQ-VAE, K = 512, 7x7 grid: use of the entries on test digits", fontsize=9)
    ax.legend(fontsize=8)
    _atomic_savefig(fig, path)
    plt.close(fig)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    torch.set_num_threads(max(1, torch.get_num_threads()))
    quick = args.quick
    ep = (lambda e: 2) if quick else (lambda e: e)
    prior_epochs = 1 if quick else 40
    n_gen = 200 if quick else N_GEN
    ds = aekit.load_dataset("mnist")
    Xtr, Xte = ds.X_train / 255.0, ds.X_test / 255.0  # (n, 28, 28) in [0, 1] for the judge and baselines
    out, t_start = args.out_dir, time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    timings = {}

    # ------------------------------------------------------------ generation
    print("classifier", flush=True)
    clf = train_classifier(Xtr, ds.y_train, epochs=1 if quick else 15)
    real_feats, real_pred = judge(clf, Xte)
    clf_acc = float((real_pred == ds.y_test).mean())
    print(f"  test accuracy {clf_acc:.4f}", flush=True)
    real_entropy = histogram_entropy(real_pred, 10)

    ppca = {}
    for k in (2, 4, 8, 16, 32, 64):
        ppca[k] = gen_scores(clf, ppca_samples(Xtr, k, n_gen), real_feats)
    best_k = min(ppca, key=lambda k: ppca[k]["fd"])

    vae, timings["vae"] = fit("vae", ds.X_train, latent_dim=16, bottleneck="gaussian", epochs=ep(60), lr=2e-3)
    vae_samples = vae.sample(n_gen, random_state=SEED) / 255.0
    vae_scores = gen_scores(clf, vae_samples, real_feats)

    # a 4x4 grid of 128 entries: a prior over 16 indices learns whole-digit structure from 4,000 digits,
    # where one over the 7x7 grid (K = 64) drew sharp but incoherent strokes (FD 213 vs the VAE's 155)
    vq, timings["vq_prior"] = fit(
        "vq + prior", ds.X_train, latent_dim=16, bottleneck="vq", epochs=ep(30), lr=2e-3,
        net_options={"channels": [32, 64, 128], "grid": True, "blocks": 1},
        bottleneck_options={"codebook_size": 128, "dim": 16,
                            "prior": {"epochs": prior_epochs, "d_model": 64, "layers": 2, "dropout": 0.1,
                                      "patience": 6}})
    vq_samples = vq.sample(n_gen, random_state=SEED) / 255.0
    vq_scores = gen_scores(clf, vq_samples, real_feats)
    real_scores = gen_scores(clf, Xtr[:n_gen], real_feats)  # real training digits: the floor of the FD

    generation = {
        "classifier_test_accuracy": clf_acc, "real_test_class_entropy_bits": real_entropy,
        "real_train_digits": real_scores, "ppca": {str(k): v for k, v in ppca.items()}, "ppca_best_k": best_k,
        "vae": {**vae_scores, "latent_dim": 16, "val_loss": vae.history_.best_val},
        "vq_prior": {**vq_scores, "codebook_size": 128, "grid": "4x4",
                     "prior_val_nll_nats": vq.prior_history_.best_val if vq.prior_history_ else None},
    }
    image_grid([Xte[:12], ppca_samples(Xtr, best_k, 12), vae_samples[:12], vq_samples[:12]],
               ["real", f"PPCA-{best_k}", "VAE", "VQ+prior"], out / "latents_samples.png",
               title="Samples (not cherry-picked: the first 12 drawn)")
    strip = vae.interpolate(ds.X_test[0], ds.X_test[1], steps=10) / 255.0
    strip2 = vq.interpolate(ds.X_test[0], ds.X_test[1], steps=10) / 255.0
    image_grid([strip, strip2], ["VAE", "VQ"], out / "latents_interpolation.png",
               title="Interpolating between two test digits' codes")

    # ------------------------------------------------------------ codebook health
    health, counts = {}, {}
    for label, on in (("with k-means init + restarts", True), ("without", False)):
        ae, timings[f"vq512_{on}"] = fit(
            f"vq K=512 {label}", ds.X_train, latent_dim=49, bottleneck="vq", epochs=ep(30), lr=2e-3,
            net_options={"channels": [32, 64], "grid": True, "blocks": 1},
            bottleneck_options={"codebook_size": 512, "dim": 32, "kmeans_init": on, "restart_dead": on})
        idx = ae.codes(ds.X_test)
        counts[label] = np.bincount(idx.ravel(), minlength=512)
        health[label] = {**codebook_usage(idx, 512), "test_mse": mse_per_pixel(ae.reconstruct(ds.X_test) / 255.0, Xte),
                         "usage_during_training": [h.get("usage") for h in ae.history_.info]}
    codebook_plot(counts, out / "latents_codebook.png")

    # ------------------------------------------------------------ interpretability
    km = KMeans(10, n_init=10, random_state=SEED).fit(Xtr.reshape(len(Xtr), -1))
    nmi_km = normalized_mutual_info_score(ds.y_test, km.predict(Xte.reshape(len(Xte), -1)))
    mix, timings["mixture"] = fit("gaussian mixture (VaDE)", ds.X_train, latent_dim=10, bottleneck="mixture",
                                  epochs=ep(40), lr=2e-3, patience=None,
                                  bottleneck_options={"components": 10, "pretrain_steps": 20 if quick else 600})
    cat_mix = mix.transform(ds.X_test)[:, 0].astype(int)
    onehot, timings["onehot10"] = fit("one-hot 1x10", ds.X_train, latent_dim=1, bottleneck="categorical",
                                      epochs=ep(40), lr=2e-3, bottleneck_options={"categories": 10})
    cat_onehot = onehot.codes(ds.X_test)[:, 0]
    nmi = {"kmeans_pixels": nmi_km,
           "mixture_category": normalized_mutual_info_score(ds.y_test, cat_mix),
           "onehot_category": normalized_mutual_info_score(ds.y_test, cat_onehot),
           "mixture_confusion": [np.bincount(ds.y_test[cat_mix == c], minlength=10).tolist() for c in range(10)]}
    rows = []
    for c in range(10):  # 10 test digits of each category, categories in order of their majority digit
        members = np.flatnonzero(cat_mix == c)[:10]
        if len(members):
            rows.append((np.bincount(ds.y_test[members], minlength=10).argmax(), c, Xte[members]))
    rows.sort(key=lambda r: r[0])
    rows = [r for r in rows if len(r[2]) == 10]
    if rows:
        image_grid([r[2] for r in rows], [f"cat {r[1]}" for r in rows], out / "latents_categories.png",
                   title="Test digits by their unsupervised category (Gaussian-mixture VAE)")

    # ------------------------------------------------------------ 64-bit codes
    budget = {}
    specs = {
        "binary 64 bits": dict(latent_dim=64, bottleneck="binary"),
        "one-hot 16x16": dict(latent_dim=16, bottleneck="categorical", bottleneck_options={"categories": 16}),
        "VQ 8 x K=256": dict(latent_dim=8, bottleneck="vq", bottleneck_options={"codebook_size": 256, "dim": 16}),
    }
    for name, kw in specs.items():
        ae, timings[name] = fit(name, ds.X_train, epochs=ep(40), lr=2e-3, **kw)
        bits = float(kw["latent_dim"] * math.log2(ae.model_.bottleneck.vocab_size))
        budget[name] = {"bits": bits, "test_mse": mse_per_pixel(ae.reconstruct(ds.X_test) / 255.0, Xte)}
    pq = pca_quantised_mse(Xtr, Xte, 64)
    budget["PCA quantised (best split)"] = {"bits": 64.0, "test_mse": pq["best"]["test_mse"],
                                            "components": pq["best"]["components"]}

    # ------------------------------------------------------------ results
    fd_ppca = ppca[best_k]["fd"]
    used = health["with k-means init + restarts"]["fraction"]
    acceptance = [
        check("fd_ratio_vae_vs_ppca", vae_scores["fd"] / fd_ppca, "<=", 0.7),
        check("fd_ratio_vq_vs_vae", vq_scores["fd"] / vae_scores["fd"], "<=", 1.0),
        check("classifier_acc", clf_acc, ">=", 0.95),
        check("codebook_usage", used, ">=", 0.9),
        check("nmi_gain", nmi["mixture_category"] - nmi_km, ">=", 0.05),
    ]
    gen_rows = [["real training digits", real_scores["fd"], real_scores["class_entropy_bits"]]]
    gen_rows += [[f"PPCA, {k} components" + (" (best)" if k == best_k else ""), v["fd"], v["class_entropy_bits"]]
                 for k, v in ppca.items()]
    gen_rows += [["VAE (16-d Gaussian)", vae_scores["fd"], vae_scores["class_entropy_bits"]],
                 ["VQ-VAE 4x4 grid, K=128 + transformer prior", vq_scores["fd"], vq_scores["class_entropy_bits"]]]
    md = "\n\n".join([
        "# Latent bottlenecks on MNIST (4,000 train / 1,000 test)",
        f"Judge: a small CNN, test accuracy {clf_acc:.4f}. FD between its features of {n_gen} samples and of the "
        f"1,000 test digits (lower is better); class entropy in bits (real test digits: {real_entropy:.3f}).",
        md_table(["samples", "Frechet distance", "class entropy (bits)"], gen_rows),
        "## Codebook health (VQ, K = 512, 7x7 grid, test digits)",
        md_table(["training", "entries used", "perplexity", "test MSE"],
                 [[k, v["fraction"], v["perplexity"], v["test_mse"]] for k, v in health.items()]),
        "## One 10-way categorical latent vs digit label (NMI, test digits)",
        md_table(["method", "NMI"], [["k-means on pixels (baseline)", nmi_km],
                                     ["Gaussian-mixture VAE category", nmi["mixture_category"]],
                                     ["plain one-hot bottleneck (1 x 10)", nmi["onehot_category"]]]),
        "## Reconstruction with 64-bit codes (test MSE, pixels in [0, 1])",
        md_table(["code", "bits", "test MSE"], [[k, v["bits"], v["test_mse"]] for k, v in budget.items()]),
        "![samples](latents_samples.png)\n\n![codebook](latents_codebook.png)\n\n![categories](latents_categories.png)",
    ])
    timings["total"] = time.perf_counter() - t_start
    write_results(out, "latents", {
        "quick": quick, "n_generated": n_gen, "generation": generation, "codebook_health": health,
        "interpretability": nmi, "bit_budget": budget, "pca_quantised_table": pq["table"], "seconds": timings,
    }, acceptance, md)


if __name__ == "__main__":
    main()
