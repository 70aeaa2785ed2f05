"""Corruptions: their statistics, seeding, shapes, errors, and the de-noising training path."""

import math

import numpy as np
import pytest
import torch

import aekit
from aekit.errors import ConfigError
from aekit.noise import Erase, Gaussian, Mask, SaltPepper, corrupt
from aekit.transforms import TRANSFORMS, build_transform

CORRUPTIONS = ["gaussian:0.3", "saltpepper:0.2", "mask:0.5", "erase:0.4"]


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _images(n=64, h=20, w=24, seed=0):
    return torch.rand(n, 1, h, w, generator=_gen(seed))


def test_all_corruptions_are_registered():
    assert {"gaussian", "saltpepper", "mask", "erase"} <= set(TRANSFORMS.names())


def test_gaussian_adds_zero_mean_noise_with_the_given_sigma():
    x = _images(128)
    d = (Gaussian(0.5)(x, _gen()) - x).double()
    assert abs(d.mean().item()) < 0.01
    assert d.std().item() == pytest.approx(0.5, rel=0.02)
    assert d.abs().max() > 1.5  # not clipped to the image range


def test_salt_and_pepper_sets_a_fraction_p_to_the_extremes_half_each():
    x = _images(128) * 0.5 + 0.25  # values in [0.25, 0.75], the extremes are 0.25 and 0.75 (batch min/max)
    lo, hi = x.min(), x.max()
    out = SaltPepper(0.2)(x, _gen())
    changed = out != x
    assert changed.float().mean().item() == pytest.approx(0.2, abs=0.01)
    assert torch.all((out[changed] == lo) | (out[changed] == hi))
    assert (out[changed] == hi).float().mean().item() == pytest.approx(0.5, abs=0.03)


def test_mask_zeroes_a_fraction_p_and_keeps_the_rest_exact():
    x = _images(128) + 1.0  # no zeros before masking
    out = Mask(0.5)(x, _gen())
    zero = out == 0
    assert zero.float().mean().item() == pytest.approx(0.5, abs=0.01)
    assert torch.equal(out[~zero], x[~zero])


def test_mask_works_on_tabular_rows():
    x = torch.randn(500, 13, generator=_gen()) + 10
    out = Mask(0.3)(x, _gen(1))
    assert (out == 0).float().mean().item() == pytest.approx(0.3, abs=0.02)


def test_erase_blanks_one_rectangle_per_image_within_the_area():
    x = _images(200, 20, 24) + 1.0
    out = Erase(0.4)(x, _gen(3))
    fractions = []
    for img in out[:, 0]:
        hole = img == 0
        fractions.append(hole.float().mean().item())
        if hole.any():  # the blanked pixels form one axis-aligned rectangle
            rows, cols = hole.any(1).nonzero()[:, 0], hole.any(0).nonzero()[:, 0]
            assert hole.sum().item() == len(rows) * len(cols)
            assert rows.max() - rows.min() + 1 == len(rows) and cols.max() - cols.min() + 1 == len(cols)
    assert max(fractions) <= 0.4 + 0.05  # rounding to whole pixels
    assert np.mean(fractions) == pytest.approx(0.2, abs=0.05)  # area fraction uniform on (0, 0.4]


@pytest.mark.parametrize("spec", CORRUPTIONS)
@pytest.mark.parametrize("shape", [(6, 1, 9, 11), (6, 3, 8, 8)])
def test_shape_dtype_and_seeding(spec, shape):
    x = torch.rand(*shape, generator=_gen(9))
    fn = build_transform(spec)
    a, b, c = fn(x, _gen(5)), fn(x, _gen(5)), fn(x, _gen(6))
    assert a.shape == x.shape and a.dtype == x.dtype
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.equal(a, x)


@pytest.mark.parametrize("spec", CORRUPTIONS)
def test_corruptions_leave_the_global_rng_alone(spec):
    state = torch.get_rng_state()
    build_transform(spec)(_images(4), _gen())
    assert torch.equal(torch.get_rng_state(), state)


def test_zero_strength_is_the_identity():
    x = _images(8)
    for fn in (Gaussian(0), SaltPepper(0), Mask(0), Erase(0)):
        assert torch.equal(fn(x, _gen()), x)


def test_corrupt_numpy_helper_handles_image_and_table_shapes():
    imgs = np.random.default_rng(0).random((10, 28, 28))
    out = corrupt(imgs, "mask:0.5", seed=1)
    assert out.shape == imgs.shape and out.dtype == np.float32
    assert np.array_equal(out, corrupt(imgs, "mask:0.5", seed=1))
    assert not np.array_equal(out, corrupt(imgs, "mask:0.5", seed=2))
    table = np.ones((50, 7))
    assert (corrupt(table, "mask:0.4", seed=0) == 0).mean() == pytest.approx(0.4, abs=0.08)
    assert np.array_equal(corrupt(table, "none"), table)


@pytest.mark.parametrize("spec,match", [
    ("gausian:0.3", r"Unknown transform 'gausian'.*Did you mean 'gaussian'"),
    ("gaussian:-1", r"gaussian strength -1\.0 must be in \[0, 100\]"),
    ("gaussian:nan", r"gaussian strength"),
    ("saltpepper:1.5", r"saltpepper strength 1\.5 must be in \[0, 1\]"),
    ("mask:1", r"mask strength 1\.0 must be in \[0, 1\)"),
    ("erase:2", r"erase strength 2\.0 must be in \[0, 1\]"),
])
def test_unknown_corruptions_and_out_of_range_strengths_are_clear(spec, match):
    with pytest.raises(ConfigError, match=match):
        build_transform(spec)


def test_erase_needs_images():
    with pytest.raises(ConfigError, match=r"transform 'erase' needs image batches"):
        Erase(0.2)(torch.zeros(4, 13), _gen())
    with pytest.raises(ConfigError, match=r"needs a batch"):
        corrupt(np.zeros(5), "gaussian:0.1")


# --------------------------------------------------------------------- the de-noising training path
def _psnr(a, b):
    return 10 * math.log10(1.0 / float(np.mean((a - b) ** 2)))


def test_a_denoising_autoencoder_removes_noise_a_plain_one_keeps():
    """Real digits (sklearn 8x8), Gaussian sigma 0.3: the DAE's output is clearly closer to the clean
    images than the noisy input and than a plain AE's reconstruction of the noisy input."""
    ds = aekit.load_dataset("digits")
    clean = ds.X_test / 16.0
    noisy = corrupt(clean, "gaussian:0.3", seed=123)
    opts = dict(net="mlp", net_options=dict(hidden=[128]), image_shape=(8, 8),
                loss="mse", epochs=60, lr=3e-3, random_state=0, verbose=False)
    dae = aekit.AutoEncoder(16, noise="gaussian:0.3", **opts).fit(ds.X_train / 16.0)
    plain = aekit.AutoEncoder(16, **opts).fit(ds.X_train / 16.0)
    p_noisy = _psnr(noisy, clean)
    p_dae = _psnr(dae.reconstruct(noisy), clean)
    p_plain = _psnr(plain.reconstruct(noisy), clean)
    assert p_dae > p_noisy + 4, (p_noisy, p_dae)
    assert p_dae > p_plain + 1, (p_plain, p_dae)
