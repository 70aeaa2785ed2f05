"""Data-parallel training on CPU (gloo, 2 processes) reproduces single-process training."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import aekit
from aekit import Trainer
from aekit.checkpoint import read_checkpoint

HERE = Path(__file__).parent
WORKER = HERE / "_ddp_worker.py"


def _load_worker():
    spec = importlib.util.spec_from_file_location("_ddp_worker", WORKER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


worker = _load_worker()


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)  # never inherit a launcher's settings
    return env


def _torchrun(args: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone", *args]
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"torchrun failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return proc


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    """One torchrun launch trains every case of the worker (launching costs most of the time)."""
    out = tmp_path_factory.mktemp("ddp")
    _torchrun([str(WORKER), str(out)], cwd=HERE)
    return out


@pytest.mark.parametrize("case", list(worker.CASES))
def test_two_processes_match_one_process(ddp_run, case):
    model, x, val, cfg = worker.build(case)
    history = Trainer(cfg).fit(model, x, val)

    rank0 = load_file(str(ddp_run / f"{case}-rank0.safetensors"))
    rank1 = load_file(str(ddp_run / f"{case}-rank1.safetensors"))
    single = model.state_dict()
    assert set(rank0) == set(single)
    for k, w in single.items():
        # both processes hold the very same weights (DDP all-reduces identical gradients) ...
        assert torch.equal(rank0[k], rank1[k]), k
        # ... and they are the single-process weights up to float rounding of the gradient sums
        scale = max(1.0, w.abs().max().item())
        torch.testing.assert_close(rank0[k], w, rtol=0, atol=1e-5 * scale, msg=f"{case}: {k}")
    # the weights really moved: a comparison of untrained models would prove nothing
    init, *_ = worker.build(case)
    assert max((init.state_dict()[k] - w).abs().max().item() for k, w in single.items()) > 1e-2

    # reconstructions agree too
    with torch.no_grad():
        ref = model(val)["x_hat"]
        model.load_state_dict(rank0)
        np.testing.assert_allclose(model(val)["x_hat"].numpy(), ref.numpy(), rtol=0, atol=1e-5)

    # the history is the global one, not one process's shard
    h = json.loads((ddp_run / f"{case}.json").read_text())
    assert h["epochs_run"] == history.epochs_run == worker.EPOCHS
    assert h["samples_seen"] == history.samples_seen == worker.EPOCHS * len(x)
    assert h["best_epoch"] == history.best_epoch
    np.testing.assert_allclose(h["train_loss"], history.train_loss, rtol=1e-5)
    np.testing.assert_allclose(h["val_loss"], history.val_loss, rtol=1e-5)


def test_data_parallel_checkpoint_is_written_once_and_complete(ddp_run):
    folder = ddp_run / "ckpt" / "ragged"
    assert sorted(p.name for p in folder.iterdir()) == ["last"]  # no .tmp-/.old- leftovers from either process
    meta, files = read_checkpoint(folder / "last", "aekit-train-state")
    assert meta["history"]["epochs_run"] == worker.EPOCHS
    model, *_ = worker.build("ragged")
    model.load_state_dict(files["model.safetensors"])  # loadable into the model it came from


def _cli_summary(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{") and '"saved"' in line]


def test_torchrun_cli_train_writes_the_model_once(tmp_path):
    args = ["--data", "wine", "--epochs", "3", "--no-progress", "--latent-dim", "3"]
    proc = _torchrun(["-m", "aekit.cli.train", *args, "-o", str(tmp_path / "ddp")], cwd=tmp_path)
    summaries = _cli_summary(proc.stdout)
    assert len(summaries) == 1, proc.stdout  # only rank 0 saves and reports
    assert summaries[0]["epochs_run"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ddp"]
    assert sorted(p.name for p in (tmp_path / "ddp").iterdir()) == ["config.json", "model.safetensors"]
    ddp = aekit.AutoEncoder.load(tmp_path / "ddp")
    assert ddp.history_.samples_seen == 3 * (len(aekit.load_dataset("wine").X_train) - 13)  # 10% held out

    # the same command in one process (here, in-process) gives the same model
    from aekit.cli import main

    assert main(["train", *args, "-o", str(tmp_path / "one")]) == 0
    one = aekit.AutoEncoder.load(tmp_path / "one")
    X = aekit.load_dataset("wine").X_test
    np.testing.assert_allclose(ddp.transform(X), one.transform(X), rtol=0, atol=1e-4)
    np.testing.assert_allclose(ddp.history_.val_loss, one.history_.val_loss, rtol=1e-5)
