"""Augmentations: what each transform does to an image, reproducibility and clear errors."""

from __future__ import annotations

import math

import pytest
import torch

from aekit.transforms import TRANSFORMS, Rotate, Scale, Shift, build_transform
from aekit.errors import ConfigError


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _blobs(b: int, c: int, h: int, w: int, margin: int, seed: int = 0) -> torch.Tensor:
    """Random non-negative content, zero within ``margin`` pixels of the border."""
    x = torch.zeros(b, c, h, w)
    x[:, :, margin:h - margin, margin:w - margin] = torch.rand(b, c, h - 2 * margin, w - 2 * margin,
                                                                generator=_gen(seed)) + 0.1
    return x


def _offset(src: torch.Tensor, out: torch.Tensor, p: int) -> tuple[int, int] | None:
    """The (dy, dx) with |dy|, |dx| <= p such that ``out`` is ``src`` moved by it, if any."""
    for dy in range(-p, p + 1):
        for dx in range(-p, p + 1):
            if torch.equal(torch.roll(src, (dy, dx), dims=(-2, -1)), out):
                return dy, dx
    return None


# ------------------------------------------------------------------------------------------------- shift
@pytest.mark.parametrize("p", [1, 2, 3])
def test_shift_translates_each_image_by_at_most_p_pixels_and_keeps_its_mass(p):
    x = _blobs(64, 2, 12, 10, margin=p)
    out = build_transform(f"shift:{p}")(x, _gen())
    assert out.shape == x.shape and out.dtype == x.dtype
    offsets = set()
    for i in range(len(x)):
        off = _offset(x[i], out[i], p)
        assert off is not None, f"sample {i} is not a translation by at most {p} pixels"
        offsets.add(off)
    # nothing left the frame, so the mass is kept exactly (only zeros were padded in)
    torch.testing.assert_close(out.sum((1, 2, 3)), x.sum((1, 2, 3)))
    # it really moves things, in every direction: not the identity, not a constant offset
    assert len(offsets) > 4 and {dy for dy, _ in offsets} >= {-p, p} and {dx for _, dx in offsets} >= {-p, p}


def test_shift_moves_all_channels_of_a_sample_together():
    x = _blobs(16, 3, 9, 9, margin=2)
    x[:, 1] = x[:, 0] * 2
    x[:, 2] = x[:, 0] * 3
    out = Shift(2)(x, _gen(3))
    torch.testing.assert_close(out[:, 1], out[:, 0] * 2)
    torch.testing.assert_close(out[:, 2], out[:, 0] * 3)


def test_shift_fills_with_zeros_when_content_leaves_the_frame():
    x = torch.ones(32, 1, 6, 6)
    out = Shift(2)(x, _gen())
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert (out.sum((1, 2, 3)) <= 36).all() and (out.sum((1, 2, 3)) >= 16).all()  # at most 2 rows/cols lost
    assert (out.sum((1, 2, 3)) < 36).any()


def test_shift_zero_is_the_identity():
    x = torch.rand(4, 1, 5, 5)
    assert torch.equal(Shift(0)(x, _gen()), x)


# ------------------------------------------------------------------------------------------------ rotate
@pytest.mark.parametrize("h,w", [(9, 9), (7, 13)])
def test_rotate_keeps_the_centre_pixel(h, w):
    x = torch.rand(16, 2, h, w, generator=_gen(1))
    out = Rotate(180)(x, _gen(2))
    assert out.shape == x.shape
    torch.testing.assert_close(out[:, :, h // 2, w // 2], x[:, :, h // 2, w // 2], rtol=0, atol=1e-5)
    assert not torch.allclose(out, x, atol=1e-3)  # but it did rotate


def _blob_at(h: int, w: int, cy: float, cx: float, sigma: float = 1.2) -> torch.Tensor:
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64),
                            indexing="ij")
    return torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma**2))


def _centre_of_mass(img: torch.Tensor) -> tuple[float, float]:
    h, w = img.shape
    yy, xx = torch.meshgrid(torch.arange(h, dtype=img.dtype), torch.arange(w, dtype=img.dtype), indexing="ij")
    m = img.sum()
    return float((img * yy).sum() / m), float((img * xx).sum() / m)


@pytest.mark.parametrize("h,w", [(21, 21), (15, 31)])
def test_rotate_is_a_rotation_in_pixels_about_the_centre(h, w):
    """A blob 5 px right of the centre stays 5 px from it, also on non-square images."""
    cy, cx = (h - 1) / 2, (w - 1) / 2
    x = _blob_at(h, w, cy, cx + 5).float()[None, None].repeat(32, 1, 1, 1)
    out = Rotate(60)(x, _gen(4))
    angles = []
    for img in out[:, 0].double():
        y, xpos = _centre_of_mass(img)
        assert math.hypot(y - cy, xpos - cx) == pytest.approx(5.0, abs=0.15)
        angles.append(math.degrees(math.atan2(y - cy, xpos - cx)))
    assert max(abs(a) for a in angles) <= 60.5 and max(angles) - min(angles) > 30  # spread over +-60 degrees
    torch.testing.assert_close(out.sum((1, 2, 3)), x.sum((1, 2, 3)), rtol=0.02, atol=0)  # nothing left the frame


def test_rotate_zero_is_the_identity():
    x = torch.rand(4, 1, 6, 8)
    torch.testing.assert_close(Rotate(0)(x, _gen()), x, rtol=0, atol=1e-5)


# ------------------------------------------------------------------------------------------------ scale
def test_scale_zooms_about_the_centre_within_the_range():
    """A blob 6 px right of the centre moves to 6 * factor px, factor within [0.8, 1.2] and spread."""
    h = w = 31
    c = (h - 1) / 2
    x = _blob_at(h, w, c, c + 6).float()[None, None].repeat(64, 1, 1, 1)
    out = Scale(0.2)(x, _gen(7))
    factors = []
    for img in out[:, 0].double():
        y, xpos = _centre_of_mass(img)
        assert y == pytest.approx(c, abs=0.1)  # stays on its ray through the centre
        factors.append((xpos - c) / 6)
    assert 0.79 <= min(factors) < 0.9 and 1.1 < max(factors) <= 1.21


def test_scale_zero_is_the_identity():
    x = torch.rand(4, 1, 6, 8)
    torch.testing.assert_close(Scale(0)(x, _gen()), x, rtol=0, atol=1e-5)


# ------------------------------------------------------------------------------------------------ common
@pytest.mark.parametrize("spec", ["shift:2", "rotate:20", "scale:0.2", "shift:1,rotate:10"])
def test_a_seeded_generator_reproduces_the_draws(spec):
    x = torch.rand(8, 1, 10, 10, generator=_gen(9))
    aug = build_transform(spec)
    a, b, c = aug(x, _gen(5)), aug(x, _gen(5)), aug(x, _gen(6))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    g = _gen(5)
    first, second = aug(x, g), aug(x, g)  # the generator advances: consecutive batches differ
    assert torch.equal(first, a) and not torch.equal(second, a)


def test_augmentation_does_not_touch_the_global_rng():
    state = torch.get_rng_state()
    build_transform("shift:2,rotate:10")(torch.rand(4, 1, 8, 8, generator=_gen()), _gen())
    assert torch.equal(torch.get_rng_state(), state)


def test_compose_applies_the_parts_in_order():
    x = torch.rand(6, 1, 9, 9, generator=_gen(1))
    g1, g2 = _gen(3), _gen(3)
    expected = Rotate(15)(Shift(1)(x, g2), g2)
    torch.testing.assert_close(build_transform("shift:1,rotate:15")(x, g1), expected)


@pytest.mark.parametrize("spec", [None, "", "none"])
def test_no_augmentation(spec):
    assert build_transform(spec) is None


def test_unknown_augmentation_names_the_known_ones():
    with pytest.raises(ConfigError, match=r"(?s)Unknown transform 'shfit'.*Did you mean 'shift'.*rotate"):
        build_transform("shfit:1")
    assert {"shift", "rotate"} <= set(TRANSFORMS.names())


@pytest.mark.parametrize("spec,match", [
    ("shift:-1", r"shift strength -1\.0 must be a whole pixel count in \[0, 64\]"),
    ("shift:65", r"shift strength 65\.0 must be"),
    ("shift:1.5", r"whole pixel count"),
    ("shift:nan", r"whole pixel count"),
    ("shift:inf", r"whole pixel count"),
    ("rotate:181", r"rotate strength 181\.0 must be degrees in \[0, 180\]"),
    ("rotate:-5", r"rotate strength"),
    ("rotate:nan", r"rotate strength"),
    ("scale:1", r"scale strength 1\.0 must be in \[0, 1\)"),
    ("scale:-0.1", r"scale strength"),
    ("shift:two", r"strength after ':' must be a number"),
    (",", r"Empty transform spec"),
])
def test_out_of_range_strengths_are_config_errors(spec, match):
    with pytest.raises(ConfigError, match=match):
        build_transform(spec)


@pytest.mark.parametrize("spec", ["shift:1", "rotate:10", "scale:0.1"])
def test_image_augmentations_reject_flat_vectors_clearly(spec):
    with pytest.raises(ConfigError, match=r"(?s)needs image batches \(B, C, H, W\); got shape \(4, 13\).*image_shape"):
        build_transform(spec)(torch.zeros(4, 13), _gen())
