"""The .aek container (format version 2) on its own: round trip, a 14-byte frame for one image,
and every kind of damage or forgery is a clear CodecError."""

from __future__ import annotations

import struct
import zlib

import pytest

from aekit.compression import format as fmt
from aekit.errors import CodecError

HASH = b"\xab\xcd\xef\x01"


def _many(payloads=(b"\x01\x02\x03\x04" * 3, b"\xff" * 8), counts=(3, 2), shapes=None) -> bytes:
    return fmt.pack(fmt.Header(HASH, 3, sum(counts), list(counts), shapes), list(payloads))


def _forge(body: bytes) -> bytes:
    """Header and payload bytes as a forger would write them: with a valid CRC."""
    return body + struct.pack("<I", zlib.crc32(body))


def test_one_image_costs_a_14_byte_frame():
    payload = b"\x12\x34\x56"
    data = fmt.pack(fmt.Header(HASH, 5), [payload])
    assert len(data) == 14 + len(payload) and data.startswith(fmt.MAGIC)
    h, payloads = fmt.unpack(data)
    assert (h.model_hash, h.quality, h.count, h.streams, h.shapes, h.version) == (HASH, 5, 1, [1], None, 2)
    assert payloads == [payload]
    # an empty payload is legal (a stream whose symbols all sit at the start of their tables)
    assert fmt.unpack(fmt.pack(fmt.Header(HASH, 5), [b""]))[1] == [b""]


def test_many_images_and_shape_runs_round_trip():
    data = _many()
    h, payloads = fmt.unpack(data)
    assert (h.count, h.streams, h.shapes) == (5, [3, 2], None)
    assert payloads == [b"\x01\x02\x03\x04" * 3, b"\xff" * 8]
    runs = [(2, (1, 28, 28)), (3, (3, 300, 200))]
    h, payloads = fmt.unpack(_many(shapes=runs))
    assert h.shapes == runs and len(payloads) == 2
    # a multi-byte varint (a 200-byte payload needs two bytes of length)
    h, payloads = fmt.unpack(_many(payloads=(b"\x07" * 200, b"\x01")))
    assert [len(p) for p in payloads] == [200, 1]


def test_writer_refuses_inconsistent_headers():
    with pytest.raises(CodecError, match="add up"):
        fmt.pack(fmt.Header(HASH, 1, 5, [3, 3]), [b"a", b"b"])
    with pytest.raises(CodecError, match=f"1..{fmt.MAX_STREAM_IMAGES}"):
        fmt.pack(fmt.Header(HASH, 1, 100, [100]), [b"a"])
    with pytest.raises(CodecError, match="2 payloads for 1 streams"):
        fmt.pack(fmt.Header(HASH, 1), [b"a", b"b"])
    with pytest.raises(CodecError, match="model hash must be 4 bytes"):
        fmt.pack(fmt.Header(b"\x00" * 8, 1), [b"a"])


def test_wrong_magic_and_unknown_versions():
    with pytest.raises(CodecError, match="not an aekit compressed file"):
        fmt.unpack(b"\x89PNG" + _many()[4:])
    data = bytearray(_many())
    data[3] = fmt.FORMAT_VERSION + 1
    with pytest.raises(CodecError, match=r"unsupported .aek format version 3.*upgrade aekit"):
        fmt.unpack(bytes(data))
    # the version-1 spelling (b"AEK\0" + u16) with a version it never had
    with pytest.raises(CodecError, match="unsupported .aek format version 7"):
        fmt.unpack(b"AEK\x00" + struct.pack("<HHB", 7, 0, 1) + b"m" + bytes(40))


def test_every_truncation_and_extension_is_a_clear_error():
    data = _many()
    for n in range(len(data)):
        with pytest.raises(CodecError):
            fmt.unpack(data[:n])
    with pytest.raises(CodecError, match="CRC32"):
        fmt.unpack(data + b"\x00")
    with pytest.raises(CodecError, match="truncated"):
        fmt.unpack(data[:-3])


def test_every_single_byte_flip_is_caught():
    data = _many()
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= 0x10
        with pytest.raises(CodecError):
            fmt.unpack(bytes(flipped))


def test_forged_headers_are_refused_before_allocating():
    head = fmt.MAGIC + bytes([2, fmt.MANY]) + HASH + b"\x01"
    # 2**24 images in 2**20 payloads, in a 30-byte file
    with pytest.raises(CodecError, match="do not fit"):
        fmt.unpack(_forge(head + b"\x80\x80\x80\x08" + b"\x80\x80\x40" + bytes(8)))
    with pytest.raises(CodecError, match="more than the"):  # over the limit of images per file
        fmt.unpack(_forge(head + b"\x81\x80\x80\x08" + b"\x01" + bytes(8)))
    with pytest.raises(CodecError, match="shortest form"):  # 1 written as two bytes
        fmt.unpack(_forge(head + b"\x81\x00" + b"\x01\x01" + bytes(4)))
    with pytest.raises(CodecError, match="runs over 5 bytes"):
        fmt.unpack(_forge(head + b"\xff" * 6 + bytes(4)))
    with pytest.raises(CodecError, match="add up"):  # 3 images, payloads holding 1 + 1
        fmt.unpack(_forge(head + b"\x03\x02\x01\x01\x01" + b"ab"))
    with pytest.raises(CodecError, match="truncated"):  # a payload length beyond the file
        fmt.unpack(_forge(head + b"\x02\x02\x01\x01\x7f" + b"ab"))
    shapes = fmt.MAGIC + bytes([2, fmt.SHAPES]) + HASH + b"\x01"
    with pytest.raises(CodecError, match="invalid image run"):  # a 0-channel image
        fmt.unpack(_forge(shapes + b"\x01\x01\x00\x1c\x1c" + b"ab"))
    with pytest.raises(CodecError, match="do not fit"):  # 60000 shape runs
        fmt.unpack(_forge(shapes + b"\xe0\xd4\x03" + bytes(20)))
    with pytest.raises(CodecError, match="unknown format flags"):
        fmt.unpack(_forge(fmt.MAGIC + bytes([2, 0x80]) + HASH + b"\x01ab"))


def test_non_bytes_input():
    with pytest.raises(CodecError, match="expected the bytes"):
        fmt.unpack("AEK")
