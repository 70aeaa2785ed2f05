"""Figures users would rather look at than read: reconstruction grids and 2-D code maps.

Image grids are drawn pixel for pixel (Pillow), so what a grid shows can be read back and
checked; code maps are matplotlib scatter plots. Figures are written atomically (temp file +
rename) like every other output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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


@dataclass(frozen=True)
class GridLayout:
    """Where :func:`image_grid` puts image ``j`` of row ``i``: its top-left pixel is
    ``(top + i * step_y, left + j * step_x)``, and each image pixel is a ``zoom`` x ``zoom`` block."""

    zoom: int
    left: int
    top: int
    step_x: int
    step_y: int

    def cell(self, png: np.ndarray, i: int, j: int, shape: tuple[int, int]) -> np.ndarray:
        """The pixels of image ``(i, j)`` (``shape`` = its ``(H, W)``) read back from the decoded PNG,
        one value per image pixel."""
        y, x = self.top + i * self.step_y, self.left + j * self.step_x
        block = png[y:y + shape[0] * self.zoom, x:x + shape[1] * self.zoom]
        return block[::self.zoom, ::self.zoom]


GAP = 2  # white pixels between images
_FONT_PAD = 6


def _caption_lines(captions: list[str] | None) -> list[list[str]]:
    return [str(c).split("\n") for c in captions] if captions else []


def grid_layout(image_hw: tuple[int, int], row_labels: list[str], title: str | None = None,
                captions: list[str] | None = None) -> GridLayout:
    """The layout of a grid of ``(H, W)`` images: small images are blown up by a whole factor (about
    64 pixels a side), so every image pixel stays one exact block of the PNG. ``captions`` (one per
    column, lines split at newlines) sit above the first row and widen the columns to fit."""
    from PIL import ImageFont

    h, w = image_hw
    zoom = max(1, 64 // max(h, w))
    font = ImageFont.load_default()
    label_w = max((font.getbbox(label)[2] for label in row_labels if label), default=0)
    left = GAP + (label_w + 2 * _FONT_PAD if label_w else 0)
    top = GAP + (font.getbbox(title)[3] + 2 * _FONT_PAD if title else 0)
    lines = _caption_lines(captions)
    cap_w = max((font.getbbox(t)[2] for c in lines for t in c if t), default=0)
    n_lines = max((len(c) for c in lines), default=0)
    top += n_lines * _line_height(font) + (_FONT_PAD if n_lines else 0)
    return GridLayout(zoom, left, top, max(w * zoom, cap_w + _FONT_PAD) + GAP, h * zoom + GAP)


def _line_height(font) -> int:
    return font.getbbox("Ag")[3] + 2


def image_grid(rows: list[np.ndarray], row_labels: list[str], path: str | os.PathLike,
               vmin: float = 0.0, vmax: float = 1.0, title: str | None = None,
               captions: list[str] | None = None) -> Path:
    """One row per array of images (each ``(n, H, W)`` or ``(n, C, H, W)``), saved as a PNG.

    Pixels are exact, not resampled: value ``v`` is drawn as grey ``round(255 * (v - vmin) /
    (vmax - vmin))`` (clipped to 0..255), each image at the place :func:`grid_layout` gives, so a
    grid can be read back and compared with the arrays it shows. ``captions`` name the columns
    (e.g. the file each image came from and its score).
    """
    from PIL import Image, ImageDraw, ImageFont

    n = min(len(r) for r in rows)
    first = _as_display(rows[0][0])
    h, w = first.shape[:2]
    lay = grid_layout((h, w), row_labels, title, captions)
    font = ImageFont.load_default()
    width = max(lay.left + n * lay.step_x, font.getbbox(title)[2] + 2 * GAP if title else 0)  # a long title fits
    canvas = Image.new("RGB", (width, lay.top + len(rows) * lay.step_y), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (row, label) in enumerate(zip(rows, row_labels)):
        for j in range(n):
            img = _as_display(row[j])
            if img.shape[:2] != (h, w):
                raise ValueError(f"image_grid needs images of one size; got {img.shape[:2]} and {(h, w)}.")
            scaled = np.clip((img - vmin) / (vmax - vmin), 0, 1)
            pixels = np.rint(255 * scaled).astype(np.uint8)
            if pixels.ndim == 2:
                pixels = np.repeat(pixels[..., None], 3, axis=2)
            pixels = pixels.repeat(lay.zoom, axis=0).repeat(lay.zoom, axis=1)
            canvas.paste(Image.fromarray(pixels), (lay.left + j * lay.step_x, lay.top + i * lay.step_y))
        if label:
            y = lay.top + i * lay.step_y + (h * lay.zoom) // 2
            draw.text((lay.left - _FONT_PAD, y), label, fill="black", font=font, anchor="rm")
    if title:
        draw.text((GAP, GAP + _FONT_PAD), title, fill="black", font=font, anchor="lt")
    lines = _caption_lines(captions)
    if lines:
        n_lines = max(len(c) for c in lines)
        y0 = lay.top - _FONT_PAD // 2 - n_lines * _line_height(font)
        for j, caption in enumerate(lines[:n]):
            for k, text in enumerate(caption):
                draw.text((lay.left + j * lay.step_x, y0 + k * _line_height(font)), text, fill="black", font=font,
                          anchor="lt")
    with atomic_file(path) as tmp:
        canvas.save(tmp, format="PNG")
    return Path(path)


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
