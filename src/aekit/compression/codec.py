"""``Codec``: a family of trained quality levels, and the compress / decompress of image batches.

A codec is a checkpoint folder (kind ``aekit-codec``): ``config.json`` with its name and the
``CodecConfig`` of every quality level, and one ``qN.safetensors`` per level holding the network
weights and the integer entropy-coding tables. The SHA-256 of that file (recorded by the
checkpoint) identifies the model in every ``.aek`` file it writes.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import read_checkpoint, write_checkpoint
from ..config import from_dict, to_dict
from ..errors import CodecError, ConfigError, DataError
from . import format as fmt
from .coding import SymbolCoder
from .model import CodecConfig, CodecModel

KIND = "aekit-codec"
CHUNK = 256  # images per ANS stream; also the batch of every transform, so decoding is exact
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TABLE_KEYS = ("tables.offsets", "tables.lengths", "tables.freqs")


class QualityLevel:
    """One trained network + its coding tables."""

    def __init__(self, config: CodecConfig, state: dict[str, torch.Tensor], digest: str) -> None:
        self.config = config
        self.model = CodecModel(config)
        weights = {k: v for k, v in state.items() if not k.startswith("tables.")}
        try:
            self.model.load_state_dict(weights)
            offsets, lengths, freqs = (state[k].numpy() for k in _TABLE_KEYS)
        except (RuntimeError, KeyError) as exc:
            raise CodecError(f"codec weights do not fit quality {config.quality}'s config ({exc}).") from None
        self.model.eval()
        self.coder = SymbolCoder(offsets, lengths, freqs)
        self.digest = digest
        self.hash = bytes.fromhex(digest)[:fmt.HASH_BYTES]

    def symbols(self, x: torch.Tensor) -> np.ndarray:
        """Images ``(B, C, H, W)`` in [0, 1] -> clamped integer latents ``(B, n)``."""
        with torch.no_grad():
            y = self.model.analysis(x)
        return self.coder.clamp(torch.round(y).to(torch.int64).numpy())

    def pixels(self, symbols: np.ndarray) -> np.ndarray:
        """Integer latents ``(B, n)`` -> uint8 images ``(B, C, H, W)``."""
        with torch.no_grad():
            x_hat = self.model.synthesis(torch.from_numpy(symbols.astype(np.float32)))
        return np.rint(x_hat.numpy() * 255.0).clip(0, 255).astype(np.uint8)


def state_with_tables(model: CodecModel) -> dict[str, torch.Tensor]:
    """The weights of ``model`` plus its integer coding tables, ready for a ``qN.safetensors`` file."""
    offsets, freqs = model.prior.tables()
    lengths = (freqs > 0).sum(1)
    return {**{k: v.detach().clone() for k, v in model.state_dict().items()},
            "tables.offsets": torch.from_numpy(offsets), "tables.lengths": torch.from_numpy(lengths),
            "tables.freqs": torch.from_numpy(freqs)}


def save_codec(path: str | os.PathLike, name: str, models: list[CodecModel], extra: dict | None = None) -> Path:
    """Write a codec folder with one file per quality level (``models`` sorted by quality)."""
    if not _NAME.match(name):
        raise ConfigError(f"codec name {name!r} must be 1-64 letters, digits, '_', '-' or '.'.")
    files, configs = {}, []
    for m in models:
        files[f"q{m.config.quality}.safetensors"] = state_with_tables(m)
        configs.append(to_dict(m.config))
    return write_checkpoint(path, KIND, {"name": name, "qualities": configs, **(extra or {})}, files)


def _as_batch(images, shape: tuple[int, int, int]) -> np.ndarray:
    """User images (one ``(H, W)``, ``(n, H, W)`` or ``(n, C, H, W)``, values 0..255) -> float ``(n, C, H, W)``."""
    x = np.asarray(images)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise DataError(f"images must be a numeric array, got dtype {x.dtype}.")
    c, h, w = shape
    if x.ndim == 2 and c == 1:
        x = x[None]
    if x.ndim == 3 and c == 1:
        x = x[:, None]
    if x.ndim != 4 or tuple(x.shape[1:]) != shape:
        raise DataError(f"images of shape {tuple(np.shape(images))} do not fit this codec, which codes "
                        f"{h}x{w} images with {c} channel(s): pass (n, {h}, {w})" +
                        (f" or (n, {c}, {h}, {w})" if c == 1 else f" (n, {c}, {h}, {w})") +
                        " arrays with values 0..255, or train a codec for your size (aekit train-codec).")
    if len(x) == 0:
        raise DataError("no images to compress.")
    x = x.astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise DataError("images hold NaN or inf values.")
    return np.clip(x, 0, 255) / 255.0


class Codec:
    """A learned lossy image codec: ``compress(images, quality) -> bytes``, ``decompress(bytes) -> images``."""

    def __init__(self, name: str, levels: dict[int, QualityLevel], path: Path | None = None) -> None:
        self.name = name
        self.levels = dict(sorted(levels.items()))
        self.path = path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Codec":
        meta, files = read_checkpoint(path, KIND)
        name = meta.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise CodecError(f"codec folder {str(path)!r} has an invalid name {name!r}.")
        levels = {}
        for cfg_dict in meta.get("qualities", []):
            cfg = from_dict(CodecConfig, cfg_dict, what="codec quality config")
            fname = f"q{cfg.quality}.safetensors"
            if fname not in files:
                raise CodecError(f"codec folder {str(path)!r} lacks {fname}.")
            levels[cfg.quality] = QualityLevel(cfg, files[fname], meta["files"][fname])
        if not levels:
            raise CodecError(f"codec folder {str(path)!r} holds no quality levels.")
        return cls(name, levels, Path(path))

    @property
    def qualities(self) -> list[int]:
        return list(self.levels)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return next(iter(self.levels.values())).config.image_shape

    def level(self, quality: int) -> QualityLevel:
        if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or int(quality) not in self.levels:
            raise ConfigError(f"quality={quality!r} is not a level of codec {self.name!r}; "
                              f"choose one of {self.qualities} (1 = smallest files).")
        return self.levels[int(quality)]

    # -- the two directions ---------------------------------------------------------------
    def _symbols(self, x: np.ndarray, lvl: QualityLevel) -> list[np.ndarray]:
        return [lvl.symbols(torch.from_numpy(x[i:i + CHUNK])) for i in range(0, len(x), CHUNK)]

    def compress(self, images, quality: int = 3) -> bytes:
        """Images (values 0..255, ``(n, H, W)`` or ``(n, C, H, W)``) -> the bytes of an ``.aek`` file."""
        lvl = self.level(quality)
        x = _as_batch(images, self.image_shape)
        chunks = self._symbols(x, lvl)
        payloads = [lvl.coder.encode(s) for s in chunks]
        header = fmt.Header(self.name, lvl.hash, int(quality), [(len(x), self.image_shape)],
                            [(len(s), 0, 0) for s in chunks])
        return fmt.pack(header, payloads)

    def decompress(self, data: bytes) -> np.ndarray:
        """The bytes of an ``.aek`` file -> uint8 images ``(n, H, W)`` (grey) or ``(n, C, H, W)``."""
        header, payloads = fmt.unpack(data)
        if header.model_id != self.name:
            raise CodecError(f"file was made with codec {header.model_id!r}, not {self.name!r}: "
                             f"decode it with that codec (--model).")
        if header.quality not in self.levels:
            raise CodecError(f"file uses quality {header.quality}, which codec {self.name!r} does not have "
                             f"(levels {self.qualities}).")
        lvl = self.levels[header.quality]
        if header.model_hash != lvl.hash:
            raise CodecError(f"model hash mismatch: the file was made with weights {header.model_hash.hex()} "
                             f"of {self.name!r} quality {header.quality}, but the loaded weights are "
                             f"{lvl.hash.hex()}; decode with the codec version that wrote it.")
        if any(shape != self.image_shape for _, shape in header.groups):
            raise CodecError(f"file lists image shapes {sorted({s for _, s in header.groups})}, but codec "
                             f"{self.name!r} codes {self.image_shape}.")
        out = np.empty((header.count, *self.image_shape), np.uint8)
        pos = 0
        for (n, _, _), payload in zip(header.streams, payloads):
            if n > CHUNK:
                raise CodecError(f"payload of {n} images exceeds the {CHUNK} per stream this format allows.")
            out[pos:pos + n] = lvl.pixels(lvl.coder.decode(payload, n))
            pos += n
        return out[:, 0] if self.image_shape[0] == 1 else out

    def reconstruct(self, images, quality: int = 3) -> np.ndarray:
        """What ``decompress(compress(images, quality))`` returns, without the entropy coding."""
        lvl = self.level(quality)
        x = _as_batch(images, self.image_shape)
        out = np.concatenate([lvl.pixels(s) for s in self._symbols(x, lvl)])
        return out[:, 0] if self.image_shape[0] == 1 else out

    def estimate_bits(self, images, quality: int = 3) -> float:
        """The entropy model's code length (bits) of the payloads for ``images`` (no header)."""
        lvl = self.level(quality)
        return sum(lvl.coder.bits(s) for s in self._symbols(_as_batch(images, self.image_shape), lvl))

    def __repr__(self) -> str:
        c, h, w = self.image_shape
        return f"Codec({self.name!r}, qualities={self.qualities}, images={h}x{w}x{c})"


def bits_per_pixel(n_bytes: int, count: int, shape: tuple[int, int, int]) -> float:
    return 8.0 * n_bytes / (count * math.prod(shape[1:]))
