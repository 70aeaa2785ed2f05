"""Binary, categorical, mixture and joint bottlenecks: the behaviour each promises."""

import math

import numpy as np
import pytest
import torch

from aekit.context import Context

from aekit.bottlenecks import create_bottleneck
from aekit.errors import ConfigError, NoPriorError


def test_binary_codes_are_bits_and_pm1_maps_them():
    h = torch.tensor([[2.0, -1.0, 0.5, -3.0]])
    b = create_bottleneck("binary", 4).eval()
    out = b(h)
    assert out.code.tolist() == [[1.0, 0.0, 1.0, 0.0]] and out.z.tolist() == [[1.0, 0.0, 1.0, 0.0]]
    pm = create_bottleneck("binary", 4, values="pm1").eval()
    assert pm(h).z.tolist() == [[1.0, -1.0, 1.0, -1.0]]
    assert out.info["bits"] == 4


def test_binary_straight_through_gradient_is_the_sigmoid_slope():
    b = create_bottleneck("binary", 2, stochastic=False).train()
    h = torch.tensor([[0.0, 2.0]], requires_grad=True)
    b(h).z.sum().backward()
    s = torch.sigmoid(h.detach())
    torch.testing.assert_close(h.grad, s * (1 - s))


def test_stochastic_bits_follow_the_probability_in_training():
    b = create_bottleneck("binary", 1).train()
    h = torch.full((20000, 1), math.log(0.3 / 0.7))  # p = 0.3
    assert abs(float(b(h).code.mean()) - 0.3) < 0.015


def test_categorical_temperature_anneals_and_inference_is_hard():
    b = create_bottleneck("categorical", 2, categories=4, tau_start=2.0, tau_end=0.5, anneal_steps=10).train()
    taus = []
    for step in range(12):  # the temperature follows the trainer's global step, handed over in the context
        taus.append(b.temperature(step))
        out = b(torch.randn(8, 8), Context(step=step))
    assert taus[0] == 2.0 and taus[-1] == pytest.approx(0.5) and taus[5] == pytest.approx(1.0)
    # the step comes from outside: the same step gives the same temperature, however often it is called
    assert b(torch.randn(8, 8), Context(step=5)).info["tau"] == pytest.approx(1.0)
    assert b(torch.randn(8, 8), Context(step=5)).info["tau"] == pytest.approx(1.0)
    # straight-through training: the forward pass already sees one-hot vectors
    assert set(out.z.unique().tolist()) <= {0.0, 1.0} and torch.allclose(out.z.reshape(8, 2, 4).sum(-1), torch.ones(8, 2))
    h = torch.tensor([[0.0, 3.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    out = b.eval()(h)
    assert out.indices.tolist() == [[1, 0]] and out.z.tolist() == [[0, 1, 0, 0, 1, 0, 0, 0]]


def test_categorical_kl_to_uniform():
    b = create_bottleneck("categorical", 1, categories=4).eval()
    assert float(b(torch.zeros(3, 4)).losses["kl"]) == pytest.approx(0.0, abs=1e-6)  # uniform q
    confident = b(torch.tensor([[50.0, 0.0, 0.0, 0.0]])).losses["kl"]
    assert float(confident) == pytest.approx(math.log(4), rel=1e-4)


def test_mixture_places_components_on_the_codes_after_pretraining():
    centers = torch.tensor([[4.0, 4.0], [-4.0, -4.0], [4.0, -4.0]])
    b = create_bottleneck("mixture", 2, components=3, pretrain_steps=5, buffer=1000).train()
    g = torch.Generator().manual_seed(0)
    for step in range(5):  # the trainer's steps 0..4: placed at the fifth
        assert not bool(b.initialized)
        lab = torch.randint(3, (200,), generator=g)
        mu = centers[lab] + 0.3 * torch.randn(200, 2, generator=g)
        b(torch.cat([mu, torch.full((200, 2), -6.0)], 1), Context(step=step))
    assert bool(b.initialized)
    assert torch.cdist(b.means.detach(), centers).min(1).values.max() < 0.2
    # the category of a code is its component, consistently for all codes of a blob
    b.eval()
    lab = torch.arange(3).repeat_interleave(50)
    mu = centers[lab] + 0.3 * torch.randn(150, 2, generator=g)
    cat = b(torch.cat([mu, torch.full((150, 2), -6.0)], 1)).code[:, 0].long()
    for k in range(3):
        assert cat[lab == k].unique().numel() == 1
    assert cat.unique().numel() == 3
    # samples come from the components
    z = b.sample_prior(3000, torch.Generator().manual_seed(1))
    assert torch.cdist(z, centers).min(1).values.median() < 0.6
    # a low temperature narrows each component around its mean (it does not pull samples to the origin)
    cold = b.sample_prior(3000, torch.Generator().manual_seed(1), temperature=0.1)
    spread = torch.cdist(cold, b.means.detach()).min(1).values.median()
    assert spread < 0.1 * torch.cdist(z, b.means.detach()).min(1).values.median() * 1.5


def test_mixture_cannot_sample_before_its_components_are_placed():
    b = create_bottleneck("mixture", 2, components=3, pretrain_steps=100)
    with pytest.raises(NoPriorError, match="pretrain_steps=100"):
        b.sample_prior(4)


def test_joint_concatenates_parts_and_names_their_losses():
    b = create_bottleneck("joint", 3, parts=[{"name": "categorical", "latent_dim": 1, "categories": 4},
                                             {"name": "gaussian", "latent_dim": 2}]).eval()
    assert b.in_features == 4 + 4 and b.out_features == 4 + 2 and b.code_dim == 3
    out = b(torch.tensor([[0.0, 0.0, 5.0, 0.0, 1.0, 2.0, 0.0, 0.0]]))
    assert out.code.tolist() == [[2.0, 1.0, 2.0]]
    assert set(out.losses) == {"0.categorical.kl", "1.gaussian.kl"}
    # the values per sample of the data (the KL's scale) reach every part through the context
    scaled = b(torch.tensor([[0.0, 0.0, 5.0, 0.0, 1.0, 2.0, 0.0, 0.0]]), Context(data_dim=10))
    for name in out.losses:
        assert float(scaled.losses[name]) == pytest.approx(float(out.losses[name]) / 10, rel=1e-6)


@pytest.mark.parametrize("name, kw", [
    ("categorical", {"categories": 1}), ("categorical", {"tau_start": 0.5, "tau_end": 1.0}),
    ("binary", {"values": "ab"}), ("mixture", {"components": 1}),
    ("joint", {"parts": []}), ("joint", {"parts": [{"name": "gaussian", "latent_dim": 5}]}),
    ("joint", {"parts": [{"name": "vq", "latent_dim": 2, "prior": {}}]}),
])
def test_bad_options(name, kw):
    with pytest.raises(ConfigError):
        create_bottleneck(name, 2, **kw)


def test_a_joint_code_with_a_discrete_part_cannot_sample_and_says_what_would():
    """The part may not take a learned prior, so the message must not tell the user to give it one."""
    b = create_bottleneck("joint", 3, parts=[{"name": "categorical", "latent_dim": 1, "categories": 4},
                                             {"name": "gaussian", "latent_dim": 2}])
    with pytest.raises(NoPriorError) as err:
        b.sample_prior(2)
    msg = str(err.value)
    assert "0.categorical" in msg and "'gaussian' or 'mixture' parts" in msg
    assert "cannot take a learned prior inside a joint" in msg
    with pytest.raises(ConfigError, match="priors are fitted only on a whole"):
        create_bottleneck("joint", 2, parts=[{"name": "vq", "latent_dim": 2, "prior": {}}])
    # all-Gaussian parts sample
    g = create_bottleneck("joint", 3, parts=[{"name": "gaussian", "latent_dim": 1}, {"name": "gaussian", "latent_dim": 2}])
    assert g.sample_prior(5).shape == (5, 3)
