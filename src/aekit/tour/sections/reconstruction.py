"""Reconstructions and the 2-D code map, against PCA with the same code size."""

from __future__ import annotations

import numpy as np

from ..base import Figure, Number, SectionResult, png_of_figure, png_of_grid, pyplot, section
from ._nets import MOVES, SMALL


@section("reconstruction", "Dimension reduction: reconstructions and a 2-D map", order=10)
def run(ctx) -> SectionResult:
    from sklearn.decomposition import PCA

    from ...metrics import knn_accuracy, mse_per_pixel

    ds = ctx.mnist
    Xtr, Xte = ctx.X_train / 255.0, ds.X_test / 255.0
    flat_tr, flat_te = Xtr.reshape(len(Xtr), -1), Xte.reshape(len(Xte), -1)
    ae8 = ctx.fit("mnist8", latent_dim=8, net_options=SMALL, loss="mse", lr=3e-3, epochs=ctx.pick(15, 4))
    rec = ae8.reconstruct(ds.X_test) / 255.0
    pca8 = PCA(8, random_state=0).fit(flat_tr)
    pca_rec = np.clip(pca8.inverse_transform(pca8.transform(flat_te)), 0, 1).reshape(Xte.shape)
    mse_ae, mse_pca = mse_per_pixel(rec, Xte), mse_per_pixel(pca_rec, Xte)

    # the 2-D map: rebuilding the digit from a moved copy makes two numbers describe the digit, not its pose
    ae2 = ctx.fit("mnist2", latent_dim=2, net_options=dict(SMALL, fc_hidden=[128, 32]), loss="mse", lr=3e-3,
                  noise=MOVES, epochs=ctx.pick(15, 4))
    c_tr, c_te = ae2.transform(ctx.X_train), ae2.transform(ds.X_test)
    pca2 = PCA(2, random_state=0).fit(flat_tr)
    p_tr, p_te = pca2.transform(flat_tr), pca2.transform(flat_te)
    knn_ae = knn_accuracy(c_tr, ctx.y_train, c_te, ds.y_test)
    knn_pca = knn_accuracy(p_tr, ctx.y_train, p_te, ds.y_test)

    idx = np.concatenate([np.flatnonzero(ds.y_test == d)[:1] for d in range(10)])
    grid = png_of_grid([Xte[idx], rec[idx], pca_rec[idx]], ["input", "AE-8", "PCA-8"],
                       title="one test digit per class, rebuilt from 8 numbers")
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    for ax, c, name in [(axes[0], c_te, f"auto-encoder, 5-NN accuracy {knn_ae:.2f}"),
                        (axes[1], p_te, f"PCA-2, 5-NN accuracy {knn_pca:.2f}")]:
        sc = ax.scatter(c[:, 0], c[:, 1], c=ds.y_test, cmap="tab10", s=5, alpha=0.8)
        ax.set_title(name, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(sc, ax=axes.tolist(), ticks=range(10), label="digit")
    return SectionResult(
        numbers=[Number("test MSE per pixel, 8-d code", mse_ae, mse_pca, "PCA-8", "lower"),
                 Number("5-NN digit accuracy of the 2-D codes", knn_ae, knn_pca, "PCA-2", "higher", ".3f")],
        figures=[Figure("reconstructions.png", grid, "Test digits (top), rebuilt by the 8-d auto-encoder and by "
                        "PCA with 8 components."),
                 Figure("map2d.png", png_of_figure(fig), "The 1,000 test digits by their 2-D codes, coloured by "
                        "digit (the labels were never used in training).")],
        text=(f"An auto-encoder squeezes each 28x28 digit (784 numbers) through a code of 8 numbers and rebuilds it; "
              f"PCA, the best linear code, gets the same 8. On the {len(Xte):,} test digits the auto-encoder's error "
              f"is {mse_ae / mse_pca:.2f}x PCA's. With 2 numbers the codes make a map: digits of a class land "
              f"together, so a 5-nearest-neighbour vote reads the class {knn_ae:.0%} of the time, PCA's {knn_pca:.0%}."),
        reproduce=["python benchmarks/dim_reduction.py",
                   "aekit train --data mnist -o models/mnist8 --recipe mnist-8",
                   "aekit reconstruct --model models/mnist8 --input mnist:test -o recon.png"],
        details={"mse_ae8": mse_ae, "mse_pca8": mse_pca, "knn_ae2": knn_ae, "knn_pca2": knn_pca})
