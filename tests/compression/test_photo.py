"""The fully convolutional photo codec: any size, grey or colour, tiles, files, errors, training, CLI."""

from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest
import torch

from aekit.compression import Codec, CodecConfig, bundled_codecs, compress, decompress, load_codec, save_codec
from aekit.compression import format as fmt
from aekit.compression.conv import FACTOR, tiles
from aekit.compression.model import build_model
from aekit.errors import CodecError, ConfigError, DataError

SIZES = [(1, 1), (7, 13), (255, 257, 3), (1023, 769, 3), (1, 1, 3), (64, 65, 3)]


def _photo(h: int, w: int, c: int = 3, seed: int = 0) -> np.ndarray:
    """A smooth picture with some texture (not noise: a trained codec's kind of input)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w] / max(h, w, 1)
    chans = [127 + 100 * np.sin(6 * xx * rng.uniform(0.5, 2) + 4 * yy * rng.uniform(0.5, 2) + k) for k in range(c)]
    img = np.stack(chans, -1) + rng.normal(0, 8, (h, w, c))
    img = np.clip(img, 0, 255).astype(np.uint8)
    return img[..., 0] if c == 1 else img


@pytest.fixture(scope="module", params=["dct", "gdn"])
def photo_codec(request, tmp_path_factory) -> Codec:
    """A small untrained conv codec of each transform (two levels, 256-pixel tiles, so big images cross tiles)."""
    torch.manual_seed(0)
    models = []
    for q, lm in ((1, 100.0), (2, 800.0)):
        cfg = CodecConfig(image_shape=(3, 64, 64), latent="conv", activation="gdn", entropy="hyperprior",
                          transform=request.param, channels=8, latent_dim=8, hyper_channels=4, tile=256, lmbda=lm,
                          quality=q)
        m = build_model(cfg)
        if request.param == "gdn":
            with torch.no_grad():
                m.g_a[-1].weight.mul_(3.0 * q)  # symbols that take many values, as in a trained codec
        models.append(m.eval())
    path = tmp_path_factory.mktemp("photo") / f"tinyphoto-{request.param}"
    save_codec(path, "tinyphoto", models)
    return Codec.load(path)


@pytest.mark.parametrize("shape", SIZES, ids=lambda s: "x".join(map(str, s)))
def test_round_trip_has_the_exact_shape_and_equals_reconstruct(photo_codec, shape):
    x = _photo(shape[0], shape[1], shape[2] if len(shape) == 3 else 1)
    data = photo_codec.compress(x, 2)
    y = photo_codec.decompress(data)
    assert y.shape == x.shape and y.dtype == np.uint8
    assert np.array_equal(y, photo_codec.reconstruct(x, 2))  # the decoder sees exactly what the encoder measured
    header, _ = fmt.unpack(data)
    assert header.shapes == [(1, (1 if x.ndim == 2 else 3, shape[0], shape[1]))]


def test_tiles_cover_the_image_once():
    boxes = tiles(700, 300, 256)
    cover = np.zeros((700, 300), int)
    for t, l, h, w in boxes:
        cover[t:t + h, l:l + w] += 1
    assert (cover == 1).all() and len(boxes) == 3 * 2


def test_an_image_codes_the_same_alone_and_in_a_list(photo_codec):
    a, b = _photo(100, 80, seed=1), _photo(30, 300, 1, seed=2)
    both = photo_codec.decompress(photo_codec.compress([a, b], 1))
    assert [v.shape for v in both] == [a.shape, b.shape]
    assert np.array_equal(both[0], photo_codec.decompress(photo_codec.compress(a, 1)))
    assert np.array_equal(both[1], photo_codec.decompress(photo_codec.compress(b, 1)))


def test_higher_quality_spends_more_bits_for_less_error(photo_codec):
    x = _photo(128, 128)
    sizes = [len(photo_codec.compress(x, q)) for q in (1, 2)]
    assert sizes[0] < sizes[1]


@pytest.mark.parametrize("bad, words", [
    (np.zeros((8, 8, 4), np.uint8), ["(8, 8, 4)", "alpha"]),
    (np.zeros((2, 8, 8, 3), np.uint8), ["(2, 8, 8, 3)", "list"]),
    (np.zeros((0, 5), np.uint8), ["0x5"]),
    (np.full((4, 4), np.nan), ["NaN"]),
    (np.array([["a"]], dtype=object), ["numeric"]),
])
def test_bad_images_get_a_clear_error(photo_codec, bad, words):
    with pytest.raises(DataError) as exc:
        photo_codec.compress(bad, 1)
    for w in words:
        assert w in str(exc.value)


def test_empty_list_and_unknown_quality(photo_codec):
    with pytest.raises(DataError, match="no images"):
        photo_codec.compress([], 1)
    with pytest.raises(ConfigError, match=r"quality=7 .*\[1, 2\]"):
        photo_codec.compress(_photo(8, 8), 7)


def test_the_dct_transform_is_orthonormal_and_retargets_its_step():
    from aekit.compression.conv import YCC_ORTHO, dct_basis

    b = dct_basis()[:64, 0].reshape(64, 64)
    assert np.allclose(b @ b.T, np.eye(64), atol=1e-5)
    assert np.allclose(YCC_ORTHO @ YCC_ORTHO.T, np.eye(3), atol=1e-5)
    cfg = dict(image_shape=(3, 64, 64), latent="conv", activation="gdn", transform="dct", channels=4, hyper_channels=4)
    fine, coarse = build_model(CodecConfig(lmbda=1000.0, **cfg)).eval(), build_model(CodecConfig(lmbda=250.0, **cfg))
    coarse.load_state_dict(fine.state_dict())
    coarse.eval().retarget(1000.0)
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        y_f, y_c = fine.analysis(x), coarse.analysis(x)
        assert torch.allclose(y_c, y_f / 2, atol=1e-5)  # step x2 for lambda / 4
        assert torch.allclose(fine.synthesis(y_f), coarse.synthesis(y_c), atol=1e-5)
        assert torch.allclose(fine.side_analysis(y_f), coarse.side_analysis(y_c), atol=1e-4)
        # untrained, the dct codec already reconstructs: unrounded coefficients give the image back
        assert torch.allclose(fine.synthesis(y_f), x, atol=1e-4)


def test_conv_config_errors_name_the_value():
    with pytest.raises(ConfigError, match=r"image_shape=\(3, 100, 100\).*multiples of 64"):
        CodecConfig(image_shape=(3, 100, 100), latent="conv", activation="gdn")
    with pytest.raises(ConfigError, match="tile=100"):
        CodecConfig(image_shape=(3, 64, 64), latent="conv", activation="gdn", tile=100)
    with pytest.raises(ConfigError, match="activation='gdn'"):
        CodecConfig(image_shape=(3, 64, 64), latent="conv", activation="gelu")
    with pytest.raises(ConfigError, match="transform='wavelet'"):
        CodecConfig(image_shape=(3, 64, 64), latent="conv", activation="gdn", transform="wavelet")


def test_fuzzed_photo_files_are_codec_errors(photo_codec):
    data = photo_codec.compress(_photo(70, 90), 2)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for i in range(600):
        buf = bytearray(data)
        kind = i % 3
        if kind == 0:
            buf = buf[:rng.integers(0, len(buf))]
        elif kind == 1:
            for _ in range(rng.integers(1, 4)):
                buf[rng.integers(0, len(buf))] ^= int(rng.integers(1, 256))
        else:
            pos = int(rng.integers(0, len(buf)))
            del buf[pos:pos + int(rng.integers(1, 5))]
        with pytest.raises(CodecError):
            photo_codec.decompress(bytes(buf))
    assert time.perf_counter() - t0 < 60


def test_forged_photo_payloads_with_valid_crcs_never_crash(photo_codec):
    """Payload bytes changed and the CRC recomputed: a CodecError, or an image of the declared shape."""
    x = _photo(70, 90)
    data = photo_codec.compress(x, 2)
    body = data[:-4]
    header_len = len(body) - len(fmt.unpack(data)[1][0])
    rng = np.random.default_rng(1)
    outcomes = {"error": 0, "image": 0}
    for _ in range(200):
        b = bytearray(body)
        for _ in range(rng.integers(1, 4)):
            b[int(rng.integers(header_len, len(b)))] ^= int(rng.integers(1, 256))
        forged = bytes(b) + struct.pack("<I", zlib.crc32(bytes(b)))
        try:
            y = photo_codec.decompress(forged)
        except CodecError:
            outcomes["error"] += 1
        else:
            assert y.shape == x.shape and y.dtype == np.uint8
            outcomes["image"] += 1
    assert sum(outcomes.values()) == 200


def test_forged_shapes_are_refused(photo_codec):
    data = photo_codec.compress(_photo(20, 20), 1)
    header, payloads = fmt.unpack(data)
    header.shapes = [(1, (4, 20, 20))]
    with pytest.raises(CodecError, match="channels"):
        photo_codec.decompress(fmt.pack(header, payloads))
    header.shapes, header.count, header.streams = None, 1, [1]
    with pytest.raises(CodecError, match="shapes"):
        photo_codec.decompress(fmt.pack(header, payloads))


def test_a_photo_file_is_not_read_by_the_digit_codec(photo_codec):
    data = photo_codec.compress(_photo(20, 20), 1)
    with pytest.raises(CodecError, match="hash"):
        decompress(data, "mnist")


def test_train_codec_on_photos_goes_through_the_trainer(tmp_path):
    from aekit.compression import train_codec
    from aekit.config import TrainConfig

    photos = [_photo(150, 200, seed=s) for s in range(3)] + [_photo(130, 140, 1, seed=5)]
    codec = train_codec(photos, tmp_path / "mine", "mine", [100.0, 400.0], crops=24, crop=64,
                        config={"latent": "conv", "activation": "gdn", "transform": "dct", "channels": 6,
                                "hyper_channels": 4, "tile": 128},
                        train=TrainConfig(epochs=1, batch_size=8, progress=False, n_threads=1), log=lambda m: None)
    assert codec.any_size and codec.qualities == [1, 2]
    x = _photo(33, 200, seed=9)
    assert codec.decompress(codec.compress(x, 1)).shape == x.shape
    with pytest.raises(ConfigError, match="list of photos"):
        train_codec(np.zeros((5, 5)), tmp_path / "bad", "bad", [1.0], config={"latent": "conv", "activation": "gdn"},
                    crop=64)


def test_cli_compress_decompress_a_photo(photo_codec, tmp_path, capsys):
    from PIL import Image

    from aekit.cli import main

    x = _photo(50, 77)
    Image.fromarray(x).save(tmp_path / "in.png")
    Image.fromarray(x[..., 0]).save(tmp_path / "grey.png")
    assert main(["compress", str(tmp_path / "in.png"), str(tmp_path / "grey.png"), "-o", str(tmp_path / "x.aek"),
                 "--model", str(photo_codec.path), "--quality", "1", "--threads", "1"]) == 0
    assert "bpp" in capsys.readouterr().out
    assert main(["decompress", str(tmp_path / "x.aek"), "-o", str(tmp_path / "out"), "--model",
                 str(photo_codec.path), "--threads", "1"]) == 0
    a = np.asarray(Image.open(tmp_path / "out" / "x_000.png"))
    g = np.asarray(Image.open(tmp_path / "out" / "x_001.png"))
    assert a.shape == (50, 77, 3) and g.shape == (50, 77)
    assert np.array_equal(a, photo_codec.reconstruct(x, 1))


def test_cli_train_codec_photos_folder(tmp_path):
    from PIL import Image

    from aekit.cli import main

    (tmp_path / "pics").mkdir()
    for s in range(2):
        Image.fromarray(_photo(140, 160, seed=s)).save(tmp_path / "pics" / f"{s}.png")
    assert main(["train-codec", str(tmp_path / "pics"), "-o", str(tmp_path / "c"), "--photos", "--lmbdas", "200",
                 "--first-epochs", "1", "--crops", "16", "--batch-size", "8", "--option", "channels=6",
                 "--option", "latent_dim=6", "--option", "hyper_channels=4", "--option", "image_shape=[3,128,128]",
                 "--no-progress", "--threads", "1"]) == 0
    assert Codec.load(tmp_path / "c").any_size


@pytest.mark.skipif("photo" not in bundled_codecs(), reason="the photo codec is not bundled")
def test_bundled_photo_codec_on_a_held_out_photo():
    import skimage.data

    x = skimage.data.chelsea()  # a test photo, never a training source
    codec = load_codec("photo")
    prev = None
    for q in codec.qualities:
        data = compress(x, q, "photo")
        y = decompress(data)  # the bundled codec is found from the hash in the file
        assert y.shape == x.shape
        mse = np.mean((y.astype(float) - x) ** 2)
        psnr = 10 * np.log10(255 ** 2 / mse)
        bpp = 8 * len(data) / (x.shape[0] * x.shape[1])
        assert bpp < 3.0 and psnr > 24.0
        if prev is not None:
            assert bpp > prev[0] and psnr > prev[1]
        prev = (bpp, psnr)
    assert FACTOR == 64
