"""Configs and registries: JSON round trip, unknown names/keys/options and bad ranges are errors
that name the problem and the fix."""

from __future__ import annotations

import json

import numpy as np
import pytest

from aekit import AutoEncoder, ConfigError, ModelConfig, ScalerConfig, TrainConfig
from aekit.bottlenecks import BOTTLENECKS
from aekit.config import from_dict, to_dict
from aekit.nets import NETS
from aekit.registry import Registry, parse_specs

X = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)


def _fit(**kw):
    return AutoEncoder(**{"latent_dim": 2, "epochs": 1, "verbose": False, "device": "cpu", **kw}).fit(X)


# ---------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("cfg", [
    ModelConfig(input_shape=(3, 8, 8), net="conv", net_options={"channels": [4, 8]}, latent_dim=5, loss="bce"),
    TrainConfig(epochs=3, lr=0.01, patience=None, augment="shift:2", checkpoint_dir="/tmp/x"),
    ScalerConfig(kind="minmax"),
])
def test_to_dict_from_dict_round_trip_through_json(cfg):
    back = from_dict(type(cfg), json.loads(json.dumps(to_dict(cfg))))
    assert back == cfg
    if isinstance(cfg, ModelConfig):
        assert back.input_shape == (3, 8, 8)  # the JSON list comes back as a tuple


# ---------------------------------------------------------------------------- unknown names
def test_unknown_network_name_lists_choices_and_close_match():
    with pytest.raises(ConfigError, match=r"Unknown network 'mpl'\. Did you mean 'mlp'\?") as info:
        _fit(net="mpl")
    for name in NETS.names():
        assert repr(name)[1:-1] in str(info.value)


def test_unknown_bottleneck_name_lists_choices_and_close_match():
    with pytest.raises(ConfigError, match=r"Unknown bottleneck 'continous'\. Did you mean 'continuous'\?") as info:
        _fit(bottleneck="continous")
    assert "Available:" in str(info.value)
    for name in BOTTLENECKS.names():
        assert name in str(info.value)


def test_unknown_name_without_close_match_still_lists_choices():
    reg = Registry("widget")
    reg.register("alpha")(lambda: 1)
    reg.register("beta")(lambda: 2)
    with pytest.raises(ConfigError, match=r"Unknown widget 'zzz'\. Available: alpha, beta\.$"):
        reg.get("zzz")


def test_duplicate_registration_is_refused():
    reg = Registry("widget")
    reg.register("a")(lambda: 1)
    with pytest.raises(ConfigError, match=r"widget 'a' is already registered"):
        reg.register("a")(lambda: 2)


def test_unknown_net_option_names_it_and_lists_accepted():
    with pytest.raises(ConfigError, match=r"Unknown option\(s\) \['hiden'\] for network 'mlp'; accepted: .*'hidden'"
                                          r".*Did you mean 'hidden'"):
        _fit(net_options={"hiden": [8]})


def test_unknown_bottleneck_option():
    with pytest.raises(ConfigError, match=r"Unknown option\(s\) \['beta'\] for bottleneck 'continuous'"):
        _fit(bottleneck_options={"beta": 1.0})


def test_net_options_are_used():
    ae = _fit(net_options={"hidden": [7]})
    widths = [m.out_features for m in ae.model_.encoder.modules() if hasattr(m, "out_features")]
    assert widths == [7, 2]


# ---------------------------------------------------------------------------- from_dict keys
def test_unknown_config_key_names_it_and_suggests():
    with pytest.raises(ConfigError, match=r"Unknown key\(s\) in TrainConfig: 'epoch' \(did you mean 'epochs'\?\)"
                                          r".*Known keys: .*batch_size"):
        from_dict(TrainConfig, {"epoch": 3})


def test_config_must_be_an_object():
    with pytest.raises(ConfigError, match=r"TrainConfig must be a JSON object, got list"):
        from_dict(TrainConfig, [1, 2])


@pytest.mark.parametrize("data, msg", [
    ({"epochs": "3"}, r"^epochs='3' must be a whole number >= 1 \(passes over the training data\), not a str\.$"),
    ({"epochs": 2.5}, r"^epochs=2.5 must be a whole number >= 1 \(passes over the training data\), not a float\.$"),
    ({"lr": "fast"}, r"^lr='fast' must be a number > 0 \(learning rate\), not a str\.$"),
    ({"patience": "x"}, r"^patience='x' must be a whole number >= 1 or None \(epochs without .*\), not a str\.$"),
    ({"n_threads": True}, r"^n_threads=True must be a whole number >= 1 or None \(CPU threads .*\), not a bool\.$"),
])
def test_wrong_value_type_names_the_field(data, msg):
    with pytest.raises(ConfigError, match=msg):
        from_dict(TrainConfig, data)


def test_numpy_hyper_parameters_save_and_load(tmp_path):
    # as a grid search over np.arange / np.logspace passes them
    ae = _fit(latent_dim=np.int64(2), epochs=np.int64(1), lr=np.float32(1e-3), val_fraction=np.float64(0.2))
    assert type(ae.train_config_.epochs) is int and type(ae.train_config_.lr) is float
    ae.save(tmp_path / "m")
    loaded = AutoEncoder.load(tmp_path / "m")
    assert loaded.get_params()["epochs"] == 1
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))


# ---------------------------------------------------------------------------- ranges
@pytest.mark.parametrize("kw, msg", [
    ({"epochs": 0}, r"epochs=0 must be a whole number >= 1 \(passes over the training data\)\.$"),
    ({"lr": -0.1}, r"lr=-0.1 must be a number > 0 \(learning rate\)\.$"),
    ({"lr": 0.0}, r"lr=0.0 must be a number > 0"),
    ({"lr": float("inf")}, r"lr=inf must be a number > 0"),
    ({"val_fraction": 1.0}, r"val_fraction=1.0 must be a number in \[0, 1\) \(fraction of the training data held"),
    ({"weight_decay": -1.0}, r"weight_decay=-1.0 must be a number >= 0 \(AdamW weight decay\)"),
    ({"batch_size": 0}, r"batch_size=0 must be a whole number >= 1 \(samples per training step\)"),
    ({"patience": 0}, r"patience=0 must be a whole number >= 1 or None"),
    ({"latent_dim": 0}, r"latent_dim=0 must be a whole number >= 1 \(size of the code\)"),
    ({"n_threads": 0}, r"n_threads=0 must be a whole number >= 1 or None \(CPU threads"),
    ({"image_shape": (8, 0.5)}, r"image_shape=0.5 must be a whole number >= 1 \(sizes of an image"),
    ({"loss": "huber"}, r"loss='huber' is not one of 'mse', 'bce', 'l1'"),
    ({"scaling": "robust"}, r"scaling='robust' is not one of 'standard', 'minmax', 'global', 'none'"),
    ({"loss": "bce", "scaling": "standard"}, r"loss='bce' needs inputs in \[0, 1\]: use scaling='global' or 'minmax'"),
    ({"image_shape": (3, 3)}, r"image_shape=\(1, 3, 3\) does not fit samples of shape \(4,\)"),
])
def test_bad_values_are_config_errors_before_training(kw, msg):
    with pytest.raises(ConfigError, match=msg):
        _fit(**kw)


@pytest.mark.parametrize("bottleneck, options, msg", [
    ("gaussian", {"beta": -1}, r"^beta=-1 must be a number >= 0 \(weight of the gaussian bottleneck's KL term\)\.$"),
    ("gaussian", {"warmup_steps": 2.5}, r"^warmup_steps=2.5 must be a whole number >= 0 \(.*\), not a float\.$"),
    ("categorical", {"categories": 1}, r"^categories=1 must be a whole number >= 2 \(categories of each"),
    ("categorical", {"tau_start": 0.5, "tau_end": 1.0}, r"^tau_end=1.0 must be a number in \(0, 0.5\] \("),
    ("vq", {"codebook_size": "16"}, r"^codebook_size='16' must be a whole number >= 2 \(.*\), not a str\.$"),
    ("vq", {"decay": 1.0}, r"^decay=1.0 must be a number in \(0, 1\) \(moving-average decay"),
    ("mixture", {"components": 3, "buffer": 2}, r"^buffer=2 must be a whole number >= 3 \(codes kept"),
])
def test_bottleneck_numbers_are_checked_in_the_same_style(bottleneck, options, msg):
    with pytest.raises(ConfigError, match=msg):
        _fit(bottleneck=bottleneck, bottleneck_options=options)


def test_bad_train_config_in_json():
    with pytest.raises(ConfigError, match=r"val_fraction=1 must be a number in \[0, 1\)"):
        from_dict(TrainConfig, {"val_fraction": 1})


def test_model_config_input_shape_layout():
    assert ModelConfig(input_shape=(80, None)).is_sequence  # (C, T): a sequence of any length
    assert ModelConfig(input_shape=[80, 100]).input_shape == (80, 100)
    assert not ModelConfig(input_shape=(1, 8, 8)).is_sequence
    for bad in [(1, 2, 3, 4), (0,), (None,), (None, 5), (3, None, 4), (2.5,), (True,)]:
        with pytest.raises(ConfigError, match=r"must be \(D,\) for vectors, \(C, T\) for sequences"):
            ModelConfig(input_shape=bad)
    back = from_dict(ModelConfig, to_dict(ModelConfig(input_shape=(80, None))))
    assert back.input_shape == (80, None)


# ---------------------------------------------------------------------------- compact specs
def test_parse_specs():
    assert parse_specs("shift:2, flip", "augmentation") == [("shift", 2.0), ("flip", None)]
    with pytest.raises(ConfigError, match=r"Bad augmentation spec 'shift:two'.*must be a number"):
        parse_specs("shift:two", "augmentation")
    with pytest.raises(ConfigError, match=r"Empty augmentation spec"):
        parse_specs(" , ", "augmentation")


@pytest.mark.parametrize("model", ["factor", "adversarial"])
@pytest.mark.parametrize("betas", [(0.5, 1.0), (0.5,), (-0.1, 0.9)])
def test_a_discriminators_adam_betas_are_checked_with_one_message(model, betas):
    from aekit.models.adversarial import AdversarialOptions
    from aekit.models.factor import FactorOptions

    options = {"factor": FactorOptions, "adversarial": AdversarialOptions}[model]
    assert options(betas=[0.1, 0.2]).betas == (0.1, 0.2)
    with pytest.raises(ConfigError, match=r"betas=.* must be two numbers in \[0, 1\)"):
        options(betas=betas)
