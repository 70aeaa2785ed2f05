"""De-noising: corrupt the input, rebuild the clean digit; PSNR against the best classical method."""

from __future__ import annotations

import numpy as np

from ..base import Figure, Number, SectionResult, png_of_grid, section
from ._nets import SMALL

NOISE = "gaussian:0.5"
TEST_SEED, TUNE_SEED = 1234, 99  # as benchmarks/denoise.py


def _classical(noisy_tune, clean_tune, train_flat):
    """The classical denoisers, each with its setting tuned on 300 *training* digits: name -> function."""
    from scipy import ndimage
    from sklearn.decomposition import PCA

    from ...metrics import psnr

    cands = {}
    for size in (2, 3):
        cands[f"median filter {size}x{size}"] = lambda x, s=size: np.stack([ndimage.median_filter(i, size=s) for i in x])
    for sigma in (0.5, 0.8, 1.2):
        cands[f"Gaussian blur {sigma}"] = lambda x, s=sigma: np.stack([ndimage.gaussian_filter(i, s) for i in x])
    for k in (16, 32, 64):
        p = PCA(k, random_state=0).fit(train_flat)
        cands[f"PCA-{k}"] = lambda x, p=p: p.inverse_transform(p.transform(x.reshape(len(x), -1))).reshape(x.shape)
    scores = {n: psnr(np.clip(f(noisy_tune), 0, 1), clean_tune) for n, f in cands.items()}
    best = {}
    for family in ("median", "Gaussian", "PCA"):  # the best setting of each family
        name = max((n for n in scores if n.startswith(family)), key=scores.get)
        best[name] = cands[name]
    return best


@section("denoising", "De-noising", order=30)
def run(ctx) -> SectionResult:
    from ...metrics import psnr
    from ...noise import corrupt

    ds = ctx.mnist
    Xte = ds.X_test / 255.0
    clean_tune = ctx.X_train[:300] / 255.0
    # stored noisy images stay in their pixel range: the test noise is clipped, and so is the training noise
    noisy = corrupt(Xte, NOISE, seed=TEST_SEED, clip=(0, 1))
    tune = corrupt(clean_tune, NOISE, seed=TUNE_SEED, clip=(0, 1))
    # fresh noise every batch keeps a small net improving for many epochs (25: 18.2 dB, 10: 16.9 dB)
    dae = ctx.fit("denoise", latent_dim=32, net_options=SMALL, loss="mse", lr=3e-3, noise=NOISE + ",clip",
                  epochs=ctx.pick(25, 5))
    outputs = {"de-noising AE": np.clip(dae.reconstruct(noisy * 255.0) / 255.0, 0, 1)}
    classical = _classical(tune, clean_tune, ctx.X_train.reshape(len(ctx.X_train), -1) / 255.0)
    for name, fn in classical.items():
        outputs[name] = np.clip(fn(noisy), 0, 1)
    scores = {"noisy input": psnr(noisy, Xte), **{n: psnr(o, Xte) for n, o in outputs.items()}}
    best = max(classical, key=lambda n: scores[n])
    grid = png_of_grid([Xte[:10], noisy[:10], outputs["de-noising AE"][:10], outputs[best][:10]],
                       ["clean", "noisy", "de-noising AE", best], title=f"Gaussian noise, sigma 0.5 (clipped)")
    dae_db = scores["de-noising AE"]
    return SectionResult(
        numbers=[Number("PSNR against the clean test digits", dae_db, scores[best], f"best classical ({best})",
                        "higher", ".2f", " dB"),
                 Number("PSNR against the clean test digits", dae_db, scores["noisy input"], "the noisy input",
                        "higher", ".2f", " dB")],
        figures=[Figure("denoise_grid.png", grid, "Clean test digits, the same with noise, what the de-noising "
                        "auto-encoder and the best classical method make of them.")],
        text=(f"A de-noising auto-encoder is trained to rebuild clean digits from noisy copies (fresh noise every "
              f"batch). On test digits it never saw, with noise it never saw, it reaches {dae_db:.1f} dB, "
              f"{dae_db - scores[best]:+.1f} dB over the best classical method (median filter, Gaussian blur and "
              f"PCA, each tuned on training digits) and {dae_db - scores['noisy input']:+.1f} dB over the input."),
        reproduce=["python benchmarks/denoise.py",
                   "aekit train --data mnist -o models/dae --recipe denoise",
                   "aekit denoise --model models/dae --input mnist:test --corrupt gaussian:0.5 -o demo.png"],
        details={"psnr_db": scores, "noise": NOISE, "test_seed": TEST_SEED})
