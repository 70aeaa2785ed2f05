"""Generation: samples and interpolations from a VAE and from a VQ-VAE with a learned prior."""

from __future__ import annotations

import numpy as np

from ..base import Figure, Number, SectionResult, png_of_grid, section
from . import _judge
from ._nets import SMALL, VQ_NET


def ppca_samples(Xtr: np.ndarray, k: int, n: int, seed: int = 0) -> np.ndarray:
    """Probabilistic PCA's samples (without its pixel noise): z ~ N(0, diag(var)) in k components, decoded."""
    from sklearn.decomposition import PCA

    pca = PCA(k, random_state=seed).fit(Xtr.reshape(len(Xtr), -1))
    z = np.random.default_rng(seed).standard_normal((n, k)) * np.sqrt(pca.explained_variance_)
    return np.clip(pca.inverse_transform(z), 0, 1).reshape(n, *Xtr.shape[1:])


def vq_model(ctx):
    """The VQ-VAE with a transformer prior over its 4x4 grid of codes, shared with the codebook section."""
    if "vq" not in ctx.cache:
        ctx.cache["vq"] = ctx.fit(
            "vq", latent_dim=16, bottleneck="vq", lr=2e-3, epochs=ctx.pick(12, 3),
            net_options=VQ_NET,
            bottleneck_options={"codebook_size": 128, "dim": 16,
                                "prior": {"epochs": ctx.pick(15, 3), "d_model": 64, "layers": 2, "dropout": 0.1}})
    return ctx.cache["vq"]


@section("generation", "Generation: VAE and VQ-VAE with a prior", order=40)
def run(ctx) -> SectionResult:
    ds = ctx.mnist
    Xtr, Xte = ctx.X_train / 255.0, ds.X_test / 255.0
    n_gen = ctx.pick(1000, 200)
    clf = _judge.train_judge(ds.X_train / 255.0, ds.y_train, epochs=ctx.pick(4, 2), seed=ctx.seed)
    real_feats, real_pred = _judge.judge(clf, Xte)
    judge_acc = float((real_pred == ds.y_test).mean())
    vae = ctx.fit("vae", latent_dim=16, bottleneck="gaussian", net_options=SMALL, lr=2e-3, epochs=ctx.pick(20, 5))
    vae_s = vae.sample(n_gen, random_state=ctx.seed) / 255.0
    vq = vq_model(ctx)
    vq_s = vq.sample(n_gen, random_state=ctx.seed) / 255.0
    ppca = {k: _judge.scores(clf, ppca_samples(Xtr, k, n_gen, ctx.seed), real_feats) for k in (8, 16, 32)}
    best_k = min(ppca, key=lambda k: ppca[k]["fd"])
    res = {"real training digits": _judge.scores(clf, Xtr[:n_gen], real_feats), f"PPCA-{best_k}": ppca[best_k],
           "VAE": _judge.scores(clf, vae_s, real_feats), "VQ + prior": _judge.scores(clf, vq_s, real_feats)}
    samples = png_of_grid([Xte[:12], ppca_samples(Xtr, best_k, 12, ctx.seed), vae_s[:12], vq_s[:12]],
                          ["real", f"PPCA-{best_k}", "VAE", "VQ + prior"], title="the first 12 drawn (not picked)")
    a, b = ds.X_test[0], ds.X_test[3]
    morph = png_of_grid([vae.interpolate(a, b, steps=10) / 255.0, vq.interpolate(a, b, steps=10) / 255.0],
                        ["VAE", "VQ"], title="walking the straight line between two test digits' codes")
    fd_ppca = ppca[best_k]["fd"]
    return SectionResult(
        numbers=[Number("Frechet distance of VAE samples to test digits (judge's features)", res["VAE"]["fd"], fd_ppca,
                        f"probabilistic PCA ({best_k})", "lower", ".1f"),
                 Number("Frechet distance of VQ + prior samples to test digits", res["VQ + prior"]["fd"], fd_ppca,
                        f"probabilistic PCA ({best_k})", "lower", ".1f"),
                 Number("class entropy of VAE samples (bits, 3.32 at most)", res["VAE"]["class_entropy_bits"],
                        res[f"PPCA-{best_k}"]["class_entropy_bits"], f"probabilistic PCA ({best_k})", "higher", ".2f")],
        figures=[Figure("samples.png", samples, "New digits drawn from each model's prior."),
                 Figure("interpolation.png", morph, "Decoding points between the codes of two test digits.")],
        text=(f"A VAE's code follows N(0, I), so decoding random draws makes new digits; a VQ-VAE's code is a 4x4 "
              f"grid of codebook entries, and a small transformer learns which grids occur. A digit classifier "
              f"trained here (test accuracy {judge_acc:.1%}) judges {n_gen:,} samples of each: the Frechet distance "
              f"between its features of samples and of real test digits is {res['VAE']['fd']:.0f} for the VAE and "
              f"{res['VQ + prior']['fd']:.0f} for VQ + prior, against {fd_ppca:.0f} for probabilistic PCA and "
              f"{res['real training digits']['fd']:.0f} for real training digits (the floor)."),
        reproduce=["python benchmarks/latents.py",
                   "aekit train --data mnist -o models/vae --recipe vae",
                   "aekit sample --model models/vae -n 64 -o samples.png",
                   "aekit interpolate --model models/vae --input mnist:test --pair 0 3 --steps 10 -o morph.png"],
        details={"generation": res, "judge_test_accuracy": judge_acc, "n_generated": n_gen,
                 "ppca": {str(k): v for k, v in ppca.items()}})
