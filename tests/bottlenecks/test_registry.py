"""Every registered bottleneck keeps the one contract: same return type, gradients reach the
encoder, codes round-trip through ``decode_code``, and ``sample_prior`` either samples or says why not."""

from __future__ import annotations

import pytest
import torch

from aekit.bottlenecks import BOTTLENECKS, BottleneckOutput, create_bottleneck
from aekit.errors import NoPriorError

from _bottleneck_options import LATENT, OPTIONS

DISCRETE = ["binary", "categorical", "vq"]


def make(name: str, **extra):
    return create_bottleneck(name, LATENT.get(name, 4), **{**OPTIONS[name], **extra})


def test_all_registered_bottlenecks_are_covered():
    assert sorted(OPTIONS) == sorted(BOTTLENECKS.names())


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_forward_shapes_and_backward(name):
    b = make(name).train()
    h = torch.randn(32, b.in_features, requires_grad=True)
    for _ in range(3):  # several steps: lazy initialisations (k-means, mixture placement) happen on the way
        out = b(h)
    assert isinstance(out, BottleneckOutput)
    assert out.z.shape == (32, b.out_features) and out.code.shape == (32, b.code_dim)
    assert all(v.ndim == 0 and torch.isfinite(v) for v in out.losses.values())
    loss = (out.z ** 2).sum() + sum(out.losses.values())
    loss.backward()
    assert h.grad is not None and h.grad.abs().sum() > 0, "no gradient reaches the encoder"


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_codes_round_trip_in_eval_mode(name):
    b = make(name)
    b.train()(torch.randn(64, b.in_features))  # initialise lazily-set state
    b.train()(torch.randn(64, b.in_features))
    b.eval()
    h = torch.randn(20, b.in_features)
    out = b(h)
    torch.testing.assert_close(b.decode_code(out.code), out.z)
    torch.testing.assert_close(b(h).z, out.z)  # inference is deterministic


@pytest.mark.parametrize("name", DISCRETE)
def test_discrete_codes_are_valid_indices(name):
    b = make(name).eval()
    out = b(torch.randn(50, b.in_features))
    assert out.indices is not None and out.indices.dtype == torch.long
    assert out.indices.min() >= 0 and out.indices.max() < b.vocab_size
    torch.testing.assert_close(out.code, out.indices.float())
    with pytest.raises(ValueError, match=r"must lie in \[0"):
        b.decode_code(torch.full((2, b.latent_dim), float(b.vocab_size)))
    with pytest.raises(ValueError, match="whole numbers"):
        b.decode_code(torch.full((2, b.latent_dim), 0.5))
    with pytest.raises(ValueError, match="do not fit"):
        b.decode_code(torch.zeros(2, b.latent_dim + 1))


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_sample_prior_or_a_clear_error(name):
    b = make(name)
    if b.generative:
        z = b.sample_prior(7, torch.Generator().manual_seed(0))
        assert z.shape == (7, b.out_features) and torch.isfinite(z).all()
        z2 = b.sample_prior(7, torch.Generator().manual_seed(0))
        torch.testing.assert_close(z, z2)  # seeded
    else:
        with pytest.raises(NoPriorError, match="prior"):
            b.sample_prior(3)


@pytest.mark.parametrize("name", DISCRETE)
def test_a_prior_makes_discrete_bottlenecks_generative(name):
    b = make(name, prior={"d_model": 16, "layers": 1, "heads": 2})
    assert b.generative
    idx = b.sample_indices(5, torch.Generator().manual_seed(1))
    assert idx.shape == (5, b.latent_dim) and idx.max() < b.vocab_size
    assert b.sample_prior(5).shape == (5, b.out_features)
