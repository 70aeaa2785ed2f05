"""Every registered model: built by name, every optimizer's step trains, fit through the one trainer,
saved and rebuilt as the same class."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import aekit
from aekit import MODELS, ModelConfig, TrainConfig, Trainer, create_model
from aekit.context import Context
from aekit.errors import ConfigError
from aekit.optim import spec_params

from _model_options import OPTIONS


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def data(digits):
    x = torch.from_numpy(digits.X_train[:300]).float().reshape(300, 64) / 16.0
    # 300 8-channel signals of 24 frames: one sinusoid (random frequency and phase: the "content") with a
    # gain and offset per channel (the "speaker": statistics that instance normalisation removes)
    g = torch.Generator().manual_seed(0)
    t = torch.arange(24.0)
    freq, phase = 0.2 + torch.rand(300, 1, 1, generator=g) * 0.4, torch.rand(300, 1, 1, generator=g) * 6.3
    gain, offset = 0.5 + torch.rand(300, 8, 1, generator=g), torch.randn(300, 8, 1, generator=g) * 0.5
    seq = gain * torch.sin(freq * t + phase) + offset
    return {"input": x, "label": torch.from_numpy(digits.y_train[:300]).long(), "sequences": seq}


def _tokens(n=300, T=10, vocab=30, seed=0):
    """Learnable token data: runs of consecutive word ids of 5..T tokens, and human 'sentences' alike."""
    g = torch.Generator().manual_seed(seed)
    start, lengths = torch.randint(0, vocab - 4, (n,), generator=g), torch.randint(5, T + 1, (n,), generator=g)
    mask = torch.arange(T)[None] < lengths[:, None]
    ids = 4 + (start[:, None] + torch.arange(T)[None]) % (vocab - 4)
    return {"input": ids * mask, "mask": mask}


def _batch(name, data, n=32):
    if OPTIONS[name].get("data") == "tokens":
        b = {k: v[:n] for k, v in _tokens().items()}
        return b
    seq = OPTIONS[name].get("data") == "sequences"
    b = {"input": data["sequences" if seq else "input"][:n]}
    if OPTIONS[name]["cond"] == "labels":
        b["cond"] = data["label"][:n] % 3
    if seq:  # what the voice models' adversarial classifier reads
        b["speaker"] = data["label"][:n] % 3
    return b


def _model(name, **kw):
    torch.manual_seed(0)
    if OPTIONS[name].get("data") == "tokens":
        model = create_model(ModelConfig(input_shape=(10,), model=name, model_options=OPTIONS[name]["model_options"]))
        real = _tokens(100, seed=1)
        model.set_real_text(real["input"], real["mask"].sum(1))
        return model
    cfg = dict(input_shape=(64,), net_options={"hidden": [32]}, latent_dim=4)
    cfg.update(OPTIONS[name].get("config", {}))
    return create_model(ModelConfig(model=name, model_options=OPTIONS[name]["model_options"], **{**cfg, **kw}))


def test_every_registered_model_is_covered():
    assert set(MODELS.names()) == set(OPTIONS), "add options for new models to tests/_model_options.py"
    assert {"autoencoder", "conditional", "adversarial"} <= set(MODELS.names())


def test_unknown_models_and_options_are_clear_errors():
    with pytest.raises(ConfigError, match=r"Unknown model 'adversarail'.*Did you mean 'adversarial'"):
        create_model(ModelConfig(model="adversarail"))
    with pytest.raises(ConfigError, match=r"Unknown key\(s\) in model_options of 'adversarial': 'disc_hiden'"):
        create_model(ModelConfig(model="adversarial", model_options={"disc_hiden": [3]}))
    with pytest.raises(ConfigError, match="takes no model_options"):
        create_model(ModelConfig(model="autoencoder", model_options={"x": 1}))


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_optimizer_step_reaches_its_parameters(name, data):
    model = _model(name).train()
    batch = _batch(name, data)
    for step in model.pipeline_steps():  # draws the trainer would make (prior samples, ...)
        batch = step(batch, torch.Generator().manual_seed(0))
    specs = [s.resolved(TrainConfig()) for s in model.configure_optimizers(TrainConfig())]
    for spec in specs:
        out = model.training_step(batch, Context(), spec.name)
        assert out["loss"].shape == () and torch.isfinite(out["loss"])
        assert all(torch.isfinite(torch.as_tensor(v)).all() for v in out.get("losses", {}).values())
        model.zero_grad(set_to_none=True)
        out["loss"].backward()
        grads = [p.grad for p in spec_params(spec)]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), f"{spec.name} moves none of its parameters"
        assert all(g is None or torch.isfinite(g).all() for g in grads)
    # validation scores one number per batch, without gradients needed
    with torch.no_grad():
        assert torch.isfinite(model.eval().validation_step(batch, Context())["loss"])


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_every_model_learns_through_the_one_trainer(name, data):
    model = _model(name)
    d = _tokens() if OPTIONS[name].get("data") == "tokens" else _batch(name, data, n=300)
    trainer = Trainer(TrainConfig(epochs=6, batch_size=32, lr=3e-3, progress=False, patience=None))
    before = trainer.evaluate(model, d)
    h = trainer.fit(model, d)
    assert h.val_loss[-1] < 0.7 * before
    assert h.epochs_run == 6 and len(h.terms) == 6


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_the_estimator_saves_and_rebuilds_every_model_as_itself(name, digits, tmp_path):
    if OPTIONS[name].get("estimator") is False:
        pytest.skip(f"{name} trains through its own front end (see tests/voice), not aekit.AutoEncoder")
    if OPTIONS[name].get("data") == "tokens":  # text models have their own estimator, aekit.text.TextSummarizer
        from aekit.text import TextSummarizer

        t = _tokens(60)
        docs = [[f"w{int(i)}" for i in row[m]] for row, m in zip(t["input"], t["mask"])]
        opts = {k: v for k, v in OPTIONS[name]["model_options"].items() if k != "vocab_size"}
        ts = TextSummarizer(vocab_size=40, **opts, epochs=1, batch_size=16).fit(docs, docs[:20])
        ts.save(tmp_path / "t")
        back = TextSummarizer.load(tmp_path / "t")
        assert type(back.model) is type(ts.model) is MODELS.get(name)
        assert back.model.config == ts.model.config and back.vocab.tokens == ts.vocab.tokens
        assert back.summarize_tokens(docs[:5]) == ts.summarize_tokens(docs[:5])
        assert back.expand_tokens([docs[0][:3]]) == ts.expand_tokens([docs[0][:3]])
        return
    X = digits.X_train[:200].reshape(200, 64)
    y = digits.y_train[:200] % 3 if OPTIONS[name]["cond"] else None
    ae = aekit.AutoEncoder(4, model=name, model_options=OPTIONS[name]["model_options"], net_options={"hidden": [16]},
                           epochs=2, verbose=False).fit(X, y)
    ae.save(tmp_path / "m")
    back = aekit.AutoEncoder.load(tmp_path / "m")
    assert type(back.model_) is type(ae.model_) is MODELS.get(name)
    assert back.model_config_ == ae.model_config_
    np.testing.assert_array_equal(back.reconstruct(X[:5], y[:5] if y is not None else None),
                                  ae.reconstruct(X[:5], y[:5] if y is not None else None))
