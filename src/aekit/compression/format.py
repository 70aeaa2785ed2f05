"""The ``.aek`` container: one header shared by a batch of images, then the entropy-coded payloads.

Layout (all integers little-endian)::

    magic        4  b"AEK\\x00"
    version      u16  FORMAT_VERSION
    flags        u16  0 (reserved; a reader rejects unknown flags)
    model id     u8 length + ASCII name (e.g. "mnist")
    model hash   8  first 8 bytes of the SHA-256 of the weights file that coded the payloads
    quality      u8   quality level (1 = smallest files)
    groups       u16  number of (count, C, H, W) runs; the image count is the sum of the counts
      count u32, C u8, H u16, W u16          per run: that many images of that shape, in order
    streams      u16  number of payloads (each codes a chunk of consecutive images)
      images u32, length u32, crc32 u32      per payload: its images, byte length and CRC32
    header crc   u32  CRC32 of every header byte above
    payloads     the streams' bytes, back to back; nothing may follow them

Parsing is defensive: every length is checked against the bytes that remain before anything is
read or allocated, counts and shapes have hard limits, and every failure raises ``CodecError``
with the reason, so a truncated or flipped file is a clear error, never a crash, a hang, a huge
allocation or silently wrong pixels (the CRCs catch flips the structure does not).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from ..errors import CodecError

MAGIC = b"AEK\x00"
FORMAT_VERSION = 1
HASH_BYTES = 8
MAX_IMAGES = 1 << 24
MAX_GROUPS = 0xFFFF
MAX_STREAMS = 0xFFFF
MAX_SIDE = 1 << 14
MAX_PIXELS_PER_IMAGE = 1 << 24


@dataclass
class Header:
    model_id: str
    model_hash: bytes  # HASH_BYTES
    quality: int
    groups: list[tuple[int, tuple[int, int, int]]]  # (count, (C, H, W)) runs
    streams: list[tuple[int, int, int]] = field(default_factory=list)  # (images, length, crc32)

    @property
    def count(self) -> int:
        return sum(n for n, _ in self.groups)

    def shapes(self) -> list[tuple[int, int, int]]:
        return [s for n, s in self.groups for _ in range(n)]


def _check_header(h: Header) -> None:
    try:
        mid = h.model_id.encode("ascii")
    except UnicodeEncodeError:
        raise CodecError(f"model id {h.model_id!r} must be ASCII.") from None
    if not 1 <= len(mid) <= 255:
        raise CodecError(f"model id {h.model_id!r} must be 1 to 255 characters.")
    if len(h.model_hash) != HASH_BYTES:
        raise CodecError(f"model hash must be {HASH_BYTES} bytes, got {len(h.model_hash)}.")
    if not 0 <= h.quality <= 255:
        raise CodecError(f"quality {h.quality} must be in 0..255.")
    if len(h.groups) > MAX_GROUPS or len(h.streams) > MAX_STREAMS:
        raise CodecError("too many shape runs or streams for one file; split the images into several files.")
    if h.count > MAX_IMAGES:
        raise CodecError(f"{h.count} images exceed the {MAX_IMAGES} one file may hold; split them.")
    for n, (c, hh, ww) in h.groups:
        if n < 1 or c < 1 or c > 255 or not (1 <= hh <= MAX_SIDE and 1 <= ww <= MAX_SIDE) \
                or c * hh * ww > MAX_PIXELS_PER_IMAGE:
            raise CodecError(f"invalid image run: {n} images of shape {(c, hh, ww)}.")
    if sum(s[0] for s in h.streams) != h.count:
        raise CodecError(f"the payloads hold {sum(s[0] for s in h.streams)} images but the header "
                         f"lists {h.count}.")
    for n, length, _ in h.streams:
        if n < 1 or length < 0 or length >= 1 << 32:
            raise CodecError(f"invalid payload entry ({n} images, {length} bytes).")


def pack(header: Header, payloads: list[bytes]) -> bytes:
    """The whole file: header (with lengths and CRCs of ``payloads`` filled in) + payloads."""
    header.streams = [(n, len(p), zlib.crc32(p)) for (n, _, _), p in zip(header.streams, payloads)]
    if len(header.streams) != len(payloads):
        raise CodecError("one stream entry per payload is needed.")
    _check_header(header)
    mid = header.model_id.encode("ascii")
    out = bytearray(MAGIC)
    out += struct.pack("<HHB", FORMAT_VERSION, 0, len(mid)) + mid + header.model_hash
    out += struct.pack("<BH", header.quality, len(header.groups))
    for n, (c, h, w) in header.groups:
        out += struct.pack("<IBHH", n, c, h, w)
    out += struct.pack("<H", len(header.streams))
    for n, length, crc in header.streams:
        out += struct.pack("<III", n, length, crc)
    out += struct.pack("<I", zlib.crc32(bytes(out)))
    return bytes(out) + b"".join(payloads)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int, what: str) -> bytes:
        if n > len(self.data) - self.pos:
            raise CodecError(f"file is truncated: {what} needs {n} bytes at offset {self.pos}, "
                             f"but only {len(self.data) - self.pos} remain ({len(self.data)} bytes in all).")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))


def unpack(data: bytes) -> tuple[Header, list[bytes]]:
    """Parse and verify a whole ``.aek`` file: ``(header, payloads)``; ``CodecError`` if anything is off."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CodecError(f"expected the bytes of an .aek file, got {type(data).__name__}.")
    data = bytes(data)
    r = _Reader(data)
    magic = r.take(4, "the magic bytes")
    if magic != MAGIC:
        raise CodecError(f"not an aekit compressed file: it starts with {magic!r}, not {MAGIC!r}.")
    version, flags, id_len = r.unpack("<HHB", "the version")
    if version != FORMAT_VERSION:
        raise CodecError(f"unsupported .aek format version {version}; this aekit reads version "
                         f"{FORMAT_VERSION}" + (" (upgrade aekit)." if version > FORMAT_VERSION else "."))
    if flags != 0:
        raise CodecError(f"unknown format flags 0x{flags:04x}; the file is corrupt or from a newer aekit.")
    mid = r.take(id_len, "the model id")
    model_hash = r.take(HASH_BYTES, "the model hash")
    quality, n_groups = r.unpack("<BH", "the quality")
    if n_groups * 9 > len(data) - r.pos:
        raise CodecError(f"file is truncated or corrupt: {n_groups} shape runs do not fit in the "
                         f"{len(data) - r.pos} bytes that remain.")
    groups = []
    for _ in range(n_groups):
        n, c, h, w = r.unpack("<IBHH", "a shape run")
        groups.append((n, (c, h, w)))
    (n_streams,) = r.unpack("<H", "the stream count")
    if n_streams * 12 > len(data) - r.pos:
        raise CodecError(f"file is truncated or corrupt: {n_streams} payload entries do not fit in the "
                         f"{len(data) - r.pos} bytes that remain.")
    streams = [r.unpack("<III", "a payload entry") for _ in range(n_streams)]
    header_end = r.pos
    (crc,) = r.unpack("<I", "the header CRC")
    if zlib.crc32(data[:header_end]) != crc:
        raise CodecError("header is corrupt: its CRC32 does not match (flipped or truncated bytes).")
    try:
        model_id = mid.decode("ascii")
    except UnicodeDecodeError:
        raise CodecError("header is corrupt: the model id is not ASCII.") from None
    header = Header(model_id, model_hash, quality, groups, [tuple(s) for s in streams])
    _check_header(header)
    payloads = []
    for i, (_, length, crc_p) in enumerate(header.streams):
        p = r.take(length, f"payload {i + 1} of {len(header.streams)}")
        if zlib.crc32(p) != crc_p:
            raise CodecError(f"payload {i + 1} of {len(header.streams)} is corrupt: its CRC32 does not match.")
        payloads.append(p)
    if r.pos != len(data):
        raise CodecError(f"{len(data) - r.pos} unexpected bytes after the last payload (corrupt or "
                         "concatenated file).")
    return header, payloads
