"""``Codec``: a family of trained quality levels, and the compress / decompress of image batches.

A codec is a checkpoint folder (kind ``aekit-codec``): ``config.json`` with its name and the
``CodecConfig`` of every quality level, and one ``qN.safetensors`` per level holding the network
weights and the integer entropy-coding tables. The SHA-256 of that file (recorded by the
checkpoint) identifies the model in every ``.aek`` file it writes.
"""

from __future__ import annotations

import copy
import functools
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
from .coding import TableCoder, new_stream, open_stream, stream_bytes
from .entropy_models import gaussian_tables, scale_table
from .model import CodecConfig, CodecModel

KIND = "aekit-codec"
CHUNK = 256  # images per ANS stream; also the batch of every transform, so decoding is exact
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TABLE_KEYS = ("tables.offsets", "tables.lengths", "tables.freqs")


class QualityLevel:
    """One trained network + its coding tables: a chunk of images <-> one ANS stream."""

    def __init__(self, config: CodecConfig, state: dict[str, torch.Tensor], digest: str) -> None:
        self.config = config
        self.model = CodecModel(config)
        weights = {k: v.float() for k, v in state.items() if not k.startswith("tables.")}
        try:
            self.model.load_state_dict(weights)
            offsets, lengths, freqs = (state[k].numpy() for k in _TABLE_KEYS)
            freqs = _unragged(lengths, freqs)
        except (RuntimeError, KeyError) as exc:
            raise CodecError(f"codec weights do not fit quality {config.quality}'s config ({exc}).") from None
        self.model.eval()
        self.prior_coder = TableCoder(offsets, lengths, freqs)  # of z (hyperprior) or of y (factorized)
        n_prior = self.model.n_side if self.hyper else self.model.n_latent
        if len(self.prior_coder) != n_prior:
            raise CodecError(f"codec tables hold {len(self.prior_coder)} rows, the network needs {n_prior}.")
        if self.hyper:
            self.scales = scale_table()
            self.gauss_coder = _gauss_coder()
        self.digest = digest
        self.hash = bytes.fromhex(digest)[:fmt.HASH_BYTES]

    @property
    def hyper(self) -> bool:
        return self.config.entropy == "hyperprior"

    def _prior_rows(self, b: int) -> np.ndarray:
        return np.broadcast_to(np.arange(len(self.prior_coder)), (b, len(self.prior_coder)))

    def _conditional(self, side: np.ndarray) -> tuple[torch.Tensor, np.ndarray]:
        """Side symbols -> (mean of each latent element, the scale-table row that codes it)."""
        mean, scale = self.model.hyper_synthesis(torch.from_numpy(side.astype(np.float32)))
        rows = np.searchsorted(self.scales, scale.numpy().astype(np.float64), side="left")
        return mean, np.minimum(rows, len(self.scales) - 1)

    @torch.no_grad()
    def analyse(self, x: torch.Tensor) -> dict:
        """Images ``(B, C, H, W)`` in [0, 1] -> every integer the stream holds, and the latent the synthesis sees."""
        y = self.model.analysis(x)
        if not self.hyper:
            rows = self._prior_rows(len(x))
            sym = self.prior_coder.clamp(torch.round(y).to(torch.int64).numpy(), rows)
            return {"main": sym, "main_rows": rows, "y_hat": torch.from_numpy(sym.astype(np.float32))}
        side_rows = self._prior_rows(len(x))
        side = self.prior_coder.clamp(torch.round(self.model.side_analysis(y)).to(torch.int64).numpy(), side_rows)
        mean, rows = self._conditional(side)
        sym = self.gauss_coder.clamp(torch.round(y - mean).to(torch.int64).numpy(), rows)
        return {"side": side, "side_rows": side_rows, "main": sym, "main_rows": rows,
                "y_hat": torch.from_numpy(sym.astype(np.float32)) + mean}

    @torch.no_grad()
    def pixels(self, y_hat: torch.Tensor) -> np.ndarray:
        """Quantised latent -> uint8 images ``(B, C, H, W)``."""
        return np.rint(self.model.synthesis(y_hat).numpy() * 255.0).clip(0, 255).astype(np.uint8)

    def bits(self, a: dict) -> float:
        main = (self.gauss_coder if self.hyper else self.prior_coder).bits(a["main"], a["main_rows"])
        return main + (self.prior_coder.bits(a["side"], a["side_rows"]) if self.hyper else 0.0)

    def encode(self, a: dict) -> bytes:
        ans = new_stream()
        if self.hyper:  # the decoder pops the side information first
            self.gauss_coder.push(ans, a["main"], a["main_rows"])
            self.prior_coder.push(ans, a["side"], a["side_rows"])
        else:
            self.prior_coder.push(ans, a["main"], a["main_rows"])
        return stream_bytes(ans)

    @torch.no_grad()
    def decode(self, payload: bytes, count: int) -> np.ndarray:
        ans = open_stream(payload)
        try:
            if self.hyper:
                side = self.prior_coder.pop(ans, self._prior_rows(count))
                mean, rows = self._conditional(side)
                y_hat = torch.from_numpy(self.gauss_coder.pop(ans, rows).astype(np.float32)) + mean
            else:
                y_hat = torch.from_numpy(self.prior_coder.pop(ans, self._prior_rows(count)).astype(np.float32))
        except (ValueError, RuntimeError, OverflowError) as exc:
            raise CodecError(f"payload cannot be decoded ({exc}).") from None
        if not ans.is_empty():
            raise CodecError("payload holds more data than its images need (corrupt stream).")
        return self.pixels(y_hat)


@functools.lru_cache(maxsize=1)
def _gauss_coder() -> TableCoder:
    return TableCoder(*gaussian_tables(scale_table()))


def state_with_tables(model: CodecModel) -> dict[str, torch.Tensor]:
    """The weights of ``model`` as float16 (half the size; the loaded codec is exactly what was
    measured) plus the integer coding tables of its float16 prior, ready for a ``qN.safetensors``
    file. Tables are stored ragged: row ``i`` holds ``lengths[i]`` frequencies."""
    state = {k: v.detach().to(torch.float16).clone() for k, v in model.state_dict().items()}
    prior = copy.deepcopy(model.prior)
    prior.load_state_dict({k[len("prior."):]: v.float() for k, v in state.items() if k.startswith("prior.")})
    offsets, freqs = prior.tables()
    lengths = (freqs > 0).sum(1)
    ragged = np.concatenate([freqs[i, :lengths[i]] for i in range(len(lengths))]).astype(np.int32)
    return {**state, "tables.offsets": torch.from_numpy(offsets), "tables.lengths": torch.from_numpy(lengths),
            "tables.freqs": torch.from_numpy(ragged)}


def _unragged(lengths: np.ndarray, flat: np.ndarray) -> np.ndarray:
    lengths = np.asarray(lengths, np.int64)
    if lengths.ndim != 1 or np.any(lengths < 2) or flat.ndim != 1 or lengths.sum() != len(flat):
        raise CodecError("inconsistent entropy-coding tables in the model file.")
    out = np.zeros((len(lengths), int(lengths.max())), np.int64)
    mask = np.arange(out.shape[1])[None, :] < lengths[:, None]
    out[mask] = flat
    return out


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
    def _chunks(self, images, lvl: QualityLevel) -> list[dict]:
        x = _as_batch(images, self.image_shape)
        return [lvl.analyse(torch.from_numpy(x[i:i + CHUNK])) for i in range(0, len(x), CHUNK)]

    def compress(self, images, quality: int = 3) -> bytes:
        """Images (values 0..255, ``(n, H, W)`` or ``(n, C, H, W)``) -> the bytes of an ``.aek`` file."""
        lvl = self.level(quality)
        chunks = self._chunks(images, lvl)
        payloads = [lvl.encode(a) for a in chunks]
        counts = [len(a["main"]) for a in chunks]
        header = fmt.Header(self.name, lvl.hash, int(quality), [(sum(counts), self.image_shape)],
                            [(n, 0, 0) for n in counts])
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
        if any(n > CHUNK for n, _, _ in header.streams):
            raise CodecError(f"a payload holds more than the {CHUNK} images per stream this codec writes.")
        # chunk by chunk: memory grows with what really decodes, not with the count a header claims
        out = np.concatenate([lvl.decode(payload, n) for (n, _, _), payload in zip(header.streams, payloads)])
        return out[:, 0] if self.image_shape[0] == 1 else out

    def reconstruct(self, images, quality: int = 3) -> np.ndarray:
        """What ``decompress(compress(images, quality))`` returns, without the entropy coding."""
        lvl = self.level(quality)
        out = np.concatenate([lvl.pixels(a["y_hat"]) for a in self._chunks(images, lvl)])
        return out[:, 0] if self.image_shape[0] == 1 else out

    def estimate_bits(self, images, quality: int = 3) -> float:
        """The entropy model's code length (bits) of the payloads for ``images`` (no header)."""
        lvl = self.level(quality)
        return sum(lvl.bits(a) for a in self._chunks(images, lvl))

    def __repr__(self) -> str:
        c, h, w = self.image_shape
        return f"Codec({self.name!r}, qualities={self.qualities}, images={h}x{w}x{c})"


def bits_per_pixel(n_bytes: int, count: int, shape: tuple[int, int, int]) -> float:
    return 8.0 * n_bytes / (count * math.prod(shape[1:]))
