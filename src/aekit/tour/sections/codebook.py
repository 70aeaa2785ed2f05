"""Discrete codes: how much of a VQ codebook the test digits use, with and without the fixes for collapse."""

from __future__ import annotations

import numpy as np

from ..base import Figure, Number, SectionResult, png_of_figure, pyplot, section
from ._nets import VQ_NET
from .generation import vq_model


@section("codebook", "Discrete codes: codebook use", order=50)
def run(ctx) -> SectionResult:
    from ...metrics import codebook_usage

    ds = ctx.mnist
    vq = vq_model(ctx)  # k-means initialisation and dead-code restarts (the defaults)
    plain = ctx.fit("vq_plain", latent_dim=16, bottleneck="vq", lr=2e-3, epochs=ctx.pick(12, 3),
                    net_options=VQ_NET,
                    bottleneck_options={"codebook_size": 128, "dim": 16, "kmeans_init": False,
                                        "restart_dead": False})
    K = 128
    codes = {"k-means init + restarts": vq.codes(ds.X_test), "neither": plain.codes(ds.X_test)}
    use = {n: codebook_usage(c, K) for n, c in codes.items()}
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    for name, c in codes.items():
        counts = np.bincount(c.ravel(), minlength=K)
        freq = np.sort(counts)[::-1] / counts.sum()
        ax.plot(np.arange(1, K + 1), np.maximum(freq, 1e-5), label=f"{name}: {use[name]['fraction']:.0%} used")
    ax.set_yscale("log")
    ax.set_xlabel("codebook entry (sorted by use)")
    ax.set_ylabel("share of test codes (unused at 1e-5)")
    ax.legend(fontsize=8)
    first = codes["k-means init + restarts"][0].reshape(4, 4)
    good, bad = use["k-means init + restarts"], use["neither"]
    return SectionResult(
        numbers=[Number("codebook entries used by the test digits", good["fraction"], bad["fraction"],
                        "no k-means init, no restarts", "higher", ".0%"),
                 Number("perplexity of the code histogram (128 at most)", good["perplexity"], bad["perplexity"],
                        "no k-means init, no restarts", "higher", ".1f")],
        figures=[Figure("codebook.png", png_of_figure(fig), "How often each of the 128 entries codes a test-digit "
                        "position, most used first.")],
        text=(f"A VQ-VAE codes each digit as a 4x4 grid of entries from a codebook of 128 vectors; the first test "
              f"digit is {' / '.join(' '.join(str(v) for v in row) for row in first)}. Left alone a codebook "
              f"collapses: only {bad['fraction']:.0%} of the entries get used (perplexity {bad['perplexity']:.0f}). "
              f"Initialising it by k-means on the first batch's encoder outputs and restarting dead entries keeps "
              f"{good['fraction']:.0%} in use (perplexity {good['perplexity']:.0f})."),
        reproduce=["python benchmarks/latents.py",
                   "aekit train --data mnist -o models/vq --recipe vq-prior",
                   "aekit codes --model models/vq --input mnist:test --show 3"],
        details={"usage": use, "codebook_size": K})
