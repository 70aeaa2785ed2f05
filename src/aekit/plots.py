"""Figures users would rather look at than read: reconstruction grids and 2-D code maps.

Figures are written atomically (temp file + rename) like every other output.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .atomic import atomic_file


def _atomic_savefig(fig, path: str | os.PathLike) -> Path:
    with atomic_file(path) as tmp:  # the temp name keeps the suffix, so matplotlib picks the format
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
    return Path(path)


def _as_display(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img, dtype=np.float32)
    if img.ndim == 3 and img.shape[0] in (1, 3):  # (C, H, W) -> (H, W[, C])
        img = img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)
    return img


def image_grid(rows: list[np.ndarray], row_labels: list[str], path: str | os.PathLike,
               vmin: float = 0.0, vmax: float = 1.0, title: str | None = None) -> Path:
    """One row per array of images (each ``(n, H, W)`` or ``(n, C, H, W)``), saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = min(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(n * 0.9, len(rows) * 1.0), squeeze=False)
    for i, (row, label) in enumerate(zip(rows, row_labels)):
        for j in range(n):
            ax = axes[i, j]
            img = np.clip((_as_display(row[j]) - vmin) / (vmax - vmin), 0, 1)
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[i, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    out = _atomic_savefig(fig, path)
    plt.close(fig)
    return out


def scatter_codes(codes: np.ndarray, labels: np.ndarray, path: str | os.PathLike,
                  title: str = "2-D codes", panels: dict[str, np.ndarray] | None = None) -> Path:
    """Scatter 2-D codes coloured by label; ``panels`` adds side-by-side maps (e.g. PCA)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = {title: codes, **(panels or {})}
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.6), squeeze=False)
    for ax, (name, c) in zip(axes[0], panels.items()):
        sc = ax.scatter(c[:, 0], c[:, 1], c=labels, cmap="tab10", s=6, alpha=0.8)
        ax.set_title(name, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(sc, ax=axes[0].tolist(), ticks=range(int(labels.max()) + 1), label="label")
    out = _atomic_savefig(fig, path)
    plt.close(fig)
    return out
