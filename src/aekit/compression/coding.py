"""Entropy coding of quantised latents with ``constriction``'s ANS coder (no home-made coder).

Each latent element ``i`` has a fixed categorical model built from its integer frequency table
(``offsets[i]``, ``lengths[i]``, ``freqs[i]``; see ``FactorizedPrior.tables``). The tables are
stored with the weights, so both sides build identical models from identical integers: the
coding never depends on float round-off of a network. A chunk of images is one ANS stream:
element by element, every image's symbol of that element is coded with that element's model.
"""

from __future__ import annotations

import numpy as np

from ..errors import CodecError
from .entropy_models import TABLE_PRECISION


class SymbolCoder:
    """Encode/decode integer latents ``(B, n)`` with one categorical model per element."""

    def __init__(self, offsets: np.ndarray, lengths: np.ndarray, freqs: np.ndarray,
                 precision: int = TABLE_PRECISION) -> None:
        import constriction

        self.offsets = np.asarray(offsets, np.int64)
        self.lengths = np.asarray(lengths, np.int64)
        self.freqs = np.asarray(freqs, np.int64)
        self.precision = precision
        n = len(self.offsets)
        if self.lengths.shape != (n,) or self.freqs.shape[0] != n or np.any(self.lengths < 1) \
                or np.any(self.lengths > self.freqs.shape[1]):
            raise CodecError("inconsistent entropy-coding tables in the model file.")
        total = float(1 << precision)
        self._models = [constriction.stream.model.Categorical(
            self.freqs[i, :self.lengths[i]].astype(np.float64) / total, perfect=False) for i in range(n)]
        self.lo = self.offsets
        self.hi = self.offsets + self.lengths - 1

    @property
    def n(self) -> int:
        return len(self.offsets)

    def clamp(self, symbols: np.ndarray) -> np.ndarray:
        """Integer symbols limited to the range each element's table codes (part of the quantiser)."""
        return np.clip(np.asarray(symbols, np.int64), self.lo[None, :], self.hi[None, :])

    def bits(self, symbols: np.ndarray) -> float:
        """Ideal code length (bits) of clamped ``symbols (B, n)``: the entropy model's rate estimate."""
        idx = (symbols - self.offsets[None, :]).T  # (n, B)
        f = np.take_along_axis(self.freqs, idx, axis=1)
        return float(np.sum(self.precision - np.log2(f.astype(np.float64))))

    def encode(self, symbols: np.ndarray) -> bytes:
        """Clamped symbols ``(B, n)`` -> one ANS stream (a multiple of 4 bytes)."""
        import constriction

        idx = (np.asarray(symbols, np.int64) - self.offsets[None, :]).astype(np.int32)
        coder = constriction.stream.stack.AnsCoder()
        for i in reversed(range(self.n)):  # a stack: the decoder pops element 0 first
            coder.encode_reverse(np.ascontiguousarray(idx[:, i]), self._models[i])
        return coder.get_compressed().astype("<u4").tobytes()

    def decode(self, payload: bytes, count: int) -> np.ndarray:
        """One ANS stream -> symbols ``(count, n)``; ``CodecError`` if it is not a whole stream."""
        import constriction

        if len(payload) % 4:
            raise CodecError(f"payload of {len(payload)} bytes is not a whole number of 32-bit words.")
        words = np.frombuffer(payload, dtype="<u4").astype(np.uint32)
        try:
            coder = constriction.stream.stack.AnsCoder(words)
            out = np.empty((count, self.n), np.int64)
            for i in range(self.n):
                out[:, i] = coder.decode(self._models[i], count)
        except (ValueError, RuntimeError, OverflowError) as exc:
            raise CodecError(f"payload cannot be decoded ({exc}).") from None
        if not coder.is_empty():
            raise CodecError("payload holds more data than its images need (corrupt stream).")
        return out + self.offsets[None, :]
