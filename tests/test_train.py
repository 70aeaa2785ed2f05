"""The one Trainer: learning, early stopping, schedule, errors, determinism, history and resuming."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import aekit
from aekit import AEModel, CheckpointError, ConfigError, ModelConfig, TrainConfig, Trainer
from aekit.checkpoint import read_checkpoint
from aekit.train import TRAIN_STATE_KIND, History, _lr_factor


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def wine_xv(wine):
    """Standardised wine: (train, test) as float tensors."""
    mu, sd = wine.X_train.mean(0), wine.X_train.std(0)
    return (torch.from_numpy((wine.X_train - mu) / sd).float(), torch.from_numpy((wine.X_test - mu) / sd).float())


@pytest.fixture(scope="module")
def digit_images(digits):
    """300 scikit-learn digits as (N, 1, 8, 8) images in [0, 1]."""
    return torch.from_numpy(digits.X_train[:300]).float().reshape(-1, 1, 8, 8) / 16.0


def _wine_model(seed: int = 0, latent_dim: int = 4) -> AEModel:
    torch.manual_seed(seed)
    return AEModel(ModelConfig(input_shape=(13,), latent_dim=latent_dim, net_options={"hidden": [32]}))


def _image_model(seed: int = 0) -> AEModel:
    torch.manual_seed(seed)
    return AEModel(ModelConfig(input_shape=(1, 8, 8), net="mlp", net_options={"hidden": [32]}, latent_dim=6,
                               loss="bce"))


def _cfg(**kw) -> TrainConfig:
    base = dict(epochs=10, batch_size=16, lr=3e-3, progress=False, device="cpu", warmup_steps=5)
    return TrainConfig(**{**base, **kw})


def _same_weights(a: AEModel, b: AEModel) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# ---------------------------------------------------------------------------------------------- learning
def test_training_reduces_the_loss_on_real_data(wine_xv):
    x, val = wine_xv
    model, trainer = _wine_model(), Trainer(_cfg(epochs=40, patience=None))
    initial = trainer.evaluate(model, val)
    history = trainer.fit(model, x, val)
    assert initial > 0.8  # standardised data, untrained decoder: about the variance
    # 4 codes for 13 correlated features: the held-out error falls to about a quarter
    assert history.val_loss[-1] < 0.4 * initial
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert trainer.evaluate(model, val) == pytest.approx(history.best_val, rel=1e-6)


def test_early_stopping_stops_on_a_plateau_and_restores_the_best_epoch(wine_xv):
    x, val = wine_xv
    patience = 5
    cfg = _cfg(epochs=300, lr=3e-2, patience=patience)
    model, trainer = _wine_model(), Trainer(cfg)
    h = trainer.fit(model, x, val)
    assert h.stopped_early and h.epochs_run < 100  # far short of 300
    assert h.epochs_run == h.best_epoch + 1 + patience  # stopped exactly `patience` epochs after the best
    assert h.val_loss[h.best_epoch] == h.best_val == min(h.val_loss)
    assert all(v >= h.best_val for v in h.val_loss[-patience:])
    assert h.val_loss[-1] > h.best_val
    # restore_best: the returned model is the best epoch's, not the last one's
    assert trainer.evaluate(model, val) == pytest.approx(h.best_val, rel=1e-6)
    assert not model.training

    # the same run without restore_best keeps the last weights
    model2, trainer2 = _wine_model(), Trainer(_cfg(epochs=300, lr=3e-2, patience=patience, restore_best=False))
    h2 = trainer2.fit(model2, x, val)
    assert h2.val_loss == h.val_loss
    assert trainer2.evaluate(model2, val) == pytest.approx(h2.val_loss[-1], rel=1e-6)


def test_min_delta_counts_small_gains_as_a_plateau(wine_xv):
    x, val = wine_xv
    h = Trainer(_cfg(epochs=50, patience=3, min_delta=10.0)).fit(_wine_model(), x, val)
    # no epoch beats the first by 10: stop after 1 + 3 epochs, best is the first
    assert h.stopped_early and h.epochs_run == 4 and h.best_epoch == 0


def test_without_validation_split_early_stopping_uses_the_train_loss(wine_xv):
    x, _ = wine_xv
    h = Trainer(_cfg(epochs=5, val_fraction=0.0, patience=None)).fit(_wine_model(), x)
    assert h.val_loss == [] and h.best_val == min(h.train_loss)
    assert h.samples_seen == 5 * len(x)  # nothing held out


# ---------------------------------------------------------------------------------------------- schedule
def test_lr_schedule_warms_up_linearly_then_decays_by_cosine():
    total, warmup = 100, 10
    f = [_lr_factor(s, total, warmup, "cosine") for s in range(total)]
    assert f[:warmup] == pytest.approx([(s + 1) / warmup for s in range(warmup)])  # linear up to the peak
    assert f[warmup - 1] == 1.0
    assert all(a > b for a, b in zip(f[warmup - 1:], f[warmup:]))  # strictly decreasing afterwards
    # cosine: half way through the decay the factor is one half
    assert _lr_factor(warmup - 1 + (total - warmup + 1) // 2, total, warmup, "cosine") == pytest.approx(0.5, abs=0.02)
    assert 0 < f[-1] < 0.01
    const = [_lr_factor(s, total, warmup, "constant") for s in range(total)]
    assert const[:warmup] == f[:warmup] and const[warmup:] == [1.0] * (total - warmup)


def test_trainer_applies_the_schedule_to_the_optimizer(wine_xv, monkeypatch):
    x, _ = wine_xv
    seen: list[float] = []

    class Recording(torch.optim.AdamW):
        def step(self, closure=None):
            seen.append(self.param_groups[0]["lr"])
            return super().step(closure)

    monkeypatch.setattr(torch.optim, "AdamW", Recording)
    cfg = _cfg(epochs=4, batch_size=30, lr=0.01, warmup_steps=2, val_fraction=0.0)
    Trainer(cfg).fit(_wine_model(), x)
    steps_per_epoch = math.ceil(len(x) / 30)
    total = 4 * steps_per_epoch
    assert len(seen) == total
    # warm-up is capped at 5% of the steps on a short run: one step here
    assert seen == pytest.approx([0.01 * _lr_factor(s, total, 1, "cosine") for s in range(total)])
    assert seen[0] == pytest.approx(0.01) and seen[-1] < 0.001


# ---------------------------------------------------------------------------------------------- errors
def test_non_finite_loss_raises_a_clear_error_and_keeps_weights_finite(wine_xv):
    x, _ = wine_xv
    x = x.clone()
    x[7, 3] = float("nan")
    model = _wine_model()
    with pytest.raises(FloatingPointError, match=r"(?s)loss became nan.*Lower lr.*NaN"):
        Trainer(_cfg(epochs=2, val_fraction=0.0)).fit(model, x)
    assert all(torch.isfinite(p).all() for p in model.parameters())  # raised before the bad step


def test_image_augmentation_on_flat_data_fails_before_training(wine_xv, tmp_path):
    x, _ = wine_xv
    with pytest.raises(ConfigError, match="needs image batches"):
        Trainer(_cfg(augment="shift:1", checkpoint_dir=str(tmp_path / "ck"))).fit(_wine_model(), x)
    assert not (tmp_path / "ck").exists()


def test_bad_device_names_are_config_errors():
    with pytest.raises(ConfigError, match="not a device name"):
        Trainer(_cfg(device="banana"))
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA GPU"):
            Trainer(_cfg(device="cuda"))


# ---------------------------------------------------------------------------------------------- determinism
def test_the_same_seed_gives_the_same_run_and_another_seed_another(digit_images):
    x = digit_images
    runs = []
    for seed in (3, 3, 4):
        model = _image_model()
        h = Trainer(_cfg(epochs=3, augment="shift:1", seed=seed)).fit(model, x)
        runs.append((model, h))
    (m1, h1), (m2, h2), (m3, h3) = runs
    assert _same_weights(m1, m2)
    assert h1.train_loss == h2.train_loss and h1.val_loss == h2.val_loss
    # the seed drives shuffling and augmentation (not the initial weights, which are the same here)
    assert not _same_weights(m1, m3) and h1.train_loss != h3.train_loss


# ---------------------------------------------------------------------------------------------- history
def test_history_records_samples_and_throughput(wine_xv):
    x, _ = wine_xv
    x = x[:113]  # 113 = 7 * 16 + 1: the last batch has a single sample, which still counts
    h = Trainer(_cfg(epochs=3, val_fraction=0.0)).fit(_wine_model(), x)
    assert h.samples_seen == 3 * 113
    assert h.epochs_run == 3 and len(h.train_loss) == 3
    assert h.train_seconds > 0
    assert h.samples_per_second == pytest.approx(h.samples_seen / h.train_seconds)
    assert 10 < h.samples_per_second < 1e8
    back = History.from_dict(json.loads(json.dumps(h.to_dict())))
    assert back == h
    assert math.isnan(History().samples_per_second)


# ---------------------------------------------------------------------------------------------- resuming
class _Interrupt:
    """Callback that simulates Ctrl-C after epoch ``at``."""

    def __init__(self, at: int):
        self.at = at

    def __call__(self, trainer, epoch, logs):
        if epoch == self.at:
            raise KeyboardInterrupt


@pytest.mark.parametrize("stop_at,every,patience,min_delta", [
    (2, 1, None, 0.0),  # plain
    (3, 2, None, 0.0),  # last checkpoint is from epoch 2: epoch 3 is redone identically
    (2, 1, 3, 10.0),  # inside an early-stopping streak: the bad-epoch count must carry over
])
def test_resume_after_interrupt_equals_an_uninterrupted_run(digit_images, tmp_path, stop_at, every, patience,
                                                            min_delta):
    x = digit_images
    kw = dict(epochs=5, augment="shift:1", seed=1, patience=patience, min_delta=min_delta, checkpoint_every=every)
    ref = _image_model()
    h_ref = Trainer(_cfg(**kw)).fit(ref, x)

    ck = str(tmp_path / "ck")
    with pytest.raises(KeyboardInterrupt):
        Trainer(_cfg(**kw, checkpoint_dir=ck), callbacks=[_Interrupt(stop_at)]).fit(_image_model(), x, resume=True)
    saved = read_checkpoint(Path(ck) / "last", TRAIN_STATE_KIND)[0]["history"]["epochs_run"]
    assert saved == stop_at - stop_at % every

    torch.manual_seed(999)  # whatever the fresh process does before resuming must not matter
    resumed = _image_model(seed=7)  # different initial weights: all state must come from the checkpoint
    h = Trainer(_cfg(**kw, checkpoint_dir=ck)).fit(resumed, x, resume=True)
    assert h.epochs_run == h_ref.epochs_run
    assert h.train_loss == h_ref.train_loss and h.val_loss == h_ref.val_loss
    assert (h.best_epoch, h.best_val, h.stopped_early, h.samples_seen) == (
        h_ref.best_epoch, h_ref.best_val, h_ref.stopped_early, h_ref.samples_seen)
    assert _same_weights(resumed, ref)
    if patience is not None:
        assert h.stopped_early and h.epochs_run == 4 and h.best_epoch == 0  # restored best = epoch 1
    assert sorted(p.name for p in Path(ck).iterdir()) == ["last"]


def test_resume_without_a_checkpoint_starts_afresh(wine_xv, tmp_path):
    x, _ = wine_xv
    a, b = _wine_model(), _wine_model()
    Trainer(_cfg(epochs=3)).fit(a, x)
    Trainer(_cfg(epochs=3, checkpoint_dir=str(tmp_path / "ck"))).fit(b, x, resume=True)
    assert _same_weights(a, b)


def test_resume_of_a_finished_run_trains_no_more(wine_xv, tmp_path):
    x, _ = wine_xv
    cfg = _cfg(epochs=3, checkpoint_dir=str(tmp_path / "ck"))
    a = _wine_model()
    h1 = Trainer(cfg).fit(a, x)
    b = _wine_model(seed=5)
    h2 = Trainer(cfg).fit(b, x, resume=True)
    assert h2.train_loss == h1.train_loss and h2.samples_seen == h1.samples_seen
    assert _same_weights(a, b)


def test_resume_with_other_data_or_model_is_a_clear_error(wine_xv, tmp_path):
    x, _ = wine_xv
    cfg = _cfg(epochs=2, checkpoint_dir=str(tmp_path / "ck"))
    Trainer(cfg).fit(_wine_model(), x)
    with pytest.raises(CheckpointError, match=r"(?s)Cannot resume.*data_fingerprint.*delete it"):
        Trainer(cfg).fit(_wine_model(), x * 2, resume=True)
    with pytest.raises(CheckpointError, match=r"(?s)Cannot resume.*n_train"):
        Trainer(cfg).fit(_wine_model(), x[:-5], resume=True)
    with pytest.raises(CheckpointError, match=r"(?s)Cannot resume.*model_config"):
        Trainer(cfg).fit(_wine_model(latent_dim=3), x, resume=True)
    with pytest.raises(CheckpointError, match=r"(?s)Cannot resume.*scaler"):
        Trainer(cfg).fit(_wine_model(), x, resume=True, checkpoint_meta={"scaler": "minmax"})
    # without resume the folder is simply overwritten by the new run
    Trainer(cfg).fit(_wine_model(latent_dim=3), x)
    Trainer(cfg).fit(_wine_model(latent_dim=3), x, resume=True)


def test_resume_uses_the_intact_copy_of_an_interrupted_swap_and_cleans_up(wine_xv, tmp_path):
    x, _ = wine_xv
    ck = tmp_path / "ck"
    ref = _wine_model()
    Trainer(_cfg(epochs=4)).fit(ref, x)
    with pytest.raises(KeyboardInterrupt):
        Trainer(_cfg(epochs=4, checkpoint_dir=str(ck)), callbacks=[_Interrupt(2)]).fit(_wine_model(), x)
    # a process killed between the two renames of a checkpoint swap, and one killed while writing
    dead_pid = 2**22 + 12345  # above Linux's pid_max: no such process
    os.rename(ck / "last", ck / f".last.old-{dead_pid}-0123abcd")
    (ck / f".last.tmp-{dead_pid}-4567cdef").mkdir()
    (ck / f".last.tmp-{dead_pid}-4567cdef" / "model.safetensors").write_bytes(b"half")
    resumed = _wine_model()
    h = Trainer(_cfg(epochs=4, checkpoint_dir=str(ck))).fit(resumed, x, resume=True)
    assert h.epochs_run == 4
    assert _same_weights(resumed, ref)  # continued from epoch 2, not restarted
    assert sorted(p.name for p in ck.iterdir()) == ["last"]


# ------------------------------------------------------------------------------- killed CLI process
def _aekit_cmd() -> list[str]:
    return [sys.executable, "-c", "import sys; from aekit.cli import main; sys.exit(main())"]


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        env.pop(key, None)
    return env


def _epochs_done(ck: Path) -> int:
    try:
        return json.loads((ck / "last" / "config.json").read_text())["history"]["epochs_run"]
    except (OSError, ValueError, KeyError):
        return 0


@pytest.mark.parametrize("model,optimizers", [("autoencoder", ["main"]), ("adversarial", ["ae", "disc", "gen"])])
def test_cli_run_killed_with_sigkill_resumes_to_completion(tmp_path, model, optimizers):
    ck, out = tmp_path / "ck", tmp_path / "model"
    epochs = 20
    args = ["train", "--data", "digits", "--net", "mlp", "--latent-dim", "4", "--epochs", str(epochs),
            "--batch-size", "64", "--patience", "1000", "--no-progress", "--checkpoint-dir", str(ck), "-o", str(out),
            "--model", model]
    proc = subprocess.Popen([*_aekit_cmd(), *args], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while _epochs_done(ck) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "training ended before it could be killed: " + proc.stderr.read().decode()[-2000:]
        assert _epochs_done(ck) >= 2, "no checkpoint appeared in time"
        os.kill(proc.pid, signal.SIGKILL)  # no cleanup, no finally blocks: the hard way
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    done = _epochs_done(ck)
    assert 1 <= done < epochs and not out.exists()

    resumed = subprocess.run([*_aekit_cmd(), *args, "--resume"], env=_env(), capture_output=True, text=True,
                             timeout=180)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    summary = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert summary["epochs_run"] == epochs and summary["stopped_early"] is False

    # the checkpoint is complete and loadable, nothing half-written is left behind
    assert sorted(p.name for p in ck.iterdir()) == ["last"]
    meta, files = read_checkpoint(ck / "last", TRAIN_STATE_KIND)
    assert meta["history"]["epochs_run"] == epochs
    assert meta["history"]["samples_seen"] == epochs * meta["n_train"]
    assert sorted(meta["optimizers"]) == optimizers  # every optimizer's state was saved and carried on
    ae = aekit.AutoEncoder.load(out)
    assert ae.history_.epochs_run == epochs and ae.model_config_.model == model
    net = aekit.create_model(ae.model_config_)
    net.load_state_dict(files["model.safetensors"])
    best = files.get("best.safetensors", files["model.safetensors"])
    for k, v in ae.model_.state_dict().items():  # the saved model is the restored best state
        assert torch.equal(v, best[k])
    # the resumed run continued: its history is one piece, losses fell from the first epochs
    assert len(ae.history_.train_loss) == epochs
    assert np.mean(ae.history_.val_loss[-5:]) < ae.history_.val_loss[0]


class _Recorder(torch.nn.Module):
    """A stand-in model that records what the trainer feeds it as input and as target."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))
        self.seen = []

    def forward(self, x, target=None):
        target = x if target is None else target
        if self.training:
            self.seen.append((x.detach().clone(), target.detach().clone()))
        return {"loss": ((x * 0 + self.w - target) ** 2).mean()}


@pytest.mark.parametrize("noise", [None, "shift:2"])
def test_noise_corrupts_the_input_only_and_augment_changes_both(noise):
    x = torch.zeros(16, 1, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0  # a centred square: any shift moves it
    model = _Recorder()
    cfg = TrainConfig(epochs=1, batch_size=16, val_fraction=0.0, noise=noise, progress=False, patience=None)
    Trainer(cfg).fit(model, x)
    (inp, tgt), = model.seen
    assert torch.equal(tgt, x)  # the target is always the clean data
    assert torch.equal(inp, tgt) == (noise is None)
    if noise:
        assert inp.sum(dim=(1, 2, 3)).allclose(tgt.sum(dim=(1, 2, 3)))  # moved, not destroyed
        assert (inp != tgt).any(dim=(1, 2, 3)).float().mean() > 0.5


def test_augment_changes_input_and_target_alike():
    x = torch.zeros(16, 1, 8, 8)
    x[:, :, 3:5, 3:5] = 1.0
    model = _Recorder()
    cfg = TrainConfig(epochs=1, batch_size=16, val_fraction=0.0, augment="shift:2", progress=False)
    Trainer(cfg).fit(model, x)
    (inp, tgt), = model.seen
    assert torch.equal(inp, tgt) and not torch.equal(tgt, x)
