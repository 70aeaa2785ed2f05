"""The mnist codec that ships with the package: loads by name, is found from the weights' hash in
its files, decodes its own files exactly, and compresses test digits far below PNG."""

from __future__ import annotations

import numpy as np

import aekit
from aekit.compression import bundled_codecs, compress, decompress, load_codec
from aekit.compression import format as fmt


def test_bundled_mnist_codec_round_trip():
    assert "mnist" in bundled_codecs()
    codec = load_codec("mnist")
    assert codec.image_shape == (1, 28, 28) and len(codec.qualities) >= 4
    X = aekit.load_dataset("mnist").X_test[:100]
    sizes, errors = [], []
    for q in (codec.qualities[0], codec.qualities[-1]):
        data = compress(X, quality=q)
        h, _ = fmt.unpack(data)
        assert h.model_hash == codec.level(q).hash[:4] and h.count == 100 and h.model_id is None
        out = decompress(data)  # the codec is found from the weights' hash in the file
        assert np.array_equal(out, codec.reconstruct(X, q))
        sizes.append(len(data) / 100)
        errors.append(np.mean((out.astype(np.float64) - X) ** 2))
    # higher quality: more bytes, less error; both far below PNG's ~275 bytes per digit, and one
    # digit alone costs its payload and a 14-byte frame
    assert sizes[0] < sizes[1] < 200 and errors[1] < errors[0]
    assert len(compress(X[0], quality=codec.qualities[0])) < 50
    assert 10 * np.log10(255 ** 2 / errors[1]) > 28
