"""Files of format version 1 keep decoding, to exactly the pixels they decoded to when written.

The fixtures (``fixtures/``, see its README) are the output of the release that wrote version 1,
recorded once before version 2 existed: the ``.npy`` beside each file is what that release
decoded it to. They are a compatibility contract, not output of the code under test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aekit.compression import decompress, load_codec
from aekit.compression import format as fmt
from aekit.errors import CodecError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FILES = {"v1_q1_one": (1, 1, [1]), "v1_q6_three": (6, 3, [3]), "v1_q3_two_streams": (3, 260, [256, 4])}


@pytest.mark.parametrize("name", list(FILES))
def test_v1_file_decodes_to_the_pixels_it_was_written_with(name):
    data = (FIXTURES / f"{name}.aek").read_bytes()
    expected = np.load(FIXTURES / f"{name}.npy")
    quality, count, streams = FILES[name]
    h, _ = fmt.unpack(data)
    assert (h.version, h.model_id, h.quality, h.count, h.streams) == (1, "mnist", quality, count, streams)
    assert h.model_hash == load_codec("mnist").level(quality).hash[:8]
    out = decompress(data)  # the bundled codec is found from the name in the file
    assert out.dtype == np.uint8 and np.array_equal(out, expected)
    assert np.array_equal(load_codec("mnist").decompress(data), expected)


def test_damaged_v1_files_are_clear_errors(tiny_codec):
    data = (FIXTURES / "v1_q6_three.aek").read_bytes()
    codec = load_codec("mnist")
    for n in range(len(data)):
        with pytest.raises(CodecError):
            codec.decompress(data[:n])
    rng = np.random.default_rng(0)
    for _ in range(300):
        buf = bytearray(data)
        buf[rng.integers(0, len(buf))] ^= int(rng.integers(1, 256))
        with pytest.raises(CodecError):
            codec.decompress(bytes(buf))
    with pytest.raises(CodecError, match="unexpected bytes"):
        codec.decompress(data + b"\x00")
    with pytest.raises(CodecError, match="made with codec 'mnist', not 'tiny'"):
        tiny_codec.decompress(data)
