"""Helpers shared by the subcommands: reading inputs and writing outputs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ..data import list_datasets, load_array, load_dataset, save_array
from ..errors import ConfigError


def formatter(prog: str) -> argparse.RawDescriptionHelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def load_input(spec: str, image_size: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``spec`` is a bundled dataset (``mnist``, ``mnist:test``) or a file/folder path.

    Returns ``(X, labels or None)``.
    """
    name, _, split = spec.partition(":")
    if name in list_datasets() and not Path(spec).exists():
        ds = load_dataset(name)
        split = split or "train"
        if split not in ("train", "test"):
            raise ConfigError(f"Dataset split {split!r} in {spec!r} must be 'train' or 'test' (e.g. mnist:test).")
        return (ds.X_train, ds.y_train) if split == "train" else (ds.X_test, ds.y_test)
    return load_array(spec, image_size), None


def parse_options(pairs: list[str] | None, flag: str) -> dict:
    """``["channels=[32,64]", "activation=relu"]`` -> dict; values are JSON where they parse."""
    out = {}
    for pair in pairs or []:
        key, eq, value = pair.partition("=")
        if not eq or not key:
            raise ConfigError(f"{flag} {pair!r} must look like key=value, e.g. {flag} channels=[32,64].")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def write_output(path: str, arr: np.ndarray, max_images: int = 16) -> None:
    """``.png``: a grid of the first ``max_images`` (rows of 16); else the array as ``.npy``/``.csv``."""
    if Path(path).suffix.lower() == ".png":
        from ..plots import image_grid

        if arr.ndim not in (3, 4):
            raise ConfigError(f"A .png output needs images, but the result has shape {arr.shape}; "
                              "write .npy or .csv instead.")
        imgs = arr[:max_images]
        lo, hi = float(np.min(imgs)), float(np.max(imgs))
        per_row = min(16, len(imgs))
        rows = [imgs[i:i + per_row] for i in range(0, len(imgs) - len(imgs) % per_row, per_row)]  # full rows only
        image_grid(rows, [""] * len(rows), path, vmin=lo, vmax=hi if hi > lo else lo + 1)
    else:
        save_array(path, arr)
    print(f"wrote {path} ({arr.shape[0]} rows, shape {tuple(arr.shape)})")


def add_data_args(p: argparse.ArgumentParser, flag: str = "--input") -> None:
    p.add_argument(flag, required=True, metavar="DATA",
                   help="bundled dataset (mnist, mnist:test, digits, breast_cancer, wine) or a .npy/.npz/.csv file, "
                        "an image or a folder of images")
    p.add_argument("--image-size", nargs=2, type=int, metavar=("H", "W"),
                   help="resize images in a folder to H x W")


__all__ = ["add_data_args", "formatter", "load_input", "parse_options", "write_output"]
