"""Helpers shared by the subcommands: reading inputs and writing outputs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .. import params
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


# ---------------------------------------------------------------------------- estimator flags
def _value_type(p: params.Param):
    """argparse ``type`` of a one-value flag: the parameter's range checked as the flag is read
    (``--threads 0`` is a usage error naming the flag), ``none`` for optional numbers, ``auto``."""
    number = p.number

    def parse(text: str):
        if p.auto is not None and text == "auto":
            return "auto"
        if number is None:
            return text
        if number.optional and text.lower() == "none":
            return None
        try:
            value = int(text) if number.integer else float(text)
        except ValueError:
            value = text
        if not number.accepts(value):
            extra = " or 'auto'" if p.auto is not None else ""
            raise argparse.ArgumentTypeError(f"{text!r} must be {number.describe()}{extra} "
                                             f"({p.help_text.partition('; ')[0]})")
        return value

    parse.__name__ = "int" if number is not None and number.integer else "float" if number else "str"
    return parse


def add_estimator_args(p: argparse.ArgumentParser, names: list[str] | None = None, *,
                       defaults: dict | None = None, unset: str | None = None) -> None:
    """Flags for the estimator parameters ``names`` (default: every one with a flag), typed,
    defaulted and documented from ``aekit.params.PARAMS``; ``defaults`` overrides some defaults
    (a command's own recipe). With ``unset``, every flag defaults to None, meaning "keep the value
    of the estimator the command builds", which ``unset`` describes for the help.
    """
    chosen = [params.BY_NAME[n] for n in names] if names else [q for q in params.PARAMS if q.cli is not None]
    for prm in chosen:
        flag, default = params.flag_of(prm), (defaults or {}).get(prm.name, prm.default_value)
        help_ = prm.cli.help or prm.help_text
        kw: dict = {"dest": prm.name}
        if prm.cli.kind == "off":
            kw.update(action="store_false", default=default if unset is None else None)
        elif prm.cli.kind == "options":
            kw.update(action="append", metavar=prm.cli.metavar or "KEY=VALUE", default=None)
            help_ += " (KEY=VALUE, the value as JSON; repeatable)"
        elif prm.cli.kind == "shape":
            kw.update(nargs="+", type=int, metavar=prm.cli.metavar, default=None)
        else:
            kw.update(type=_value_type(prm), metavar=prm.cli.metavar or flag[2:].upper().replace("-", "_"),
                      default=default if unset is None else None)
            if unset is not None:
                help_ += f" (default: {unset})"
            elif prm.auto is None or default != "auto":  # the help of an 'auto' one says it is the default
                help_ += f" (default: {'none' if default is None else default})"
        p.add_argument(flag, help=help_.replace("%", "%%"), **kw)


def estimator_kwargs(args: argparse.Namespace, names: list[str] | None = None, *, given_only: bool = False) -> dict:
    """The estimator parameters set by the flags of :func:`add_estimator_args`; ``given_only``
    leaves out flags at None (those added with ``unset`` that were not given)."""
    chosen = [params.BY_NAME[n] for n in names] if names else [q for q in params.PARAMS if q.cli is not None]
    out = {}
    for prm in chosen:
        value = getattr(args, prm.name)
        if prm.cli.kind == "options":
            value = None if value is None else parse_options(value, params.flag_of(prm))
        elif prm.cli.kind == "shape" and value is not None:
            value = tuple(value)
        if value is not None or not given_only:
            out[prm.name] = value
    return out


def add_threads_arg(p: argparse.ArgumentParser) -> None:
    """``--threads N``: torch's CPU threads for the command (not given: half the CPUs this process may
    use, never more, whatever the saved model was trained with). ``aekit.cli.main`` runs the command
    with that many."""
    add_estimator_args(p, ["n_threads"])


def load_autoencoder(path: str, n_threads: int | None):
    """A saved auto-encoder that infers with ``n_threads`` (``--threads``) on this machine."""
    from ..estimators import AutoEncoder

    return AutoEncoder.load(path).set_params(n_threads=n_threads)


__all__ = ["add_data_args", "add_estimator_args", "add_threads_arg", "load_autoencoder", "estimator_kwargs", "formatter", "load_input", "parse_options",
           "write_output"]
