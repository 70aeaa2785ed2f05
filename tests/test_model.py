"""AEModel: shapes, losses and gradients for every registered network and bottleneck."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from aekit import AEModel, ConfigError, ModelConfig
from aekit.bottlenecks import BOTTLENECKS

from _bottleneck_options import LATENT, OPTIONS
from aekit.nets import NETS

# small widths keep the tests fast; the shapes are what matters
SMALL = {"mlp": {"hidden": [16]}, "conv": {"channels": [4, 8]}, "conv1d": {"channels": [8, 16]}}

SHAPES = [
    ("mlp", (13,)),
    ("mlp", (1, 8, 8)),
    ("mlp", (3, 32, 32)),
    ("conv", (1, 28, 28)),
    ("conv", (1, 25, 25)),
    ("conv", (1, 7, 7)),
    ("conv", (3, 32, 32)),
    ("conv", (1, 8, 8)),
    ("conv", (2, 5, 9)),
]


def _model(net: str, shape, bottleneck: str = "continuous", latent_dim: int = 5, **kw) -> AEModel:
    torch.manual_seed(0)
    return AEModel(ModelConfig(input_shape=shape, net=net, net_options=SMALL.get(net, {}), bottleneck=bottleneck,
                               latent_dim=latent_dim, **kw))


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.mark.parametrize("net,shape", SHAPES)
def test_forward_shapes(net, shape):
    model = _model(net, shape)
    x = torch.rand(4, *shape)
    out = model(x)
    assert out["x_hat"].shape == x.shape and out["logits"].shape == x.shape
    assert out["per_sample"].shape == (4,)
    assert out["loss"].shape == () and out["losses"]["recon"].shape == ()
    assert out["bottleneck"].z.shape == (4, model.bottleneck.out_features)
    assert out["bottleneck"].code.shape == (4, model.bottleneck.code_dim)
    torch.testing.assert_close(out["losses"]["recon"], out["per_sample"].mean())
    # and it is the mean squared error it claims to be
    torch.testing.assert_close(out["losses"]["recon"], F.mse_loss(out["x_hat"], x))


@pytest.mark.parametrize("net,shape", SHAPES)
def test_samples_do_not_depend_on_the_rest_of_the_batch(net, shape):
    """No batch statistics: data-parallel shards and one-at-a-time scoring give the batch's results."""
    model = _model(net, shape).eval()
    x = torch.rand(6, *shape)
    with torch.no_grad():
        whole = model(x)["x_hat"]
        one_by_one = torch.cat([model(x[i:i + 1])["x_hat"] for i in range(6)])
    torch.testing.assert_close(one_by_one, whole, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("net,shape", [("mlp", (13,)), ("conv", (1, 25, 25)), ("conv", (3, 32, 32))])
def test_bce_gives_probabilities_and_the_bce_loss(net, shape):
    model = _model(net, shape, loss="bce")
    x = torch.rand(4, *shape)
    out = model(x)
    assert out["x_hat"].min() >= 0 and out["x_hat"].max() <= 1
    torch.testing.assert_close(out["x_hat"], torch.sigmoid(out["logits"]))
    torch.testing.assert_close(out["loss"], F.binary_cross_entropy(out["x_hat"], x), rtol=1e-4, atol=1e-6)


def test_mse_output_is_unbounded_and_l1_is_the_mean_absolute_error():
    x = torch.randn(8, 13) * 3
    out = _model("mlp", (13,))(x)
    assert torch.equal(out["x_hat"], out["logits"])  # no squashing for mse
    l1 = _model("mlp", (13,), loss="l1")(x)
    torch.testing.assert_close(l1["loss"], (l1["x_hat"] - x).abs().mean())


@pytest.mark.parametrize("loss", ["mse", "l1"])
def test_sigmoid_output_bounds_the_reconstruction_and_the_loss_uses_it(loss):
    x = torch.rand(8, 13)
    model = _model("mlp", (13,), loss=loss, output="sigmoid")
    with torch.no_grad():  # push the logits far out: the output still stays inside (0, 1)
        model.decoder.net[-1].bias.fill_(50.0)
    out = model(x)
    torch.testing.assert_close(out["x_hat"], torch.sigmoid(out["logits"]))
    assert out["x_hat"].min() >= 0 and out["x_hat"].max() <= 1
    err = (out["x_hat"] - x).abs() if loss == "l1" else (out["x_hat"] - x) ** 2
    torch.testing.assert_close(out["loss"], err.mean())


def test_output_option_is_validated():
    assert ModelConfig(loss="bce").output_activation == "sigmoid"
    assert ModelConfig(loss="mse").output_activation == "linear"
    with pytest.raises(ConfigError, match=r"output='tanh' is not one of"):
        ModelConfig(output="tanh")
    with pytest.raises(ConfigError, match=r"loss='bce' needs a sigmoid output"):
        ModelConfig(loss="bce", output="linear")


def test_target_differs_from_input_for_denoising():
    model = _model("mlp", (13,))
    x, clean = torch.randn(4, 13), torch.randn(4, 13)
    out = model(x, target=clean)
    torch.testing.assert_close(out["loss"], F.mse_loss(out["x_hat"], clean))
    torch.testing.assert_close(out["x_hat"], model(x)["x_hat"])


def test_loss_weights_scale_the_named_terms():
    x = torch.randn(4, 13)
    plain = _model("mlp", (13,))(x)["loss"]
    weighted = _model("mlp", (13,), loss_weights={"recon": 2.5})(x)["loss"]
    torch.testing.assert_close(weighted, 2.5 * plain)


@pytest.mark.parametrize("net,shape", SHAPES)
def test_backward_reaches_every_parameter(net, shape):
    model = _model(net, shape)
    model(torch.rand(4, *shape))["loss"].backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, f"{name} gets no gradient"
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"{name} has an all-zero gradient"


def test_invalid_model_configs_are_config_errors():
    with pytest.raises(ConfigError, match="input_shape"):
        ModelConfig(input_shape=(1, 28, 28, 1))
    with pytest.raises(ConfigError, match=r"sequence of any length: the mlp network needs a fixed size"):
        _model("mlp", (3, None))
    with pytest.raises(ConfigError, match="latent_dim"):
        ModelConfig(latent_dim=0)
    with pytest.raises(ConfigError, match="loss"):
        ModelConfig(loss="hinge")
    with pytest.raises(ConfigError, match=r"conv network needs images"):
        _model("conv", (13,))
    with pytest.raises(ConfigError, match=r"Unknown network 'cnov'.*Did you mean 'conv'"):
        _model("cnov", (1, 8, 8))


# ------------------------------------------------------------------ every registered component
def _shape_for(net: str) -> tuple[tuple, tuple[int, ...]]:
    """``(config shape, data shape)`` that ``net`` accepts: an image, a vector, or a sequence of any length."""
    for shape, data in [((1, 12, 10), (1, 12, 10)), ((20,), (20,)), ((3, None), (3, 20))]:
        try:
            _model(net, shape)
            return shape, data
        except ConfigError:
            continue
    pytest.fail(f"network {net!r} accepts neither images (1, 12, 10), vectors (20,) nor sequences (3, T)")


COMBOS = [(n, b) for n in NETS.names() for b in BOTTLENECKS.names()]


def test_the_registries_hold_the_core_components():
    assert {"mlp", "conv"} <= set(NETS.names())
    assert "continuous" in BOTTLENECKS.names()


@pytest.mark.parametrize("net,bottleneck", COMBOS)
def test_every_net_and_bottleneck_trains_forward_and_backward(net, bottleneck):
    shape, data = _shape_for(net)
    model = _model(net, shape, bottleneck=bottleneck, latent_dim=LATENT.get(bottleneck, 4),
                   bottleneck_options=OPTIONS[bottleneck]).train()
    x = torch.rand(6, *data)
    out = model(x)
    assert out["x_hat"].shape == x.shape
    assert out["loss"].shape == () and torch.isfinite(out["loss"])
    assert set(out["losses"]) >= {"recon"}
    assert all(v.shape == () and torch.isfinite(v) for v in out["losses"].values())
    out["loss"].backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None]
    assert not no_grad, f"parameters without gradient: {no_grad}"
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    # one optimizer step lowers the loss on the batch (the objective is wired to the parameters)
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    before = model.eval()(x)["loss"].item()
    for _ in range(5):
        opt.zero_grad()
        model.train()(x)["loss"].backward()
        opt.step()
    assert model.eval()(x)["loss"].item() < before


@pytest.mark.parametrize("net,bottleneck", COMBOS)
def test_code_round_trip_gives_the_forward_reconstruction(net, bottleneck):
    shape, data = _shape_for(net)
    model = _model(net, shape, bottleneck=bottleneck, latent_dim=LATENT.get(bottleneck, 4),
                   bottleneck_options=OPTIONS[bottleneck])
    model.train()(torch.rand(8, *data))  # lazy state (k-means codebook) is set on the first training batch
    model.eval()
    x = torch.rand(5, *data)
    with torch.no_grad():
        out = model(x)
        code = out["bottleneck"].code
        # one code per sample, or one per frame group of a sequence
        assert code.shape[0] == 5 and code.shape[-1] == model.bottleneck.code_dim
        assert code.dim() == (3 if model.config.is_sequence else 2)
        z = model.bottleneck.decode_code(code)
        torch.testing.assert_close(z, out["bottleneck"].z, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(model.decode(z), out["x_hat"], rtol=1e-5, atol=1e-6)
        # encode/decode, the path the estimator uses, agrees with forward too
        torch.testing.assert_close(model.decode(model.encode(x).z), out["x_hat"], rtol=1e-5, atol=1e-6)
