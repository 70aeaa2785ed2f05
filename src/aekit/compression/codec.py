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
from . import v1
from .domain import DomainWarning, check_units, warning_for
from .coding import DECODE_ERRORS, TableCoder, new_encoder, open_decoder, shortest_payload
from .entropy_models import gaussian_tables, scale_table
from .model import CodecConfig, CodecModel

KIND = "aekit-codec"
CHUNK = fmt.MAX_STREAM_IMAGES  # images per range-coded stream (bounds what one decoding step holds)
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TABLE_KEYS = ("tables.offsets", "tables.lengths", "tables.freqs")


def _alone(a: np.ndarray | torch.Tensor) -> torch.Tensor:
    """One image's array as a batch of one in fresh float32 memory that torch allocated (so not even
    the alignment of the input depends on the batch it came from)."""
    return torch.tensor(np.asarray(a, np.float32)[None]) if isinstance(a, np.ndarray) else a[None].clone()


class QualityLevel:
    """One trained network + its coding tables: images <-> one range-coded stream.

    Every transform runs on one image at a time (a batch of one). Float kernels (oneDNN, BLAS)
    round differently for different batch sizes, so a batched transform would make an image's
    symbols, and its pixels, depend on the images beside it; one image at a time, they depend on
    the image alone. That costs throughput (a small network pays PyTorch's per-call overhead for
    every image) and buys files that mean the same whatever else was compressed with them."""

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
        self.hash = bytes.fromhex(digest)  # the SHA-256 of the weights file; files store a prefix

    @property
    def hyper(self) -> bool:
        return self.config.entropy == "hyperprior"

    def wrote(self, model_hash: bytes) -> bool:
        """Whether a file's model hash (a prefix of the SHA-256) names these weights."""
        return len(model_hash) >= fmt.HASH_BYTES and self.hash.startswith(model_hash)

    def _prior_rows(self, b: int) -> np.ndarray:
        return np.broadcast_to(np.arange(len(self.prior_coder)), (b, len(self.prior_coder)))

    def _conditional(self, side: np.ndarray) -> tuple[torch.Tensor, np.ndarray]:
        """Side symbols ``(B, n_side)`` -> (mean of each latent element, the scale-table row that codes
        it), image by image: encoder and decoder must pick the same rows, bit for bit."""
        parts = [self.model.hyper_synthesis(_alone(s)) for s in side]
        mean, scale = torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        rows = np.searchsorted(self.scales, scale.numpy().astype(np.float64), side="left")
        return mean, np.minimum(rows, len(self.scales) - 1)

    @torch.no_grad()
    def analyse(self, x: torch.Tensor) -> dict:
        """Images ``(B, C, H, W)`` in [0, 1] -> every integer the stream holds, and the latent the synthesis sees."""
        y = torch.cat([self.model.analysis(_alone(img)) for img in x])  # (B, n_latent)
        if not self.hyper:
            rows = self._prior_rows(len(x))
            sym = self.prior_coder.clamp(torch.round(y).to(torch.int64).numpy(), rows)
            return {"main": sym, "main_rows": rows, "y_hat": torch.from_numpy(sym.astype(np.float32))}
        side_rows = self._prior_rows(len(x))
        z = torch.cat([self.model.side_analysis(_alone(v)) for v in y])
        side = self.prior_coder.clamp(torch.round(z).to(torch.int64).numpy(), side_rows)
        mean, rows = self._conditional(side)
        sym = self.gauss_coder.clamp(torch.round(y - mean).to(torch.int64).numpy(), rows)
        return {"side": side, "side_rows": side_rows, "main": sym, "main_rows": rows,
                "y_hat": torch.from_numpy(sym.astype(np.float32)) + mean}

    @torch.no_grad()
    def pixels(self, y_hat: torch.Tensor) -> np.ndarray:
        """Quantised latent ``(B, n_latent)`` -> uint8 images ``(B, C, H, W)``, image by image."""
        out = torch.cat([self.model.synthesis(_alone(v)) for v in y_hat])
        return np.rint(out.numpy() * 255.0).clip(0, 255).astype(np.uint8)

    def bits(self, a: dict) -> float:
        main = (self.gauss_coder if self.hyper else self.prior_coder).bits(a["main"], a["main_rows"])
        return main + (self.prior_coder.bits(a["side"], a["side_rows"]) if self.hyper else 0.0)

    # -- the stream: per image its per-element code (side information, or the factorized latent),
    #    then the Gaussian residuals of all its images grouped by scale row --------------------
    def encode(self, a: dict) -> bytes:
        """The analysis of a few images -> their shortest range-coded payload."""
        enc = new_encoder()
        for sym in a["side"] if self.hyper else a["main"]:
            self.prior_coder.encode_rows(enc, sym)
        if self.hyper:
            self.gauss_coder.encode_grouped(enc, a["main"], a["main_rows"])
        return shortest_payload(enc, lambda p: self._reads_back(p, a), self.bits(a))

    def _reads_back(self, payload: bytes, a: dict) -> bool:
        """Whether ``payload`` decodes to ``a``'s symbols (the decoder's own steps; equal side
        symbols give the decoder the same scale rows, so ``a``'s rows stand in for them)."""
        try:
            dec = open_decoder(payload)
            if not all(np.array_equal(self.prior_coder.decode_rows(dec), s)
                       for s in (a["side"] if self.hyper else a["main"])):
                return False
            return not self.hyper or np.array_equal(self.gauss_coder.decode_grouped(dec, a["main_rows"]), a["main"])
        except (CodecError, *DECODE_ERRORS):
            return False

    @torch.no_grad()
    def decode(self, payload: bytes, count: int) -> np.ndarray:
        """A payload of ``count`` images -> uint8 ``(count, C, H, W)``."""
        try:
            dec = open_decoder(payload)
            first = np.stack([self.prior_coder.decode_rows(dec) for _ in range(count)])
            if self.hyper:
                mean, rows = self._conditional(first)
                y_hat = torch.from_numpy(self.gauss_coder.decode_grouped(dec, rows).astype(np.float32)) + mean
            else:
                y_hat = torch.from_numpy(first.astype(np.float32))
        except DECODE_ERRORS as exc:
            raise CodecError(f"payload cannot be decoded ({exc}).") from None
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
    check_units(x)
    return np.clip(x, 0, 255) / 255.0


class Codec:
    """A learned lossy image codec: ``compress(images, quality) -> bytes``, ``decompress(bytes) -> images``."""

    def __init__(self, name: str, levels: dict[int, QualityLevel], path: Path | None = None,
                 domain: dict | None = None) -> None:
        self.name = name
        self.levels = dict(sorted(levels.items()))
        self.path = path
        self.domain = domain  # statistics of the training images (aekit.compression.domain)

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
        domain = meta.get("domain")
        return cls(name, levels, Path(path), domain if isinstance(domain, dict) else None)

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
    def _analyses(self, images, lvl: QualityLevel):
        x = _as_batch(images, self.image_shape)
        return [lvl.analyse(torch.from_numpy(x[i:i + CHUNK])) for i in range(0, len(x), CHUNK)]

    def domain_warning(self, images) -> str | None:
        """Why some of ``images`` (values 0..255) will code badly: unlike the training images (a light
        background, a photo); None when they look like them. ``compress`` warns with it."""
        try:
            x = _as_batch(images, self.image_shape) * 255.0
        except DataError:
            return None  # compress itself says what is wrong
        return warning_for(x, self.domain, self.name)

    def compress(self, images, quality: int = 3) -> bytes:
        """Images (values 0..255, ``(n, H, W)`` or ``(n, C, H, W)``) -> the bytes of an ``.aek`` file.

        Each image is coded on its own: its symbols, and the pixels they decode to, are the same
        alone or among others; the images of a file share a range-coded stream (up to ``CHUNK``
        per stream), so a file of many images carries one frame and almost no per-image overhead."""
        lvl = self.level(quality)
        analyses = self._analyses(images, lvl)
        message = self.domain_warning(images)
        if message:
            import warnings

            warnings.warn(message, DomainWarning, stacklevel=2)
        payloads = [lvl.encode(a) for a in analyses]
        counts = [len(a["main"]) for a in analyses]
        return fmt.pack(fmt.Header(lvl.hash[:fmt.HASH_BYTES], int(quality), sum(counts), counts), payloads)

    def _level_of(self, header: fmt.Header) -> QualityLevel:
        """The quality level that wrote a file, or a one-line error saying whose file it is."""
        if header.model_id is not None and header.model_id != self.name:  # version 1 names its codec
            raise CodecError(f"file was made with codec {header.model_id!r}, not {self.name!r}: "
                             f"decode it with that codec (--model).")
        if header.quality not in self.levels:
            raise CodecError(f"file uses quality {header.quality}, which codec {self.name!r} does not have "
                             f"(levels {self.qualities}).")
        lvl = self.levels[header.quality]
        if not lvl.wrote(header.model_hash):
            raise CodecError(f"model hash mismatch: the file was made with weights {header.model_hash.hex()}... "
                             f"(quality {header.quality}), but codec {self.name!r} quality {header.quality} has "
                             f"weights {lvl.hash[:len(header.model_hash)].hex()}...; decode it with the codec that "
                             "wrote it (--model).")
        return lvl

    def decompress(self, data: bytes) -> np.ndarray:
        """The bytes of an ``.aek`` file -> uint8 images ``(n, H, W)`` (grey) or ``(n, C, H, W)``."""
        header, payloads = fmt.unpack(data)
        lvl = self._level_of(header)
        if header.shapes is not None and any(shape != self.image_shape for _, shape in header.shapes):
            raise CodecError(f"file lists image shapes {sorted({s for _, s in header.shapes})}, but codec "
                             f"{self.name!r} codes {self.image_shape}.")
        decode = functools.partial(v1.decode, lvl) if header.version == 1 else lvl.decode
        # stream by stream: memory grows with what really decodes, not with the count a header claims
        out = np.concatenate([decode(payload, n) for n, payload in zip(header.streams, payloads)])
        return out[:, 0] if self.image_shape[0] == 1 else out

    def reconstruct(self, images, quality: int = 3) -> np.ndarray:
        """What ``decompress(compress(images, quality))`` returns, without the entropy coding."""
        lvl = self.level(quality)
        out = np.concatenate([lvl.pixels(a["y_hat"]) for a in self._analyses(images, lvl)])
        return out[:, 0] if self.image_shape[0] == 1 else out

    def estimate_bits(self, images, quality: int = 3) -> float:
        """The entropy model's code length (bits) of the payloads for ``images`` (no frame)."""
        lvl = self.level(quality)
        return sum(lvl.bits(a) for a in self._analyses(images, lvl))

    def __repr__(self) -> str:
        c, h, w = self.image_shape
        return f"Codec({self.name!r}, qualities={self.qualities}, images={h}x{w}x{c})"


def bits_per_pixel(n_bytes: int, count: int, shape: tuple[int, int, int]) -> float:
    return 8.0 * n_bytes / (count * math.prod(shape[1:]))
