"""Codecs that ship inside the package (``weights/NAME``), looked up by name."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..errors import CodecError
from .codec import Codec
from .domain import MNIST_DOMAIN
from .format import Header

WEIGHTS = Path(__file__).resolve().parent / "weights"


def bundled_codecs() -> list[str]:
    return sorted(p.name for p in WEIGHTS.iterdir() if (p / "config.json").is_file()) if WEIGHTS.is_dir() else []


# domains of bundled codecs that predate the recorded one (aekit.compression.domain)
_KNOWN_DOMAINS = {"mnist": MNIST_DOMAIN}


@functools.lru_cache(maxsize=8)
def _load_bundled(name: str) -> Codec:
    codec = Codec.load(WEIGHTS / name)
    if codec.domain is None:
        codec.domain = _KNOWN_DOMAINS.get(name)
    return codec


def load_codec(model: str | os.PathLike | Codec = "mnist") -> Codec:
    """A codec by bundled name (``"mnist"``) or by the path of a folder written by ``train_codec``."""
    if isinstance(model, Codec):
        return model
    spec = str(model)
    if spec in bundled_codecs() and not Path(spec).exists():
        return _load_bundled(spec)
    if Path(spec).exists():
        return Codec.load(spec)
    raise CodecError(f"no codec {spec!r}: it is neither a bundled codec ({', '.join(bundled_codecs()) or 'none'}) "
                     "nor a codec folder. Train one with 'aekit train-codec DATA -o FOLDER'.")


def bundled_codec_for(header: Header) -> Codec:
    """The bundled codec that wrote a file: by the name a version-1 file stores, or by the weights'
    hash a version-2 file stores (with its quality level)."""
    names = [header.model_id] if header.model_id is not None else bundled_codecs()
    for name in names:
        if name in bundled_codecs():
            codec = _load_bundled(name)
            lvl = codec.levels.get(header.quality)
            if header.model_id is not None or (lvl is not None and lvl.wrote(header.model_hash)):
                return codec
    what = f"codec {header.model_id!r}" if header.model_id is not None else \
        f"weights {header.model_hash.hex()}... (quality {header.quality})"
    raise CodecError(f"the file was made with {what}, which is not bundled; pass its codec folder "
                     "(model=... / --model).")
