"""An image is coded on its own: its symbols, its one-image file and its decoded pixels are the same
whether it is compressed alone or among other images (in any order, at any position)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import aekit
from aekit.compression import decompress, load_codec
from aekit.compression import format as fmt


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return aekit.load_dataset("mnist").X_test[:40].astype(np.uint8)


def _symbols(level, images: np.ndarray) -> dict:
    a = level.analyse(torch.from_numpy(images[:, None] / np.float32(255)))
    return {k: a[k] for k in ("side", "main", "main_rows") if k in a}


@pytest.mark.parametrize("quality", [1, 4, 6])
def test_real_digits_code_the_same_alone_or_among_others(digits, quality):
    codec = load_codec("mnist")
    level = codec.level(quality)
    together = _symbols(level, digits)
    alone = [_symbols(level, digits[i:i + 1]) for i in range(len(digits))]
    for key, values in together.items():
        assert np.array_equal(values, np.concatenate([a[key] for a in alone])), key
    singles = [codec.compress(d, quality) for d in digits]
    batch = codec.compress(digits, quality)
    shuffled = np.random.default_rng(quality).permutation(len(digits))
    pixels = codec.decompress(batch)
    assert np.array_equal(pixels, np.concatenate([decompress(s) for s in singles]))
    assert np.array_equal(codec.decompress(codec.compress(digits[shuffled], quality)), pixels[shuffled])
    assert np.array_equal(pixels, codec.reconstruct(digits, quality))
    # one image's file is the same bytes whatever was compressed before it, or beside it in a call
    assert [codec.compress(digits[i], quality) for i in shuffled] == [singles[i] for i in shuffled]
    assert np.array_equal(codec.reconstruct(digits[7:8], quality), pixels[7:8])


def test_tiny_codecs_code_the_same_alone_or_among_others(tiny_codec, tiny_images):
    for q in tiny_codec.qualities:
        level = tiny_codec.level(q)
        together = _symbols(level, tiny_images[:70])
        for i in (0, 33, 69):
            alone = _symbols(level, tiny_images[i:i + 1])
            assert all(np.array_equal(together[k][i:i + 1], alone[k]) for k in alone)
        pixels = tiny_codec.decompress(tiny_codec.compress(tiny_images[:70], q))  # two streams: 64 + 6
        assert fmt.unpack(tiny_codec.compress(tiny_images[:70], q))[0].streams == [64, 6]
        for i in (0, 33, 69):
            assert np.array_equal(tiny_codec.decompress(tiny_codec.compress(tiny_images[i], q)), pixels[i:i + 1])
