"""Reading ``.aek`` format version 1 (written by aekit before format version 2): files stay decodable.

Layout (all integers little-endian)::

    magic        4  b"AEK\\x00"
    version      u16  1
    flags        u16  0
    model id     u8 length + ASCII name (e.g. "mnist")
    model hash   8  first 8 bytes of the SHA-256 of the weights file that coded the payloads
    quality      u8
    groups       u16  number of (count, C, H, W) runs, then per run: count u32, C u8, H u16, W u16
    streams      u16  number of payloads, then per payload: images u32, length u32, crc32 u32
    header crc   u32  CRC32 of every header byte above
    payloads     the streams' bytes, back to back (ANS stacks of 32-bit little-endian words)

A version-1 encoder ran every transform on a chunk of up to 256 images at once, and float
kernels round differently for different batches, so the pixels of a version-1 file are those
of its chunks decoded as whole batches, exactly as :func:`decode` does (the hyper-synthesis in
particular must see the batch the encoder saw: it chooses the coding tables).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import torch

from ..errors import CodecError
from .coding import DECODE_ERRORS
from .format import MAX_IMAGES, MAX_PIXELS_PER_IMAGE, MAX_SIDE, Header, Reader

MAGIC = b"AEK\x00"
HASH_BYTES = 8
CHUNK = 256  # images per stream that a version-1 encoder wrote
MAX_ENTRIES = 0xFFFF


def unpack(data: bytes) -> tuple[Header, list[bytes]]:
    r = Reader(data)
    magic = r.take(4, "the magic bytes")
    if magic != MAGIC:
        raise CodecError(f"not an aekit compressed file: it starts with {magic!r}.")
    version, flags, id_len = struct.unpack("<HHB", r.take(5, "the version"))
    if version != 1:
        raise CodecError(f"unsupported .aek format version {version} (a version-1 style header); this aekit "
                         "reads versions 1 and 2.")
    if flags != 0:
        raise CodecError(f"unknown format flags 0x{flags:04x}; the file is corrupt or from a newer aekit.")
    mid = r.take(id_len, "the model id")
    model_hash = r.take(HASH_BYTES, "the model hash")
    quality, n_groups = struct.unpack("<BH", r.take(3, "the quality"))
    if n_groups * 9 > r.left:
        raise CodecError(f"file is truncated or corrupt: {n_groups} shape runs do not fit in the {r.left} bytes "
                         "that remain.")
    groups = []
    for _ in range(n_groups):
        n, c, h, w = struct.unpack("<IBHH", r.take(9, "a shape run"))
        groups.append((n, (c, h, w)))
    (n_streams,) = struct.unpack("<H", r.take(2, "the stream count"))
    if n_streams * 12 > r.left:
        raise CodecError(f"file is truncated or corrupt: {n_streams} payload entries do not fit in the {r.left} "
                         "bytes that remain.")
    streams = [struct.unpack("<III", r.take(12, "a payload entry")) for _ in range(n_streams)]
    header_end = r.pos
    (crc,) = struct.unpack("<I", r.take(4, "the header CRC"))
    if zlib.crc32(data[:header_end]) != crc:
        raise CodecError("header is corrupt: its CRC32 does not match (flipped or truncated bytes).")
    try:
        model_id = mid.decode("ascii")
    except UnicodeDecodeError:
        raise CodecError("header is corrupt: the model id is not ASCII.") from None
    count = sum(n for n, _ in groups)
    if not 1 <= len(mid) or not 1 <= count <= MAX_IMAGES or sum(s[0] for s in streams) != count:
        raise CodecError(f"header is corrupt: {count} images in shape runs, "
                         f"{sum(s[0] for s in streams)} in payloads.")
    for n, (c, h, w) in groups:
        if n < 1 or not 1 <= c <= 255 or not (1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE) \
                or c * h * w > MAX_PIXELS_PER_IMAGE:
            raise CodecError(f"invalid image run: {n} images of shape {(c, h, w)}.")
    if any(not 1 <= n <= CHUNK for n, _, _ in streams):
        raise CodecError(f"a payload entry lists a number of images outside 1..{CHUNK}.")
    payloads = []
    for i, (_, length, crc_p) in enumerate(streams):
        p = r.take(length, f"payload {i + 1} of {len(streams)}")
        if zlib.crc32(p) != crc_p:
            raise CodecError(f"payload {i + 1} of {len(streams)} is corrupt: its CRC32 does not match.")
        payloads.append(p)
    if r.left:
        raise CodecError(f"{r.left} unexpected bytes after the last payload (corrupt or concatenated file).")
    return Header(model_hash, quality, count, [s[0] for s in streams], groups, version=1, model_id=model_id), payloads


@torch.no_grad()
def decode(level, payload: bytes, count: int) -> np.ndarray:
    """One version-1 payload (``count`` images) -> uint8 ``(count, C, H, W)``, batched as it was encoded."""
    import constriction

    if len(payload) % 4:
        raise CodecError(f"payload of {len(payload)} bytes is not a whole number of 32-bit words.")
    model = level.model
    rows = np.broadcast_to(np.arange(len(level.prior_coder)), (count, len(level.prior_coder)))
    try:
        ans = constriction.stream.stack.AnsCoder(np.frombuffer(payload, dtype="<u4").astype(np.uint32))
        if level.hyper:
            side = level.prior_coder.decode_grouped(ans, rows)
            mean, scale = model.hyper_synthesis(torch.from_numpy(side.astype(np.float32)))
            scale_rows = np.minimum(np.searchsorted(level.scales, scale.numpy().astype(np.float64), side="left"),
                                    len(level.scales) - 1)
            y_hat = torch.from_numpy(level.gauss_coder.decode_grouped(ans, scale_rows).astype(np.float32)) + mean
        else:
            y_hat = torch.from_numpy(level.prior_coder.decode_grouped(ans, rows).astype(np.float32))
    except DECODE_ERRORS as exc:
        raise CodecError(f"payload cannot be decoded ({exc}).") from None
    if not ans.is_empty():
        raise CodecError("payload holds more data than its images need (corrupt stream).")
    return np.rint(model.synthesis(y_hat).numpy() * 255.0).clip(0, 255).astype(np.uint8)
