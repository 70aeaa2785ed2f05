"""A learned lossy image codec and its ``.aek`` file format.

``images -> analysis transform -> rounding -> learned entropy model + constriction's ANS coder
-> bytes``, and back through the synthesis transform. Python API::

    from aekit.compression import compress, decompress
    data = compress(images, quality=3)        # (n, 28, 28) values 0..255 -> bytes of an .aek file
    images = decompress(data)                 # -> uint8 (n, 28, 28)

``model`` names a bundled codec (``"mnist"``) or a folder written by ``train_codec`` /
``aekit train-codec``; ``decompress`` finds a bundled codec from the weights' hash stored in the file.
"""

from __future__ import annotations

import os

from ..errors import CodecError
from . import format as fmt
from .codec import Codec, save_codec
from .model import CodecConfig, CodecModel
from .training import train_codec
from .zoo import bundled_codec_for, bundled_codecs, load_codec


def compress(images, quality: int = 3, model: str | os.PathLike | Codec = "mnist") -> bytes:
    """Images (``(n, H, W)`` or ``(n, C, H, W)``, values 0..255) -> the bytes of an ``.aek`` file."""
    return load_codec(model).compress(images, quality)


def decompress(data: bytes, model: str | os.PathLike | Codec | None = None):
    """The bytes of an ``.aek`` file -> uint8 images; ``model`` defaults to the bundled codec that wrote it."""
    codec = bundled_codec_for(fmt.unpack(data)[0]) if model is None else load_codec(model)
    return codec.decompress(data)


__all__ = ["Codec", "CodecConfig", "CodecError", "CodecModel", "bundled_codecs", "compress", "decompress",
           "load_codec", "save_codec", "train_codec"]
