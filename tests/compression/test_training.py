"""train_codec: one level per lambda, warm-started chain, continuation from a codec, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import aekit
from aekit.compression import train_codec
from aekit.errors import ConfigError

TINY = dict(channels=8, latent_dim=4, hyper_channels=4)


def _rd_loss(codec, X, quality: int) -> float:
    """What training minimises, measured as the codec codes: bits per pixel + lmbda * MSE of pixels in [0, 1]."""
    bpp = codec.estimate_bits(X, quality) / (len(X) * X.shape[1] * X.shape[2])
    mse = np.mean((codec.reconstruct(X, quality) / 255.0 - X / 255.0) ** 2)
    return bpp + codec.level(quality).config.lmbda * mse


def test_train_then_continue(tmp_path):
    X = aekit.load_dataset("mnist").X_train[:64]
    train = aekit.TrainConfig(epochs=1, batch_size=32, progress=False, grad_clip=None)
    first = train_codec(X, tmp_path / "a", "digits", [200, 20], config=TINY, train=train, log=lambda s: None)
    assert first.qualities == [1, 2] and [first.level(q).config.lmbda for q in (1, 2)] == [20.0, 200.0]
    more = train_codec(X, tmp_path / "b", "digits", [20, 200], config=TINY, train=train, init=first,
                       log=lambda s: None)
    for q in (1, 2):  # trained further: each level's rate-distortion objective on the data went down
        assert _rd_loss(more, X, q) < 0.98 * _rd_loss(first, X, q), q
    data = more.compress(X[:5], 1)
    assert np.array_equal(more.decompress(data), more.reconstruct(X[:5], 1))
    # adding a level: the old ones are kept bit for bit, the new one starts from its nearest neighbour
    added = train_codec(X, tmp_path / "e", "digits", [20, 200, 2000], config=TINY, train=train, init=more,
                        keep_init=True, log=lambda s: None)
    assert [added.level(q).hash for q in (1, 2)] == [more.level(q).hash for q in (1, 2)]
    assert added.level(3).config.lmbda == 2000.0
    with pytest.raises(ConfigError, match="init codec quality 2 has config"):
        train_codec(X, tmp_path / "c", "digits", [20, 200], config={**TINY, "channels": 16}, train=train,
                    init=first, log=lambda s: None)
    with pytest.raises(ConfigError, match="too few"):
        train_codec(X[:8], tmp_path / "d", "digits", [20], config=TINY, train=train)
