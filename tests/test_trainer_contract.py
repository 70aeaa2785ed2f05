"""The one trainer's second-generation contract: named batches of any dtype, Datasets with padding,
the batch pipeline, models with several optimizers and step ratios, every loss term in the history,
resuming every optimizer, further stages, and the context handed to bottlenecks."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

import aekit
from aekit import ModelConfig, TrainConfig, Trainer, create_model
from aekit.checkpoint import read_checkpoint
from aekit.context import Context
from aekit.data.batches import pad_collate
from aekit.errors import CheckpointError, ConfigError, DataError
from aekit.models import Model
from aekit.optim import OptimizerSpec
from aekit.train import TRAIN_STATE_KIND


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def digits_flat(digits):
    return torch.from_numpy(digits.X_train[:400]).float().reshape(400, 64) / 16.0  # (400, 64) in [0, 1]


def _cfg(**kw) -> TrainConfig:
    base = dict(epochs=4, batch_size=32, lr=3e-3, progress=False, device="cpu", warmup_steps=5, patience=None)
    return TrainConfig(**{**base, **kw})


def _aae(seed: int = 0, **opts):
    torch.manual_seed(seed)
    return create_model(ModelConfig(input_shape=(64,), net_options={"hidden": [32]}, latent_dim=4, model="adversarial",
                                    model_options={"disc_hidden": [16], **opts}))


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


class _Recorder(Model):
    """Records every batch the trainer hands it; one parameter, mean-squared objective on ``input``."""

    def __init__(self):
        super().__init__(ModelConfig(input_shape=(3,)))
        self.w = nn.Parameter(torch.zeros(3))
        self.batches: list[dict] = []
        self.contexts: list[Context] = []

    def training_step(self, batch, ctx, optimizer):
        if self.training:
            self.batches.append({k: v.clone() for k, v in batch.items()})
            self.contexts.append(ctx)
        x = batch["input"].float().reshape(len(batch["input"]), -1)[:, :3]
        loss = ((x - self.w) ** 2).mean()
        return {"loss": loss, "losses": {"mse": loss}}


# ---------------------------------------------------------------------------------------------- batches
def test_named_batches_keep_their_dtypes_and_stay_aligned():
    n = 50
    data = {"input": torch.randn(n, 3, dtype=torch.float64), "tokens": torch.arange(n * 4).reshape(n, 4),
            "label": torch.arange(n) % 3}
    model = _Recorder()
    Trainer(_cfg(epochs=1, batch_size=16, val_fraction=0.0)).fit(model, data)
    assert len(model.batches) == math.ceil(n / 16)
    seen = torch.cat([b["label"] for b in model.batches])
    assert sorted(seen.tolist()) == sorted((torch.arange(n) % 3).tolist())  # every sample once per epoch
    for b in model.batches:
        assert b["input"].dtype == torch.float32  # float64 arrays become float32 for the networks
        assert b["tokens"].dtype == torch.int64 and b["label"].dtype == torch.int64  # ids stay integers
        # the entries of one sample travel together through the shuffle
        rows = b["tokens"][:, 0] // 4
        assert torch.equal(b["label"], rows % 3)
        torch.testing.assert_close(b["input"], data["input"][rows].float())


def test_entries_of_different_lengths_are_a_clear_error():
    with pytest.raises(DataError, match="same number of samples"):
        Trainer(_cfg()).fit(_Recorder(), {"input": torch.randn(10, 3), "label": torch.arange(9)})
    with pytest.raises(DataError, match="no 'input' entry"):
        Trainer(_cfg()).fit(_Recorder(), {"x": torch.randn(10, 3)})


class _Sequences(Dataset):
    """Variable-length sequences (C=2, T in 5..12) whose values encode (sample, frame)."""

    def __init__(self, n: int = 40):
        g = torch.Generator().manual_seed(0)
        self.lengths = torch.randint(5, 13, (n,), generator=g).tolist()

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, i):
        t = self.lengths[i]
        x = torch.stack([torch.full((t,), float(i)), torch.arange(t, dtype=torch.float32)])  # (2, T)
        return {"input": x, "label": torch.tensor(i)}


def test_pad_collate_pads_sequences_and_returns_lengths_and_masks():
    ds = _Sequences()
    batch = pad_collate([ds[0], ds[1], ds[2]])
    lengths = [ds.lengths[i] for i in range(3)]
    assert batch["input"].shape == (3, 2, max(lengths))
    assert batch["lengths"].tolist() == lengths
    assert batch["mask"].dtype == torch.bool and batch["mask"].sum(1).tolist() == lengths
    for i, t in enumerate(lengths):
        assert torch.equal(batch["input"][i, :, :t], ds[i]["input"])
        assert (batch["input"][i, :, t:] == 0).all()
    with pytest.raises(DataError, match="differ in more than the last"):
        pad_collate([{"input": torch.zeros(2, 5)}, {"input": torch.zeros(3, 5)}])


@pytest.mark.parametrize("workers", [0, 2])
def test_a_dataloader_with_workers_gives_the_same_padded_batches(workers):
    ds = _Sequences()
    runs = []
    for data in (ds, DataLoader(ds, batch_size=7, num_workers=workers, collate_fn=pad_collate)):
        model = _Recorder()
        Trainer(_cfg(epochs=2, batch_size=8, val_fraction=0.25, seed=3)).fit(model, data)
        runs.append(model.batches)
    plain, loaded = runs
    assert len(plain) == len(loaded) == 2 * math.ceil(30 / 8)  # the trainer's batch size, not the loader's
    for a, b in zip(plain, loaded):
        assert a.keys() == b.keys() == {"input", "label", "lengths", "mask"}
        assert all(torch.equal(a[k], b[k]) for k in a)
        # the mask covers exactly the real frames of each sample
        assert torch.equal(a["mask"].sum(1), torch.tensor([ds.lengths[int(i)] for i in a["label"]]))


# ---------------------------------------------------------------------------------------------- pipeline
def test_extra_pipeline_steps_run_after_augment_and_noise():
    x = torch.zeros(16, 1, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0
    calls = []

    def tag(batch, gen):
        calls.append(("target" in batch, float((batch["input"] != batch["target"]).float().mean())))
        return {**batch, "input": batch["input"] + 10.0}

    model = _Recorder()
    Trainer(_cfg(epochs=1, batch_size=16, val_fraction=0.0, noise="gaussian:0.1"), pipeline=[tag]).fit(model, x)
    has_target, differs = calls[-1]  # (the first call checks the pipeline on one sample before training)
    assert has_target and differs > 0.9  # the corruption ran first: the clean target is kept beside the input
    (b,) = model.batches
    assert b["input"].min() > 5 and torch.equal(b["target"], x)


# ---------------------------------------------------------------------------------------------- optimizers
class _CountSteps(Trainer):
    """A trainer that records the name of every optimizer step, in order."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.seen: list[str] = []

    def _optimizers(self, contract):
        specs, opts = super()._optimizers(contract)
        for name, opt in opts.items():
            orig = opt.step

            def step(closure=None, _orig=orig, _name=name):
                self.seen.append(_name)
                return _orig(closure)
            opt.step = step
        return specs, opts


def test_every_optimizer_steps_on_its_own_schedule_and_ratio(digits_flat):
    model = _aae(disc_every=3)
    assert [s.name for s in model.configure_optimizers(_cfg())] == ["ae", "disc", "gen"]
    cfg = _cfg(epochs=2, batch_size=50, val_fraction=0.0)
    trainer = _CountSteps(cfg)
    trainer.fit(model, digits_flat)
    total = 2 * math.ceil(len(digits_flat) / 50)
    seen = trainer.seen
    assert seen.count("ae") == seen.count("disc") == total
    assert seen.count("gen") == total // 3  # k = 3 discriminator steps per generator step
    assert seen[:7] == ["ae", "disc", "ae", "disc", "ae", "disc", "gen"]  # in the model's order within a batch


def test_history_logs_every_term_of_every_optimizer(digits_flat):
    h = Trainer(_cfg(epochs=3)).fit(_aae(), digits_flat)
    assert len(h.terms) == 3
    assert {"ae.loss", "ae.recon", "disc.loss", "disc.bce", "gen.loss", "gen.adv"} <= set(h.terms[-1])
    assert h.train_loss == [t["ae.loss"] for t in h.terms]  # the first optimizer's objective is the train loss
    assert {"disc.d_real", "disc.d_code"} <= set(h.info[-1])
    assert all(math.isfinite(v) for t in h.terms for v in t.values())
    assert h.terms[-1]["ae.recon"] < h.terms[0]["ae.recon"]  # it learns to reconstruct meanwhile


def test_a_single_optimizer_model_logs_its_named_terms_unprefixed(digits_flat):
    torch.manual_seed(0)
    vae = create_model(ModelConfig(input_shape=(64,), net_options={"hidden": [32]}, latent_dim=4,
                                   bottleneck="gaussian"))
    h = Trainer(_cfg(epochs=2)).fit(vae, digits_flat)
    assert set(h.terms[-1]) == {"recon", "kl"}
    assert h.train_loss[-1] == pytest.approx(h.terms[-1]["recon"] + h.terms[-1]["kl"], rel=1e-5)


def test_bad_optimizer_declarations_are_clear_errors(digits_flat):
    class Twice(_Recorder):
        def configure_optimizers(self, train):
            return [OptimizerSpec("a", [self.w]), OptimizerSpec("a", [self.w])]

    with pytest.raises(ConfigError, match="distinct names"):
        Trainer(_cfg()).fit(Twice(), torch.randn(20, 3))

    class Bad(_Recorder):
        def configure_optimizers(self, train):
            return [OptimizerSpec("main", [self.w], algorithm="lbfgs")]

    with pytest.raises(ConfigError, match="algorithm='lbfgs' must be one of"):
        Trainer(_cfg()).fit(Bad(), torch.randn(20, 3))


def test_parameter_groups_keep_their_own_learning_rates_under_the_schedule():
    seen = []

    class Groups(_Recorder):
        def __init__(self):
            super().__init__()
            self.v = nn.Parameter(torch.zeros(3))

        def configure_optimizers(self, train):
            return [OptimizerSpec("main", [{"params": [self.w]}, {"params": [self.v], "lr": 0.1}],
                                  schedule="constant")]

    class Record(Trainer):
        def _optimizers(self, contract):
            specs, opts = super()._optimizers(contract)
            opt = opts["main"]
            orig = opt.step

            def step(closure=None):
                seen.append([g["lr"] for g in opt.param_groups])
                return orig(closure)
            opt.step = step
            return specs, opts

    Record(_cfg(epochs=2, lr=0.01, warmup_steps=1, val_fraction=0.0)).fit(Groups(), torch.randn(64, 3))
    assert seen[-1] == pytest.approx([0.01, 0.1])


# ---------------------------------------------------------------------------------------------- resuming
class _Interrupt:
    def __init__(self, at: int):
        self.at = at

    def __call__(self, trainer, epoch, logs):
        if epoch == self.at:
            raise KeyboardInterrupt


def test_resuming_a_two_optimizer_model_equals_an_uninterrupted_run(digits_flat, tmp_path):
    kw = dict(epochs=5, seed=2, checkpoint_every=1)
    ref = _aae()
    h_ref = Trainer(_cfg(**kw)).fit(ref, digits_flat)

    ck = tmp_path / "ck"
    with pytest.raises(KeyboardInterrupt):
        Trainer(_cfg(**kw, checkpoint_dir=str(ck)), callbacks=[_Interrupt(2)]).fit(_aae(), digits_flat)
    meta, files = read_checkpoint(ck / "last", TRAIN_STATE_KIND)
    assert sorted(meta["optimizers"]) == ["ae", "disc", "gen"]  # every optimizer's state is saved
    assert {k.split("/")[0] for k in files["optimizer.safetensors"]} == {"ae", "disc", "gen"}

    torch.manual_seed(123)  # whatever happens before resuming must not matter
    resumed = _aae(seed=9)
    h = Trainer(_cfg(**kw, checkpoint_dir=str(ck))).fit(resumed, digits_flat, resume=True)
    assert h.train_loss == h_ref.train_loss and h.terms == h_ref.terms
    assert _same_weights(resumed, ref)


def test_resuming_with_another_set_of_optimizers_is_refused(digits_flat, tmp_path):
    cfg = _cfg(epochs=2, checkpoint_dir=str(tmp_path / "ck"))
    Trainer(cfg).fit(_aae(), digits_flat)
    torch.manual_seed(0)
    plain = create_model(ModelConfig(input_shape=(64,), net_options={"hidden": [32]}, latent_dim=4))
    with pytest.raises(CheckpointError, match="Cannot resume"):
        Trainer(cfg).fit(plain, digits_flat, resume=True)


# ---------------------------------------------------------------------------------------------- stages
def test_the_code_prior_is_a_second_stage_of_the_trainer(digits_flat, tmp_path):
    torch.manual_seed(0)
    model = create_model(ModelConfig(
        input_shape=(64,), net_options={"hidden": [32]}, latent_dim=4, bottleneck="vq",
        bottleneck_options={"codebook_size": 8, "dim": 4, "prior": {"d_model": 16, "layers": 1, "heads": 2,
                                                                     "epochs": 3}}))
    prior_before = {k: v.clone() for k, v in model.bottleneck.prior.state_dict().items()}
    ck = tmp_path / "ck"
    h = Trainer(_cfg(epochs=2, checkpoint_dir=str(ck))).fit(model, digits_flat)
    assert set(h.stages) == {"prior"} and h.stages["prior"].epochs_run == 3
    # the prior did not move while the auto-encoder trained, then it learned the codes in its own stage
    assert h.stages["prior"].train_loss[-1] < h.stages["prior"].train_loss[0]
    assert not _same_weights_dict(prior_before, model.bottleneck.prior.state_dict())
    assert not any(p.requires_grad for p in model.bottleneck.prior.parameters())  # frozen again afterwards
    assert (ck / "stage-prior" / "last").is_dir()  # with its own resumable state
    # the stage's data are the trained auto-encoder's codes: the prior scores them better than uniform
    with torch.no_grad():
        idx = model.encode(digits_flat).indices
        nll = -model.bottleneck.prior.log_prob(idx).mean() / idx.shape[1]
    assert nll < math.log(8)


def _same_weights_dict(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------------------------------------- context
def test_the_trainer_hands_every_step_its_context():
    model = _Recorder()
    Trainer(_cfg(epochs=3, batch_size=10, val_fraction=0.2)).fit(model, torch.randn(50, 3))
    steps = [c.step for c in model.contexts]
    assert steps == list(range(12))  # 40 training samples / 10 = 4 steps per epoch, global and 0-based
    assert {c.n_train for c in model.contexts} == {40} and {c.total_steps for c in model.contexts} == {12}
    assert [c.epoch for c in model.contexts] == [e for e in range(3) for _ in range(4)]
    assert {c.data_dim for c in model.contexts} == {3}


def test_kl_warmup_follows_the_trainers_step(digits_flat):
    def run(warmup):
        torch.manual_seed(0)
        vae = create_model(ModelConfig(input_shape=(64,), net_options={"hidden": [32]}, latent_dim=4,
                                       bottleneck="gaussian", bottleneck_options={"warmup_steps": warmup}))
        return Trainer(_cfg(epochs=2, batch_size=40, val_fraction=0.0)).fit(vae, digits_flat)

    plain, warm = run(0), run(1000)
    # with 20 steps of a 1000-step warm-up the KL term weighs at most 2% of its full value
    assert warm.terms[0]["kl"] < 0.05 * plain.terms[0]["kl"]
