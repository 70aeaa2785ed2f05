"""Entropy coding of quantised latents with ``constriction``'s coders (no home-made coder).

A :class:`TableCoder` holds integer frequency tables, one categorical model per row (a latent
element of a factorized prior, or a scale level of a Gaussian conditional). Every symbol names
the row that codes it. The tables are integers (stored with the weights, or computed from
constants), so both sides build identical models: the coding never depends on float round-off.

Format version 2 codes with constriction's range coder (a queue: Pasco 1976, Martin 1979), and
a payload is the shortest byte string that decodes to the symbols (:func:`shortest_payload`):
a range-coded message is a number in an interval of width about ``2**-bits``, and any number in
it will do, so the payload is the shortest one, as big-endian bytes whose missing tail reads as
zeros. A single digit then costs its entropy-model estimate plus under a byte, where the
32-bit words of an ANS stack (format version 1, kept to read old files) spent about 4.5 more.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..errors import CodecError
from .entropy_models import TABLE_PRECISION

# what constriction raises on data that no model produced (it asserts in places)
DECODE_ERRORS = (ValueError, RuntimeError, OverflowError, AssertionError, IndexError)


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
        # every row as one model family: a vector of n symbols, one per row, in one call (the padding
        # beyond a row's length gets constriction's smallest probability, so it is never chosen)
        self._family = constriction.stream.model.Categorical(perfect=False)
        self._probs = self.freqs.astype(np.float64) / total  # (n, L)
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

    def _index(self, symbols: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return (np.asarray(symbols, np.int64) - self.offsets[rows]).ravel().astype(np.int32)

    # -- format version 2: range coder (a queue: decoded in the order encoded) -----------------
    def encode_grouped(self, enc, symbols: np.ndarray, rows: np.ndarray) -> None:
        """Clamped ``symbols``, grouped by row (one model per call): :meth:`decode_grouped` reads them."""
        idx = self._index(symbols, rows)
        for row, pos in self._groups(rows):
            enc.encode(np.ascontiguousarray(idx[pos]), self._models[row])

    def decode_grouped(self, dec, rows: np.ndarray) -> np.ndarray:
        """(Also reads version-1 ANS stacks: their encoder pushed the groups in reverse.)"""
        out = np.empty(rows.size, np.int64)
        for row, pos in self._groups(rows):
            out[pos] = dec.decode(self._models[row], len(pos))
        return out.reshape(rows.shape) + self.offsets[rows]

    def encode_rows(self, enc, symbols: np.ndarray) -> None:
        """``symbols (n,)``, element ``i`` coded by row ``i``, in one call (one image's code)."""
        enc.encode(self._index(symbols, np.arange(len(self))), self._family, self._probs)

    def decode_rows(self, dec) -> np.ndarray:
        idx = dec.decode(self._family, self._probs).astype(np.int64)
        if np.any(idx >= self.lengths):  # only a forged stream lands on the padding
            raise CodecError("payload decodes to symbols outside the entropy model (corrupt stream).")
        return idx + self.offsets


# -- range-coded payloads (format version 2) ------------------------------------------------------
def new_encoder():
    import constriction

    return constriction.stream.queue.RangeEncoder()


def open_decoder(payload: bytes):
    """A range decoder over ``payload``; the bytes it lacks at the end read as zeros."""
    import constriction

    if payload[-1:] == b"\0":
        raise CodecError("payload ends in a zero byte, which no encoder writes (corrupt stream).")
    words = np.frombuffer(payload + b"\0" * (-len(payload) % 4), dtype=">u4").astype(np.uint32)
    return constriction.stream.queue.RangeDecoder(words)


def shortest_payload(enc, decodes: Callable[[bytes], bool], estimate_bits: float) -> bytes:
    """The shortest byte string that still decodes to what ``enc`` holds.

    The sealed stream, read as a big-endian fraction, is one point ``P`` of the message's final
    interval; any point of that interval decodes to the same symbols. The shortest point with
    ``k`` bytes, if one exists, is ``P`` rounded down or up to ``k`` bytes, and if ``k`` bytes
    suffice so do ``k + 1``. So, from just below the entropy model's estimate upwards, the first
    length whose rounded ``P`` passes ``decodes`` (the real decoder, so the check is exact) is
    the shortest. Trailing zero bytes are dropped (the decoder reads missing bytes as zeros).
    """
    full = enc.get_compressed().astype(">u4").tobytes().rstrip(b"\0")
    value, n = int.from_bytes(full, "big"), len(full)
    for k in range(max(0, min(n, int(estimate_bits // 8))), n):
        floor = value >> (8 * (n - k))
        for cand in (floor, floor + 1):
            if cand < 1 << (8 * k):  # (floor + 1 may carry out of k bytes)
                data = cand.to_bytes(k, "big").rstrip(b"\0")
                if decodes(data):
                    return data
    return full
