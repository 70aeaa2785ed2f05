"""Figures of the voice tools: a 2-D map of speaker embeddings, and log-mel spectrograms side by side."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..plots import _atomic_savefig


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def project_2d(embeddings: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """``(n, 2)`` coordinates of ``(n, d)`` embeddings: PCA, or t-SNE (perplexity fitted to small n)."""
    x = np.asarray(embeddings, dtype=np.float64)
    if method == "tsne" and len(x) > 3:
        from sklearn.manifold import TSNE

        return TSNE(2, perplexity=min(30.0, (len(x) - 1) / 3), init="pca", random_state=seed).fit_transform(x)
    from sklearn.decomposition import PCA

    if len(x) < 2:
        return np.zeros((len(x), 2))
    out = PCA(min(2, len(x), x.shape[1])).fit_transform(x)
    return np.pad(out, ((0, 0), (0, 2 - out.shape[1])))


def speaker_map(points: np.ndarray, labels: list[str], path: str | os.PathLike, title: str = "speakers") -> Path:
    """Scatter ``(n, 2)`` points, one colour and legend entry per label."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    names = list(dict.fromkeys(labels))
    cmap = plt.get_cmap("tab20" if len(names) > 10 else "tab10")
    for i, name in enumerate(names):
        sel = np.array([lab == name for lab in labels])
        ax.scatter(points[sel, 0], points[sel, 1], s=18, color=cmap(i % cmap.N), label=name, alpha=0.85)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=7, loc="best", ncol=2 if len(names) > 8 else 1)
    out = _atomic_savefig(fig, path)
    plt.close(fig)
    return out


def spectrograms(panels: dict[str, np.ndarray], path: str | os.PathLike, frames_per_second: float,
                 title: str = "") -> Path:
    """Log-mel spectrograms ``(n_mels, frames)`` stacked vertically, one per named panel."""
    plt = _plt()
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.5, 1.7 * len(panels)), squeeze=False)
    lo = min(float(np.percentile(m, 1)) for m in panels.values())
    hi = max(float(m.max()) for m in panels.values())
    for ax, (name, mel) in zip(axes[:, 0], panels.items()):
        ax.imshow(mel, origin="lower", aspect="auto", vmin=lo, vmax=hi, cmap="magma",
                  extent=(0, mel.shape[1] / frames_per_second, 0, mel.shape[0]))
        ax.set_ylabel("mel", fontsize=7)
        ax.set_title(name, fontsize=8, loc="left")
        ax.tick_params(labelsize=7)
    axes[-1, 0].set_xlabel("seconds", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    out = _atomic_savefig(fig, path)
    plt.close(fig)
    return out


__all__ = ["project_2d", "speaker_map", "spectrograms"]
