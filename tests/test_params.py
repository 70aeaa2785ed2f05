"""The parameter list lives once (``aekit.params.PARAMS``): the estimator's signature, its docs,
the configs it builds and the CLI flags are all derived from it, and these tests fail as soon
as any of them drifts from the table or from the config fields behind it."""

from __future__ import annotations

import dataclasses
import inspect
import re

import numpy as np
import pytest
from sklearn.base import clone

from aekit import AutoEncoder, ConfigError, ModelConfig, ScalerConfig, TrainConfig
from aekit.cli import build_parser
from aekit.cli.common import estimator_kwargs
from aekit.config import Number
from aekit.params import CLI_LESS, PARAMS, flag_of


def _subparser(*path: str):
    parser = build_parser()
    for name in path:
        sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        parser = sub.choices[name]
    return parser


def _actions(parser) -> dict:
    return {a.dest: a for a in parser._actions}


# ---------------------------------------------------------------------------- estimator
def test_the_signature_is_the_table():
    sig = inspect.signature(AutoEncoder)
    assert list(sig.parameters) == [p.name for p in PARAMS]
    for p in PARAMS:
        param = sig.parameters[p.name]
        assert param.default == p.default_value, p.name
        assert param.kind is (param.POSITIONAL_OR_KEYWORD if p.name == "latent_dim" else param.KEYWORD_ONLY)
    assert AutoEncoder(5, lr=0.1).get_params()["latent_dim"] == 5


def test_init_only_stores_and_rejects_what_is_not_a_parameter():
    ae = AutoEncoder(3, epochs=0, model_options={"classes": 2})  # checks happen in fit, as sklearn wants
    assert ae.epochs == 0 and ae.model_options == {"classes": 2}
    assert set(vars(ae)) == {p.name for p in PARAMS}
    with pytest.raises(TypeError, match=r"AutoEncoder\(\) got an unexpected keyword argument 'colour'"):
        AutoEncoder(colour="red")
    with pytest.raises(TypeError, match=r"AutoEncoder\(\) too many positional arguments \(only latent_dim by position"):
        AutoEncoder(3, "mlp")
    twin = clone(AutoEncoder(3, lr=0.1, model="adversarial", n_threads=1))
    assert twin.get_params() == {**AutoEncoder().get_params(), "latent_dim": 3, "lr": 0.1, "model": "adversarial",
                                 "n_threads": 1}


def test_config_backed_parameters_take_default_and_help_from_their_field():
    for p in PARAMS:
        if p.field is None:
            assert p.help and p.type, p.name  # estimator-level: its own help and type
            continue
        f = p.config_field
        assert p.help is None and p.type is None, f"{p.name}: help and type come from {p.field}"
        assert p.help_text.startswith(f.metadata["help"])
        if p.auto is not None:
            assert p.default_value == "auto"
        elif f.default is dataclasses.MISSING:  # dict options: None in the signature, {} in the config
            assert p.default_value is None and f.default_factory() == {}
        else:
            assert p.default_value == f.default, p.name


@pytest.mark.parametrize("cls", [ModelConfig, TrainConfig, ScalerConfig])
def test_every_config_field_has_help_and_a_default_it_accepts(cls):
    for f in dataclasses.fields(cls):
        assert len(f.metadata.get("help", "")) > 8, f"{cls.__name__}.{f.name} has no help"
        number = f.metadata.get("number")
        if number is not None:
            assert isinstance(number, Number) and number.accepts(f.default), f.name


def test_the_configs_fit_builds_carry_each_parameter_to_its_field():
    values = dict(latent_dim=3, bottleneck="gaussian", net_options={"hidden": [5]},
                  bottleneck_options={"beta": 0.5}, epochs=7, lr=0.02, weight_decay=0.0, val_fraction=0.2,
                  patience=None, augment="shift:1", noise="gaussian:0.1", random_state=9, device="cpu",
                  verbose=False, checkpoint_dir="/tmp/ck", model="adversarial", model_options={"disc_every": 2},
                  n_threads=1, net="mlp", loss="l1", scaling="minmax", batch_size=11)
    assert set(values) == {p.name for p in PARAMS} - {"image_shape"}
    ae = AutoEncoder(**values)
    mcfg, tcfg, scfg = ae._configs((4,), 100)
    configs = {ModelConfig: mcfg, TrainConfig: tcfg, ScalerConfig: scfg}
    for p in PARAMS:
        if p.field is not None:
            assert getattr(configs[p.config_class], p.config_field.name) == values[p.name], p.name
    mcfg.net_options["extra"] = 1  # the config holds a copy: the estimator's parameter is untouched
    assert "extra" not in ae.net_options


def test_docstring_documents_every_parameter_once():
    doc = AutoEncoder.__doc__
    section = doc[doc.index("Parameters\n----------\n"):]
    names = re.findall(r"^(\w+) : ", section, flags=re.M)
    assert names == [p.name for p in PARAMS]
    for p in PARAMS:
        assert f"{p.name} : {p.doc_type}, default={p.default_value!r}\n" in section
        first_words = " ".join(p.help_text.split()[1:4])
        assert first_words in " ".join(section.split()), p.name


# ---------------------------------------------------------------------------- command line
def test_every_parameter_is_a_flag_of_aekit_train_or_deliberately_not():
    actions = _actions(_subparser("train"))
    for p in PARAMS:
        if p.name in CLI_LESS:
            assert p.cli is None and CLI_LESS[p.name] and p.name not in actions
        else:
            assert p.cli is not None and p.name in actions, f"{p.name} has no flag on aekit train"
            assert actions[p.name].option_strings == [flag_of(p)]
            assert actions[p.name].help and "%" not in actions[p.name].help.replace("%%", "")


def test_flag_names_stay_as_users_know_them():
    flags = {flag_of(p) for p in PARAMS if p.cli is not None}
    assert {"--latent-dim", "--net", "--net-option", "--bottleneck", "--bottleneck-option", "--image-shape",
            "--loss", "--scaling", "--epochs", "--batch-size", "--lr", "--weight-decay", "--val-fraction",
            "--patience", "--augment", "--noise", "--seed", "--device", "--no-progress", "--checkpoint-dir",
            "--model", "--model-option", "--threads"} == flags


def test_train_flags_default_to_the_estimators_defaults():
    args = build_parser().parse_args(["train", "--data", "wine", "-o", "out"])
    assert AutoEncoder(**estimator_kwargs(args)).get_params() == AutoEncoder().get_params()
    assert args.resume is False


def test_train_flags_set_every_parameter():
    argv = ["train", "--data", "wine", "-o", "out", "--latent-dim", "3", "--net", "conv", "--bottleneck", "vq",
            "--net-option", "channels=[4,8]", "--net-option", "grid=true", "--bottleneck-option", "dim=4",
            "--image-shape", "1", "8", "8", "--loss", "l1", "--scaling", "minmax", "--epochs", "2",
            "--batch-size", "16", "--lr", "0.01", "--weight-decay", "0", "--val-fraction", "0.2",
            "--patience", "none", "--augment", "shift:1", "--noise", "mask:0.1", "--seed", "4", "--device", "cpu",
            "--no-progress", "--checkpoint-dir", "ck", "--model", "adversarial",
            "--model-option", "disc_hidden=[16]", "--threads", "2"]
    kw = estimator_kwargs(build_parser().parse_args(argv))
    assert kw == dict(latent_dim=3, net="conv", bottleneck="vq", net_options={"channels": [4, 8], "grid": True},
                      bottleneck_options={"dim": 4}, image_shape=(1, 8, 8), loss="l1", scaling="minmax", epochs=2,
                      batch_size=16, lr=0.01, weight_decay=0.0, val_fraction=0.2, patience=None, augment="shift:1",
                      noise="mask:0.1", random_state=4, device="cpu", verbose=False, checkpoint_dir="ck",
                      model="adversarial", model_options={"disc_hidden": [16]}, n_threads=2)
    assert type(kw["lr"]) is float and type(kw["epochs"]) is int
    assert estimator_kwargs(build_parser().parse_args(argv[:5] + ["--batch-size", "auto"]))["batch_size"] == "auto"


@pytest.mark.parametrize("flag, value, needle", [
    ("--threads", "0", r"argument --threads: '0' must be a whole number >= 1 or None \(CPU threads"),
    ("--epochs", "2.5", r"argument --epochs: '2.5' must be a whole number >= 1 \(passes over the training data\)"),
    ("--lr", "fast", r"argument --lr: 'fast' must be a number > 0 \(learning rate\)"),
    ("--val-fraction", "1", r"argument --val-fraction: '1' must be a number in \[0, 1\)"),
    ("--batch-size", "big", r"argument --batch-size: 'big' must be a whole number >= 1 or 'auto'"),
])
def test_a_bad_number_is_a_usage_error_naming_the_flag_and_range(flag, value, needle, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["train", "--data", "wine", "-o", "out", flag, value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert re.search(r"aekit train: error: " + needle, err) and "Traceback" not in err


def test_detect_fit_exposes_the_same_knobs_left_to_its_recipe_unless_given():
    fit = _subparser("detect", "fit")
    actions = _actions(fit)
    for name in ("latent_dim", "epochs", "lr", "batch_size", "n_threads"):
        p = next(q for q in PARAMS if q.name == name)
        assert actions[name].option_strings == [flag_of(p)] and p.help_text.split(";")[0] in actions[name].help
    args = fit.parse_args(["--data", "x.csv", "-o", "d"])
    assert estimator_kwargs(args, ["latent_dim", "epochs", "lr", "batch_size"], given_only=True) == {}
    args = fit.parse_args(["--data", "x.csv", "-o", "d", "--latent-dim", "5", "--lr", "0.01"])
    assert estimator_kwargs(args, ["latent_dim", "epochs", "lr", "batch_size"], given_only=True) == \
        {"latent_dim": 5, "lr": 0.01}


def test_estimator_level_numbers_share_the_one_message_style():
    X = np.random.default_rng(0).normal(size=(16, 3)).astype(np.float32)
    ae = AutoEncoder(2, epochs=1, verbose=False, bottleneck="gaussian").fit(X)
    with pytest.raises(ConfigError, match=r"^n=0 must be a whole number >= 1 \(how many samples to draw\)\.$"):
        ae.sample(0)
    with pytest.raises(ConfigError, match=r"^temperature=0 must be a number > 0 \(spread of the prior"):
        ae.sample(2, temperature=0)
    with pytest.raises(ConfigError, match=r"^steps=1 must be a whole number >= 2 \(points on the line"):
        ae.interpolate(X[0], X[1], steps=1)
    with pytest.raises(ConfigError, match=r"^steps=2.0 must be a whole number >= 2 .*, not a float\.$"):
        ae.interpolate(X[0], X[1], steps=2.0)
