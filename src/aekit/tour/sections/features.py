"""Pre-training for few labels: a frozen encoder's codes as features for a linear classifier."""

from __future__ import annotations

import numpy as np

from ..base import Figure, Number, SectionResult, png_of_figure, pyplot, section
from ._nets import MOVES, SMALL


@section("features", "Features for few labels", order=20)
def run(ctx) -> SectionResult:
    from sklearn.decomposition import PCA

    from ...metrics import few_label_indices, linear_probe_accuracy

    ds = ctx.mnist
    ae = ctx.fit("features32", latent_dim=32, net_options=SMALL, loss="mse", lr=3e-3, noise=MOVES,
                 epochs=ctx.pick(12, 4))
    # codes of all 4,000 training digits: the labelled few are drawn from them
    flat = lambda X: X.reshape(len(X), -1) / 255.0  # noqa: E731
    pca = PCA(32, random_state=0).fit(flat(ctx.X_train))
    feats = {"auto-encoder codes (32)": (ae.transform(ds.X_train), ae.transform(ds.X_test)),
             "raw pixels (784)": (flat(ds.X_train), flat(ds.X_test)),
             "PCA-32": (pca.transform(flat(ds.X_train)), pca.transform(flat(ds.X_test)))}
    per_class = ctx.pick((1, 10, 100), (10,))
    draws = ctx.pick(3, 1)
    acc = {name: {k: float(np.mean([linear_probe_accuracy(tr[i], ds.y_train[i], te, ds.y_test)
                                    for i in (few_label_indices(ds.y_train, k, s) for s in range(draws))]))
                  for k in per_class} for name, (tr, te) in feats.items()}
    ae_name, raw_name = "auto-encoder codes (32)", "raw pixels (784)"
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for name, row in acc.items():
        ax.plot(list(row), list(row.values()), marker="o", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("labelled digits per class")
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    best_raw = max(acc[raw_name][10], acc["PCA-32"][10])
    return SectionResult(
        numbers=[Number("accuracy with 10 labels per class", acc[ae_name][10], acc[raw_name][10], "raw pixels",
                        "higher", ".3f"),
                 Number("accuracy with 10 labels per class", acc[ae_name][10], acc["PCA-32"][10], "PCA-32",
                        "higher", ".3f")],
        figures=[Figure("few_labels.png", png_of_figure(fig),
                        f"Logistic regression on each kind of feature, mean of {draws} draw(s) of the labelled digits.")],
        text=(f"The auto-encoder is trained on unlabelled digits, here as a de-noising one that must rebuild each "
              f"digit from a moved copy, so its 32 numbers describe the digit rather than its pose. Then the "
              f"encoder is frozen and a logistic regression learns the classes from 10 labelled digits per "
              f"class: {acc[ae_name][10]:.1%} on the test digits, against {best_raw:.1%} for the better of raw "
              f"pixels and PCA."),
        reproduce=["python benchmarks/few_labels.py",
                   "aekit train --data mnist -o models/features --recipe features",
                   "aekit encode --model models/features --input mnist:test -o codes.csv"],
        details={"accuracy": {n: {str(k): v for k, v in row.items()} for n, row in acc.items()},
                 "draws": draws})
