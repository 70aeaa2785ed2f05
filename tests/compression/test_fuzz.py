"""Fuzz the decoder: thousands of truncated, flipped and forged files, each a CodecError (never a
crash, a hang, another exception or silently wrong pixels), in bounded time."""

from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest

from aekit.compression import format as fmt
from aekit.errors import CodecError

CASES = 3000
BUDGET_S = 60.0  # a hang or a slow path fails the test instead of stalling CI


def _header_len(data: bytes) -> int:
    h, payloads = fmt.unpack(data)
    return len(data) - sum(len(p) for p in payloads) - fmt.CRC_BYTES


def _forge(body: bytes) -> bytes:
    return bytes(body) + struct.pack("<I", zlib.crc32(bytes(body)))


@pytest.mark.parametrize("count", [1, 70])
def test_random_truncations_and_flips_are_always_codec_errors(tiny_codec, tiny_images, count):
    data = tiny_codec.compress(tiny_images[:count], 2)
    rng = np.random.default_rng(count)
    t0 = time.perf_counter()
    kinds = {"truncate": 0, "flip": 0, "insert": 0, "delete": 0}
    for i in range(CASES):
        buf = bytearray(data)
        kind = ("truncate", "flip", "flip", "insert", "delete")[i % 5]
        kinds[kind] += 1
        if kind == "truncate":
            buf = buf[:rng.integers(0, len(buf))]
        elif kind == "flip":
            for _ in range(rng.integers(1, 4)):
                buf[rng.integers(0, len(buf))] ^= int(rng.integers(1, 256))
        elif kind == "insert":
            pos = int(rng.integers(0, len(buf) + 1))
            buf[pos:pos] = rng.integers(0, 256, rng.integers(1, 5), dtype=np.uint8).tobytes()
        else:
            pos = int(rng.integers(0, len(buf)))
            del buf[pos:pos + int(rng.integers(1, 5))]
        with pytest.raises(CodecError):
            tiny_codec.decompress(bytes(buf))
        assert time.perf_counter() - t0 < BUDGET_S, f"fuzzing too slow: {i} cases in {BUDGET_S} s"
    assert min(kinds.values()) >= CASES // 5


@pytest.mark.parametrize("count, cases", [(1, 1000), (70, 300)])
def test_forged_headers_with_valid_crcs_never_crash(tiny_codec, tiny_images, count, cases):
    """Header bytes changed and the CRC recomputed (a forger, not noise): the structural checks
    must still answer with a CodecError, or decode to images of the declared shape."""
    data = tiny_codec.compress(tiny_images[:count], 1)
    hlen = _header_len(data)
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    errors = 0
    for _ in range(cases):
        body = bytearray(data[:-fmt.CRC_BYTES])
        for _ in range(rng.integers(1, 3)):
            body[rng.integers(3, hlen)] = int(rng.integers(0, 256))
        forged = _forge(body)
        try:
            out = tiny_codec.decompress(forged)
        except CodecError:
            errors += 1
            continue
        assert out.dtype == np.uint8 and out.shape[1:] == (16, 12)
        assert time.perf_counter() - t0 < BUDGET_S
    assert errors > 0.9 * cases  # nearly every forgery is caught by the structure, the model hash or the quality


def test_forged_payloads_with_valid_crcs_never_crash(tiny_codec, tiny_images):
    """Payload bytes changed, cut or extended and the CRC recomputed: a range decoder reads any
    bytes as some symbols, so the answer is a CodecError or images of the declared count and shape."""
    data = tiny_codec.compress(tiny_images[:6], 1)
    header, payloads = fmt.unpack(data)
    rng = np.random.default_rng(2)
    t0 = time.perf_counter()
    for _ in range(200):
        p = bytearray(payloads[0])
        kind = rng.integers(0, 3)
        if kind == 0:
            p[rng.integers(0, len(p))] ^= int(rng.integers(1, 256))
        elif kind == 1:
            p = p[:int(rng.integers(0, len(p)))]
        else:
            p += rng.integers(0, 256, rng.integers(1, 9), dtype=np.uint8).tobytes()
        try:
            out = tiny_codec.decompress(fmt.pack(header, [bytes(p)]))
        except CodecError:
            continue
        assert out.shape == (6, 16, 12) and out.dtype == np.uint8
        assert time.perf_counter() - t0 < BUDGET_S
