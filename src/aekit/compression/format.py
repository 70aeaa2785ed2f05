"""The ``.aek`` container, format version 2: a 14-byte frame around one image's payload.

Layout (fixed-size integers little-endian; ``varint`` = unsigned LEB128, minimal)::

    magic        3  b"AEK"
    version      u8   2 (version 1 files begin b"AEK\\x00" + a u16 version; see v1.py)
    flags        u8   bit 0 MANY: more than one image (a count and a stream table follow);
                      bit 1 SHAPES: the images' shapes follow; other bits are 0
    model hash   4    first 4 bytes of the SHA-256 of the weights file that coded the payloads
    quality      u8   quality level (1 = smallest files)
    [SHAPES]     varint runs, then per run varint count, C, H, W
                      (without it, every image has the codec's own shape)
    [MANY]       varint images, varint streams, per stream varint images, then per stream but
                      the last varint byte length (the last payload runs up to the CRC)
    payloads     the streams' bytes, back to back
    crc32        u32  CRC32 of every byte before it

One image of the codec's shape, the common case, is magic, version, flags, hash, quality, its
payload and the CRC: 14 bytes of frame. The model hash finds the weights (and a bundled codec)
that wrote a file, so the codec's name is not stored.

Parsing is defensive: the CRC is checked first, so damage of any kind is caught before the
structure is read; then every length is checked against the bytes that remain before anything is
read or allocated, counts and shapes have hard limits, and every failure raises ``CodecError``
with the reason: a truncated, flipped or forged file is a clear error, never a crash, a hang or
a huge allocation.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from ..errors import CodecError

MAGIC = b"AEK"
FORMAT_VERSION = 2
HASH_BYTES = 4
MANY, SHAPES = 0x01, 0x02
FIXED = len(MAGIC) + 3 + HASH_BYTES  # magic, version, flags, hash, quality
CRC_BYTES = 4
MAX_IMAGES = 1 << 24
MAX_STREAM_IMAGES = 64  # images per payload: what one decoding step may hold in memory
MAX_RUNS = 1 << 16
MAX_SIDE = 1 << 14
MAX_PIXELS_PER_IMAGE = 3 << 26  # values of one image: a 16384 x 16384 RGB photo at most


@dataclass
class Header:
    model_hash: bytes  # HASH_BYTES (version 2) or 8 (version 1)
    quality: int
    count: int = 1
    streams: list[int] = field(default_factory=lambda: [1])  # images per payload, in order
    shapes: list[tuple[int, tuple[int, int, int]]] | None = None  # (count, (C, H, W)) runs; None: the codec's
    version: int = FORMAT_VERSION
    model_id: str | None = None  # the codec's name (version 1 files only)


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        byte, v = v & 0x7F, v >> 7
        out.append(byte | (0x80 if v else 0))
        if not v:
            return bytes(out)


def check_header(h: Header) -> None:
    """The limits every header obeys, whether about to be written or just read."""
    if len(h.model_hash) != HASH_BYTES:
        raise CodecError(f"model hash must be {HASH_BYTES} bytes, got {len(h.model_hash)}.")
    if not 0 <= h.quality <= 255:
        raise CodecError(f"quality {h.quality} must be in 0..255.")
    if not 1 <= h.count <= MAX_IMAGES:
        raise CodecError(f"{h.count} images: a file holds 1 to {MAX_IMAGES}; split them into several files.")
    if not h.streams or any(not 1 <= n <= MAX_STREAM_IMAGES for n in h.streams) or sum(h.streams) != h.count:
        raise CodecError(f"payload image counts {h.streams[:8]}{'...' if len(h.streams) > 8 else ''} must each be "
                         f"1..{MAX_STREAM_IMAGES} and add up to the {h.count} images of the file.")
    if h.shapes is not None:
        if not 1 <= len(h.shapes) <= MAX_RUNS or sum(n for n, _ in h.shapes) != h.count:
            raise CodecError(f"{len(h.shapes)} shape runs that do not add up to the {h.count} images of the file.")
        for n, (c, hh, ww) in h.shapes:
            if n < 1 or not 1 <= c <= 255 or not (1 <= hh <= MAX_SIDE and 1 <= ww <= MAX_SIDE) \
                    or c * hh * ww > MAX_PIXELS_PER_IMAGE:
                raise CodecError(f"invalid image run: {n} images of shape {(c, hh, ww)}.")


def pack(header: Header, payloads: list[bytes]) -> bytes:
    """The whole file: frame, ``payloads`` (one per entry of ``header.streams``), CRC32."""
    check_header(header)
    if len(payloads) != len(header.streams):
        raise CodecError(f"{len(payloads)} payloads for {len(header.streams)} streams.")
    many = header.count > 1 or len(header.streams) > 1
    flags = (MANY if many else 0) | (SHAPES if header.shapes is not None else 0)
    out = bytearray(MAGIC + bytes([FORMAT_VERSION, flags]) + header.model_hash + bytes([header.quality]))
    if header.shapes is not None:
        out += _varint(len(header.shapes))
        for n, shape in header.shapes:
            out += b"".join(_varint(v) for v in (n, *shape))
    if many:
        out += _varint(header.count) + _varint(len(header.streams))
        out += b"".join(_varint(n) for n in header.streams)
        out += b"".join(_varint(len(p)) for p in payloads[:-1])
    out += b"".join(payloads)
    return bytes(out) + struct.pack("<I", zlib.crc32(out))


class Reader:
    """Reads ``data[pos:end]`` and nothing beyond it; every read is checked first."""

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data, self.pos, self.end = data, pos, len(data) if end is None else end

    @property
    def left(self) -> int:
        return self.end - self.pos

    def take(self, n: int, what: str) -> bytes:
        if n > self.left:
            raise CodecError(f"file is truncated or corrupt: {what} needs {n} bytes at offset {self.pos}, "
                             f"but only {self.left} remain.")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def varint(self, what: str, limit: int) -> int:
        value = shift = 0
        for _ in range(5):
            (byte,) = self.take(1, what)
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                if byte == 0 and shift > 7:
                    raise CodecError(f"file is corrupt: {what} is not written in its shortest form.")
                if value > limit:
                    raise CodecError(f"file is corrupt: {what} is {value}, more than the {limit} allowed.")
                return value
        raise CodecError(f"file is corrupt: {what} runs over 5 bytes.")


def unpack(data: bytes) -> tuple[Header, list[bytes]]:
    """Parse and verify a whole ``.aek`` file: ``(header, payloads)``; ``CodecError`` if anything is off.

    Reads both format versions: version 1 files (``v1.py``) keep decoding."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CodecError(f"expected the bytes of an .aek file, got {type(data).__name__}.")
    data = bytes(data)
    if data[:3] != MAGIC:
        raise CodecError(f"not an aekit compressed file: it starts with {data[:4]!r}, not {MAGIC!r}.")
    if len(data) < 4:
        raise CodecError(f"file is truncated: {len(data)} bytes, too short for an .aek file.")
    if data[3] == 0:  # version 1 spelled its magic b"AEK\0" and a u16 version after it
        from . import v1

        return v1.unpack(data)
    if data[3] != FORMAT_VERSION:
        raise CodecError(f"unsupported .aek format version {data[3]}; this aekit reads versions 1 and "
                         f"{FORMAT_VERSION}" + (" (upgrade aekit)." if data[3] > FORMAT_VERSION else "."))
    if len(data) < FIXED + CRC_BYTES:
        raise CodecError(f"file is truncated: {len(data)} bytes, fewer than the {FIXED + CRC_BYTES} of the "
                         "smallest .aek file.")
    flags = data[4]
    if flags & ~(MANY | SHAPES):
        raise CodecError(f"unknown format flags 0x{flags:02x}; the file is corrupt or from a newer aekit.")
    (crc,) = struct.unpack("<I", data[-CRC_BYTES:])
    if zlib.crc32(data[:-CRC_BYTES]) != crc:
        raise CodecError("file is corrupt or truncated: its CRC32 does not match (flipped, missing or extra bytes).")
    r = Reader(data, FIXED, len(data) - CRC_BYTES)
    model_hash, quality = data[5:5 + HASH_BYTES], data[5 + HASH_BYTES]
    shapes = None
    if flags & SHAPES:
        n_runs = r.varint("the number of shape runs", MAX_RUNS)
        if 4 * n_runs > r.left:
            raise CodecError(f"file is corrupt: {n_runs} shape runs do not fit in the {r.left} bytes that remain.")
        shapes = [(r.varint("a run's image count", MAX_IMAGES),
                   tuple(r.varint(f"an image {d}", MAX_SIDE) for d in ("channel count", "height", "width")))
                  for _ in range(n_runs)]
    count, streams = 1, [1]
    if flags & MANY:
        count = r.varint("the image count", MAX_IMAGES)
        n_streams = r.varint("the payload count", MAX_IMAGES)
        if 2 * n_streams - 1 > r.left:  # an image count per payload and a length for all but the last
            raise CodecError(f"file is corrupt: {n_streams} payload entries do not fit in the {r.left} bytes "
                             "that remain.")
        streams = [r.varint("a payload's image count", MAX_STREAM_IMAGES) for _ in range(n_streams)]
    header = Header(bytes(model_hash), quality, count, streams, shapes)
    check_header(header)
    lengths = [r.varint("a payload length", 1 << 32) for _ in streams[:-1]]
    payloads = [r.take(n, f"payload {i + 1} of {len(streams)}") for i, n in enumerate(lengths)]
    payloads.append(r.take(r.left, "the last payload"))
    return header, payloads
