"""Helpers shared by the subcommands: reading inputs and writing outputs."""

from __future__ import annotations

import argparse
import difflib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import params
from ..data import list_datasets, load_array, load_dataset, save_array
from ..errors import ConfigError

# What each kind of -o accepts; a command checks its output before any work (a wrong suffix must
# not cost a training run or leave half the outputs written).
OUTPUT_KINDS = {"array": (".npy", ".csv"), "image": (".png",), "report": (".csv",)}


def formatter(prog: str) -> argparse.HelpFormatter:
    return _Formatter(prog, max_help_position=32)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' layout; adds "(default: X)" to every option that has a default and does
    not say it already, so no flag hides what it does when left out."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("default" in text or default in (None, argparse.SUPPRESS) or isinstance(default, bool)
                or not action.option_strings or action.nargs == 0):
            return text
        shown = " ".join(map(str, default)) if isinstance(default, (list, tuple)) else default
        return f"{text} (default: {str(shown).replace('%', '%%')})"


@dataclass
class Inputs:
    """What a ``--input``/``--data`` names: the samples, their labels (bundled datasets) and their
    names (the files of a folder or the one image; None for tables, arrays and bundled data)."""

    X: np.ndarray
    labels: np.ndarray | None
    names: list[str] | None


def load_named(spec: str, image_size: tuple[int, int] | None = None) -> Inputs:
    """``spec`` is a bundled dataset (``mnist``, ``mnist:test``) or a file/folder path."""
    from ..data.files import sample_names

    name, _, split = spec.partition(":")
    if name in list_datasets() and not Path(spec).exists():
        ds = load_dataset(name)
        split = split or "train"
        if split not in ("train", "test"):
            raise ConfigError(f"Dataset split {split!r} in {spec!r} must be 'train' or 'test' (e.g. mnist:test).")
        return Inputs(*((ds.X_train, ds.y_train) if split == "train" else (ds.X_test, ds.y_test)), None)
    if not Path(spec).exists():
        close = difflib.get_close_matches(name, list_datasets(), n=1, cutoff=0.6)
        hint = f" Did you mean {close[0] + (':' + split if split else '')!r}?" if close else ""
        raise FileNotFoundError(f"No such file, folder or bundled dataset: {spec!r}.{hint} Bundled datasets: "
                                f"{', '.join(list_datasets())} (add :test for the test split).")
    return Inputs(load_array(spec, image_size), None, sample_names(spec))


def load_input(spec: str, image_size: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, labels or None)`` of :func:`load_named`."""
    got = load_named(spec, image_size)
    return got.X, got.labels


def check_output(path: str, kinds: tuple[str, ...], flag: str = "-o") -> str:
    """Refuse an output whose suffix the command cannot write, before any work is done. ``kinds``
    from ``OUTPUT_KINDS``, plus ``"folder"`` (a path without a suffix)."""
    suffix = Path(path).suffix.lower()
    allowed = [s for k in kinds if k != "folder" for s in OUTPUT_KINDS[k]]
    if suffix in allowed or (suffix == "" and "folder" in kinds):
        return suffix
    what = ", ".join(allowed) + (" or a folder (no suffix)" if "folder" in kinds else "")
    raise ConfigError(f"{flag} {path!r}: this command writes {what}, not {suffix or 'a folder'!r}.")


def short_name(name: str, width: int = 12) -> str:
    """A file name cut to fit under one grid image."""
    return name if len(name) <= width else name[:width - 2] + ".."


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


def write_output(path: str, arr: np.ndarray, max_images: int = 16, *, inputs: np.ndarray | None = None,
                 names: list[str] | None = None, columns: list[str] | None = None, label: str = "output",
                 value_range: tuple[float, float] | None = None) -> None:
    """``.png``: a grid of the first ``max_images`` (rows of 16), under a row of their ``inputs`` when
    given, captioned with ``names``; else the array as ``.npy``/``.csv`` (a CSV has a header,
    ``columns``, and a ``name`` column when ``names`` are given). ``value_range``: the units every
    row is drawn in (default: the range of what is shown)."""
    if Path(path).suffix.lower() == ".png":
        from ..plots import image_grid

        if arr.ndim not in (3, 4):
            raise ConfigError(f"A .png output needs images, but the result has shape {arr.shape}; "
                              "write .npy or .csv instead.")
        imgs = arr[:max_images]
        shown = [imgs] if inputs is None else [np.asarray(inputs[:len(imgs)], np.float32), imgs]
        lo, hi = value_range or (float(min(np.min(a) for a in shown)), float(max(np.max(a) for a in shown)))
        per_row = min(16, len(imgs))
        if inputs is None:
            rows = [imgs[i:i + per_row] for i in range(0, len(imgs) - len(imgs) % per_row, per_row)]  # full rows
            labels, captions = [""] * len(rows), None
        else:  # pairs of rows: the inputs, then what the command made of them
            rows, labels = [], []
            for i in range(0, len(imgs) - len(imgs) % per_row, per_row):
                rows += [shown[0][i:i + per_row], imgs[i:i + per_row]]
                labels += ["input", label]
            captions = [short_name(n) for n in names[:per_row]] if names and len(imgs) <= per_row else None
        image_grid(rows, labels, path, vmin=lo, vmax=hi if hi > lo else lo + 1, captions=captions)
    else:
        save_array(path, arr, columns=columns, names=names)
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
        kw["action"] = _given(kw.get("action", "store"))
        p.add_argument(flag, help=help_.replace("%", "%%"), **kw)


def _given(action: str) -> type:
    """The argparse action ``action`` that also records its ``dest`` in ``namespace.given_params``:
    which estimator flags the user typed (a recipe's values give way to those alone)."""
    base = {"store": argparse._StoreAction, "store_false": argparse._StoreFalseAction,
            "append": argparse._AppendAction}[action]

    class Given(base):
        def __call__(self, parser, namespace, values, option_string=None):
            super().__call__(parser, namespace, values, option_string)
            given = set(getattr(namespace, "given_params", ()) or ())
            namespace.given_params = given | {self.dest}

    return Given


def given_params(args: argparse.Namespace) -> set[str]:
    """The estimator parameters whose flags were typed (see :func:`add_estimator_args`)."""
    return set(getattr(args, "given_params", ()) or ())


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


def model_value_range(ae) -> tuple[float, float]:
    """The units a model's data came in (images: the training range, e.g. 0..255 or 0..16): pictures of
    inputs and outputs are drawn in these, so a bright outlier does not grey out everything else."""
    lo = float(ae.scaler_.shift_.min())
    hi = float((ae.scaler_.shift_ + ae.scaler_.scale_).max())
    return lo, hi if hi > lo else lo + 1


def load_autoencoder(path: str, n_threads: int | None):
    """A saved auto-encoder that infers with ``n_threads`` (``--threads``) on this machine."""
    from ..estimators import AutoEncoder

    return AutoEncoder.load(path).set_params(n_threads=n_threads)


__all__ = ["Inputs", "model_value_range", "add_data_args", "add_estimator_args", "add_threads_arg", "check_output", "estimator_kwargs",
           "formatter", "given_params", "load_autoencoder", "load_input", "load_named", "parse_options", "short_name",
           "write_output"]
