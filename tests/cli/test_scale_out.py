"""Training on several processes from the command line: ``aekit train --processes 2`` and
``torchrun -m aekit train`` give one saved model, the one a single process trains."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

import aekit


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    return env


def _summaries(stdout: str) -> list[dict]:
    return [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{") and '"saved"' in ln]


def test_processes_flag_and_torchrun_module_train_the_single_process_model(tmp_path):
    args = ["--data", "wine", "--epochs", "3", "--no-progress", "--latent-dim", "3", "--threads", "1"]
    one = subprocess.run([sys.executable, "-m", "aekit", "train", *args, "-o", str(tmp_path / "one")],
                         env=_env(), capture_output=True, text=True, timeout=300)
    assert one.returncode == 0, one.stderr
    two = subprocess.run([sys.executable, "-m", "aekit", "train", *args, "-o", str(tmp_path / "two"),
                          "--processes", "2"], env=_env(), capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    assert "launching 2 processes" in two.stderr
    assert len(_summaries(two.stdout)) == 1  # only rank 0 saves and reports
    hand = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "-m", "aekit", "train", *args, "-o", str(tmp_path / "hand")],
                          env=_env(), capture_output=True, text=True, timeout=300)
    assert hand.returncode == 0, hand.stderr[-3000:]
    X = aekit.load_dataset("wine").X_test
    ref = aekit.AutoEncoder.load(tmp_path / "one")
    for name in ("two", "hand"):
        ddp = aekit.AutoEncoder.load(tmp_path / name)
        np.testing.assert_allclose(ddp.transform(X), ref.transform(X), rtol=0, atol=1e-4)
        np.testing.assert_allclose(ddp.history_.val_loss, ref.history_.val_loss, rtol=1e-5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand", "one", "two"]


def test_processes_must_be_positive(tmp_path, capsys):
    from aekit.cli import main

    assert main(["train", "--data", "wine", "-o", str(tmp_path / "m"), "--processes", "0"]) == 2
    assert "--processes 0 must be at least 1" in capsys.readouterr().err
