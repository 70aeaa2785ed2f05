"""The .aek container on its own: round trip, and every kind of damage is a clear CodecError."""

from __future__ import annotations

import struct
import zlib

import pytest

from aekit.compression import format as fmt
from aekit.errors import CodecError


def _file(payloads=(b"\x01\x02\x03\x04" * 3, b"\xff" * 8), counts=(3, 2)) -> bytes:
    h = fmt.Header("mnist", b"\xab" * fmt.HASH_BYTES, 3, [(sum(counts), (1, 28, 28))],
                   [(n, 0, 0) for n in counts])
    return fmt.pack(h, list(payloads))


def test_round_trip_keeps_every_field():
    data = _file()
    h, payloads = fmt.unpack(data)
    assert (h.model_id, h.model_hash, h.quality, h.count) == ("mnist", b"\xab" * 8, 3, 5)
    assert h.shapes() == [(1, 28, 28)] * 5
    assert payloads == [b"\x01\x02\x03\x04" * 3, b"\xff" * 8]
    assert [s[:2] for s in h.streams] == [(3, 12), (2, 8)]
    assert data.startswith(fmt.MAGIC)


def test_header_is_small_and_shared():
    # the overhead of a file is a few dozen bytes however many images share it
    overhead = len(_file()) - 20
    assert overhead < 70


def test_wrong_magic():
    with pytest.raises(CodecError, match="not an aekit compressed file"):
        fmt.unpack(b"\x89PNG" + _file()[4:])


def test_unknown_version_says_so():
    data = bytearray(_file())
    data[4:6] = struct.pack("<H", fmt.FORMAT_VERSION + 1)
    with pytest.raises(CodecError, match="unsupported .aek format version 2"):
        fmt.unpack(bytes(data))


def test_every_truncation_is_a_clear_error():
    data = _file()
    for n in range(len(data)):
        with pytest.raises(CodecError):
            fmt.unpack(data[:n])


def test_trailing_bytes_and_flipped_payload():
    data = _file()
    with pytest.raises(CodecError, match="unexpected bytes"):
        fmt.unpack(data + b"\x00")
    flipped = bytearray(data)
    flipped[-1] ^= 0x10
    with pytest.raises(CodecError, match="payload 2 of 2 is corrupt"):
        fmt.unpack(bytes(flipped))


def test_header_flip_caught_by_crc():
    data = bytearray(_file())
    data[14] ^= 0x01  # inside the model hash: the structure still parses, the CRC does not match
    with pytest.raises(CodecError, match="CRC32"):
        fmt.unpack(bytes(data))


def test_huge_counts_are_refused_before_allocating():
    # a forged header (valid CRC) that claims 65535 shape runs in a 40-byte file
    h = bytearray(fmt.MAGIC + struct.pack("<HHB", 1, 0, 1) + b"m" + b"\0" * 8 + struct.pack("<BH", 1, 0xFFFF))
    h += struct.pack("<I", zlib.crc32(bytes(h)))
    with pytest.raises(CodecError, match="do not fit"):
        fmt.unpack(bytes(h))


def test_non_bytes_input():
    with pytest.raises(CodecError, match="expected the bytes"):
        fmt.unpack("AEK")
