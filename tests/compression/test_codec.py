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
        # more than one stream and more than one symbol value: the test covers real coding
        h, payloads = fmt.unpack(data)
        assert h.streams == [64] * 4 + [44] and h.count == 300
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
    # a stream ends at the shortest byte string that decodes (under a byte over the interval it
    # codes); constriction's fixed-point models differ very slightly from the integer tables the
    # estimate uses
    assert abs(real - est) <= 0.01 * est + 16 * len(payloads)


def test_one_image_is_its_payload_in_a_14_byte_frame(tiny_codec, tiny_images):
    for q in tiny_codec.qualities:
        for img in tiny_images[:20]:
            data = tiny_codec.compress(img, q)
            _, (payload,) = fmt.unpack(data)
            assert len(data) == len(payload) + 14
            assert abs(len(payload) - tiny_codec.estimate_bits(img, q) / 8) <= 0.01 * len(payload) + 1.5


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


def test_files_of_other_weights_or_shapes_are_refused(tiny_codec, tiny_images):
    h, payloads = fmt.unpack(tiny_codec.compress(tiny_images[:4], 1))
    h.model_hash = bytes(4)  # as if written by other weights
    with pytest.raises(CodecError, match="model hash mismatch"):
        tiny_codec.decompress(fmt.pack(h, payloads))
    h.model_hash = tiny_codec.level(2).hash[:4]  # the weights of the other level
    with pytest.raises(CodecError, match="model hash mismatch"):
        tiny_codec.decompress(fmt.pack(h, payloads))
    h.model_hash, h.quality = tiny_codec.level(1).hash[:4], 9
    with pytest.raises(CodecError, match="does not have"):
        tiny_codec.decompress(fmt.pack(h, payloads))
    h.quality = 1
    with pytest.raises(CodecError, match="not bundled"):
        decompress(fmt.pack(h, payloads))  # no bundled codec has these weights
    h.shapes = [(4, (1, 16, 12))]  # listing the codec's own shape is allowed...
    assert np.array_equal(tiny_codec.decompress(fmt.pack(h, payloads)), tiny_codec.reconstruct(tiny_images[:4], 1))
    h.shapes = [(3, (1, 16, 12)), (1, (1, 28, 28))]  # ...another is not
    with pytest.raises(CodecError, match="lists image shapes"):
        tiny_codec.decompress(fmt.pack(h, payloads))
    with pytest.raises(CodecError, match="made with weights"):  # a bundled codec's file, other weights
        load_codec("mnist").decompress(tiny_codec.compress(tiny_images[:1], 1))
