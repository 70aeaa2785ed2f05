"""Photos for the fully convolutional codec: reading files of any size, and random training crops."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import DataError

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


def read_photo(path: str | os.PathLike) -> np.ndarray:
    """An image file -> uint8 ``(H, W)`` (grey) or ``(H, W, 3)`` (colour; alpha is dropped)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("L", "I;16", "I", "F", "1"):
                arr = np.asarray(im.convert("L"))
            else:
                arr = np.asarray(im.convert("RGB"))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read image {str(path)!r} ({exc}).") from None
    return np.ascontiguousarray(arr)


def photo_files(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Image files named in ``inputs`` (files, or folders searched recursively), sorted within a folder."""
    out = []
    for spec in inputs:
        p = Path(spec)
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in PHOTO_SUFFIXES and f.is_file())
        elif p.is_file():
            out.append(p)
        else:
            raise DataError(f"{str(spec)!r} is neither an image file nor a folder.")
    if not out:
        raise DataError(f"no images ({', '.join(PHOTO_SUFFIXES)}) found in {[str(s) for s in inputs]}.")
    return out


def downscale(image: np.ndarray, short_side: int) -> np.ndarray:
    """Shrink ``image`` (Lanczos) so its shorter side is ``short_side``; smaller images are kept."""
    from PIL import Image

    h, w = image.shape[:2]
    if min(h, w) <= short_side:
        return image
    f = short_side / min(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return np.asarray(Image.fromarray(image).resize(size, Image.LANCZOS))


def random_crops(images: list[np.ndarray], n: int, size: int, seed: int = 0,
                 scales: tuple[int, ...] = (0,)) -> np.ndarray:
    """``n`` random ``size`` x ``size`` RGB crops, uint8 ``(n, 3, size, size)``, drawn evenly from
    ``images`` (grey ones repeated to 3 channels), each also downscaled to the shorter sides in
    ``scales`` (0 = full size): large photos seen at a few scales, as the test photos are."""
    rng = np.random.default_rng(seed)
    pool = []
    for img in images:
        img = np.asarray(img, np.uint8)
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        for s in scales:
            v = img if s == 0 else downscale(img, s)
            if min(v.shape[:2]) >= size:
                pool.append(v)
    if not pool:
        raise DataError(f"no training image is at least {size}x{size} pixels; give larger photos.")
    out = np.empty((n, 3, size, size), np.uint8)
    for i in range(n):
        v = pool[i % len(pool)] if i < len(pool) else pool[rng.integers(len(pool))]
        t = rng.integers(v.shape[0] - size + 1)
        l = rng.integers(v.shape[1] - size + 1)
        c = v[t:t + size, l:l + size]
        if rng.random() < 0.5:
            c = c[:, ::-1]
        out[i] = np.moveaxis(c, -1, 0)
    return out


__all__ = ["PHOTO_SUFFIXES", "downscale", "photo_files", "random_crops", "read_photo"]
