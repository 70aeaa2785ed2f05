"""Entropy coding of quantised latents with ``constriction``'s ANS coder (no home-made coder).

A :class:`TableCoder` holds integer frequency tables, one categorical model per row (a latent
element of a factorized prior, or a scale level of a Gaussian conditional). Every symbol names
the row that codes it; symbols are coded grouped by row, in a fixed order both sides derive from
data they share, so an image batch is one ANS stream. The tables are integers (stored with the
weights, or computed from constants), so both sides build identical models: the coding never
depends on float round-off.
"""

from __future__ import annotations

import numpy as np

from ..errors import CodecError
from .entropy_models import TABLE_PRECISION


class TableCoder:
    def __init__(self, offsets: np.ndarray, lengths: np.ndarray, freqs: np.ndarray,
                 precision: int = TABLE_PRECISION) -> None:
        import constriction

        self.offsets = np.asarray(offsets, np.int64)
        self.lengths = np.asarray(lengths, np.int64)
        self.freqs = np.asarray(freqs, np.int64)
        self.precision = precision
        n = len(self.offsets)
        if self.lengths.shape != (n,) or self.freqs.ndim != 2 or self.freqs.shape[0] != n \
                or np.any(self.lengths < 2) or np.any(self.lengths > self.freqs.shape[1]):
            raise CodecError("inconsistent entropy-coding tables in the model file.")
        total = float(1 << precision)
        self._models = [constriction.stream.model.Categorical(
            self.freqs[i, :self.lengths[i]].astype(np.float64) / total, perfect=False) for i in range(n)]
        self.lo = self.offsets
        self.hi = self.offsets + self.lengths - 1

    def __len__(self) -> int:
        return len(self.offsets)

    def clamp(self, symbols: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Integer symbols limited to the range their rows code (part of the quantiser)."""
        return np.clip(np.asarray(symbols, np.int64), self.lo[rows], self.hi[rows])

    def bits(self, symbols: np.ndarray, rows: np.ndarray) -> float:
        """Ideal code length (bits) of clamped ``symbols``: the entropy model's rate estimate."""
        f = self.freqs[rows, symbols - self.offsets[rows]]
        return float(np.sum(self.precision - np.log2(f.astype(np.float64))))

    @staticmethod
    def _groups(rows: np.ndarray):
        flat = rows.ravel()
        order = np.argsort(flat, kind="stable")
        keys, starts = np.unique(flat[order], return_index=True)
        ends = np.append(starts[1:], len(flat))
        return [(int(k), order[s:e]) for k, s, e in zip(keys, starts, ends)]

    def push(self, ans, symbols: np.ndarray, rows: np.ndarray) -> None:
        """Put clamped ``symbols`` on the ANS stack so that :meth:`pop` with the same ``rows`` gets them."""
        idx = (np.asarray(symbols, np.int64) - self.offsets[rows]).ravel().astype(np.int32)
        for row, pos in reversed(self._groups(rows)):  # a stack: the decoder pops the first group first
            ans.encode_reverse(np.ascontiguousarray(idx[pos]), self._models[row])

    def pop(self, ans, rows: np.ndarray) -> np.ndarray:
        out = np.empty(rows.size, np.int64)
        for row, pos in self._groups(rows):
            out[pos] = ans.decode(self._models[row], len(pos))
        return out.reshape(rows.shape) + self.offsets[rows]


def new_stream():
    import constriction

    return constriction.stream.stack.AnsCoder()


def stream_bytes(ans) -> bytes:
    return ans.get_compressed().astype("<u4").tobytes()


def open_stream(payload: bytes):
    import constriction

    if len(payload) % 4:
        raise CodecError(f"payload of {len(payload)} bytes is not a whole number of 32-bit words.")
    try:
        return constriction.stream.stack.AnsCoder(np.frombuffer(payload, dtype="<u4").astype(np.uint32))
    except (ValueError, RuntimeError, OverflowError) as exc:
        raise CodecError(f"payload cannot be decoded ({exc}).") from None
