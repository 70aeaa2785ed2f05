"""Codec round trips: decode(encode(x)) is exactly the model's reconstruction, sizes are what the
entropy model predicts, and misuse is a clear error."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aekit.compression import Codec, compress, decompress, load_codec
from aekit.compression import format as fmt
from aekit.errors import CodecError, ConfigError, DataError


def test_round_trip_is_exactly_the_reconstruction(tiny_codec, tiny_images):
    for q in tiny_codec.qualities:
        data = tiny_codec.compress(tiny_images, q)
        out = tiny_codec.decompress(data)
        assert out.dtype == np.uint8 and out.shape == tiny_images.shape
        assert np.array_equal(out, tiny_codec.reconstruct(tiny_images, q))
        # more than one chunk (stream) and more than one symbol value: the test covers real coding
        h, payloads = fmt.unpack(data)
        assert len(payloads) == 2 and h.count == 300
        symbols = tiny_codec.level(q).analyse(torch.from_numpy(tiny_images[:, None] / np.float32(255)))["main"]
        assert len(np.unique(symbols)) > 5


def test_decoding_twice_and_in_another_codec_object_gives_the_same_pixels(tiny_codec, tiny_images):
    data = tiny_codec.compress(tiny_images[:50], 2)
    again = Codec.load(tiny_codec.path)
    assert np.array_equal(again.decompress(data), tiny_codec.decompress(data))
    assert tiny_codec.compress(tiny_images[:50], 2) == data  # encoding is deterministic too


def test_payload_size_matches_the_entropy_model(tiny_codec, tiny_images):
    data = tiny_codec.compress(tiny_images, 1)
    _, payloads = fmt.unpack(data)
    real = 8 * sum(len(p) for p in payloads)
    est = tiny_codec.estimate_bits(tiny_images, 1)
    # ANS adds a few 32-bit words per stream; constriction's fixed-point models differ very slightly
    # from the integer tables the estimate uses
    assert abs(real - est) <= 0.01 * est + 2 * 96


def test_python_api_with_a_codec_folder(tiny_codec, tiny_images):
    data = compress(tiny_images[:5], quality=1, model=tiny_codec.path)
    assert np.array_equal(decompress(data, model=str(tiny_codec.path)), tiny_codec.reconstruct(tiny_images[:5], 1))
    with pytest.raises(CodecError, match="not bundled"):
        decompress(data)  # "tiny" is not a bundled codec and no model was given


def test_single_image_and_channel_axis(tiny_codec, tiny_images):
    one = tiny_codec.decompress(tiny_codec.compress(tiny_images[0], 1))
    assert one.shape == (1, 16, 12)
    with_c = tiny_codec.decompress(tiny_codec.compress(tiny_images[:3, None], 1))
    assert np.array_equal(with_c, tiny_codec.reconstruct(tiny_images[:3], 1))


def test_bad_inputs_are_clear_errors(tiny_codec, tiny_images):
    with pytest.raises(DataError, match="do not fit this codec"):
        tiny_codec.compress(np.zeros((2, 28, 28)), 1)
    with pytest.raises(DataError, match="NaN"):
        tiny_codec.compress(np.full((1, 16, 12), np.nan), 1)
    with pytest.raises(ConfigError, match="choose one of"):
        tiny_codec.compress(tiny_images[:1], 7)
    with pytest.raises(CodecError, match="no codec"):
        load_codec("no-such-codec")


def test_model_hash_mismatch_is_refused(tiny_codec, tiny_images):
    data = bytearray(tiny_codec.compress(tiny_images[:4], 1))
    h, payloads = fmt.unpack(bytes(data))
    h.model_hash = bytes(8)  # as if written by other weights of the same codec name
    with pytest.raises(CodecError, match="model hash mismatch"):
        tiny_codec.decompress(fmt.pack(h, payloads))
    h.model_hash, h.model_id = tiny_codec.level(1).hash, "other"
    with pytest.raises(CodecError, match="made with codec 'other'"):
        tiny_codec.decompress(fmt.pack(h, payloads))
