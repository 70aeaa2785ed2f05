"""The one checkpoint format: a folder with ``config.json`` and safetensors files.

``config.json`` holds a format tag, a format version, the configs and the
SHA-256 of every weights file; weights are safetensors (plain tensors, never
pickle, so loading a file cannot run code). Folders are written to a temporary
sibling and swapped in with ``os.rename``, so a process killed mid-write leaves
the previous checkpoint intact rather than a half-written one. Files and folder get
the modes a plain write would give (``aekit.atomic.plain_mode``): those of the
checkpoint they replace, else the user's umask's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .atomic import plain_mode
from .errors import CheckpointError

FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
_KIND_HINTS = {  # where each kind of checkpoint comes from, for error messages
    "aekit-model": "a model folder written by model.save() or aekit train -o "
                   "(training state in checkpoint_dir/last is resumed with fit(..., resume=True))",
    "aekit-train-state": "a training checkpoint_dir/last folder",
    "aekit-detector": "a detector folder written by AnomalyDetector.save() or 'aekit detect fit -o' "
                      "(a plain auto-encoder is not a detector: train one with 'aekit detect fit')",
}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _json_default(obj: Any) -> Any:
    """NumPy scalars/arrays in configs (e.g. hyper-parameters from a grid search) as plain JSON."""
    if hasattr(obj, "tolist") and type(obj).__module__ == "numpy":
        return obj.tolist()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_checkpoint(path: str | os.PathLike, kind: str, meta: dict[str, Any],
                     tensors: dict[str, dict[str, torch.Tensor]]) -> Path:
    """Atomically write folder ``path`` with ``config.json`` and one safetensors file per entry of ``tensors``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = path.parent / f".{path.name}.tmp-{tag}"
    tmp.mkdir()
    try:
        hashes = {}
        for fname, tdict in tensors.items():
            # safetensors wants contiguous, unshared CPU tensors
            clean = {k: v.detach().to("cpu").contiguous().clone() for k, v in tdict.items()}
            save_file(clean, str(tmp / fname))
            os.chmod(tmp / fname, plain_mode(path / fname))  # safetensors writes 0600
            hashes[fname] = _sha256(tmp / fname)
        doc = {"format": kind, "format_version": FORMAT_VERSION, "files": hashes, **meta}
        with open(tmp / CONFIG_NAME, "w") as f:
            json.dump(doc, f, indent=2, sort_keys=False, default=_json_default)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp / CONFIG_NAME, plain_mode(path / CONFIG_NAME))
        os.chmod(tmp, plain_mode(path, directory=True))
        _fsync_dir(tmp)
        if path.exists():
            old = path.parent / f".{path.name}.old-{tag}"
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
        _fsync_dir(path.parent)
        _remove_stale(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(path: Path) -> None:
    """Delete temporary/previous copies of ``path`` left by a process killed mid-write.

    Called right after ``path`` was written completely, so they are no longer needed;
    copies of another live process (``.NAME.tmp-PID-...``) are left alone.
    """
    for p in [*path.parent.glob(f".{path.name}.tmp-*"), *path.parent.glob(f".{path.name}.old-*")]:
        try:
            pid = int(p.name.rsplit(".", 1)[-1].split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid() or not _pid_alive(pid):
            shutil.rmtree(p, ignore_errors=True)


def checkpoint_exists(path: str | os.PathLike) -> bool:
    """Whether a checkpoint is at ``path``, or the intact previous copy of an interrupted swap."""
    path = Path(path)
    return path.exists() or any(path.parent.glob(f".{path.name}.old-*"))


def _resolve(path: Path) -> Path:
    """The checkpoint folder, or the intact previous copy if a swap was interrupted."""
    if path.is_dir():
        return path
    olds = sorted(path.parent.glob(f".{path.name}.old-*"), key=lambda p: p.stat().st_mtime) if path.parent.is_dir() else []
    if olds:
        return olds[-1]
    if path.exists():
        raise CheckpointError(
            f"{str(path)!r} is a file, but an aekit checkpoint is a folder holding {CONFIG_NAME} and "
            "*.safetensors files. Pass the folder that model.save() wrote."
        )
    raise FileNotFoundError(
        f"No aekit checkpoint at {str(path)!r}: the folder does not exist. "
        "Check the path, or train and save a model first (aekit train ... -o FOLDER)."
    )


def read_meta(path: str | os.PathLike, kind: str | None = None) -> tuple[Path, dict[str, Any]]:
    path = _resolve(Path(path))
    cfg = path / CONFIG_NAME
    if not cfg.is_file():
        raise CheckpointError(
            f"{str(path)!r} is not an aekit checkpoint: {CONFIG_NAME} is missing. "
            "Pass the folder written by save() / aekit train -o."
        )
    try:
        meta = json.loads(cfg.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"Corrupt checkpoint {str(path)!r}: {CONFIG_NAME} is not valid JSON ({exc}). "
                              "Re-save or re-train the model.") from None
    if not isinstance(meta, dict) or "format" not in meta or "files" not in meta:
        raise CheckpointError(f"Corrupt checkpoint {str(path)!r}: {CONFIG_NAME} lacks the 'format'/'files' "
                              "entries aekit writes. Re-save or re-train the model.")
    if kind is not None and meta["format"] != kind:
        raise CheckpointError(
            f"{str(path)!r} holds a {meta['format']!r} checkpoint, not the {kind!r} expected here. "
            f"Pass {_KIND_HINTS.get(kind, f'a folder holding a {kind!r} checkpoint')}."
        )
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            f"{str(path)!r} has checkpoint format version {version!r}; this aekit reads versions up to "
            f"{FORMAT_VERSION}. Upgrade aekit to load it."
        )
    return path, meta


def read_checkpoint(path: str | os.PathLike, kind: str | None = None
                    ) -> tuple[dict[str, Any], dict[str, dict[str, torch.Tensor]]]:
    """Read and verify a checkpoint folder: returns ``(meta, {file: tensors})``."""
    path, meta = read_meta(path, kind)
    tensors = {}
    for fname, digest in meta["files"].items():
        fpath = path / fname
        if not fpath.is_file():
            raise CheckpointError(f"Corrupt checkpoint {str(path)!r}: weights file {fname!r} is missing.")
        if _sha256(fpath) != digest:
            raise CheckpointError(
                f"Corrupt checkpoint {str(path)!r}: {fname!r} does not match the SHA-256 recorded in "
                f"{CONFIG_NAME} (truncated or modified file). Re-save or re-train the model."
            )
        try:
            tensors[fname] = load_file(str(fpath))
        except (SafetensorError, OSError, ValueError) as exc:
            raise CheckpointError(f"Corrupt checkpoint {str(path)!r}: cannot read {fname!r} ({exc}).") from None
    return meta, tensors


@functools.lru_cache(maxsize=8)
def _load_cached(cls: type, path: str) -> Any:
    return cls.load(path)


def load_bundled(model: Any, cls: type, *, name: str, folder: Path, what: str, script: str) -> Any:
    """``model`` as a fitted ``cls``: one already loaded, a folder saved by ``cls.save``, or ``None`` /
    ``name`` for the model that ships in ``folder`` (``script`` makes it). Loaded models are cached, so
    the web page and the tour load each folder once."""
    if isinstance(model, cls):
        return model
    if model is None or str(model) == name:
        if not (folder / "config.json").exists():
            raise FileNotFoundError(f"the bundled {what} model is missing from {str(folder)!r}; train it with "
                                    f"python {script}, or pass a model folder.")
        model = folder
    return _load_cached(cls, str(Path(model).resolve()))
