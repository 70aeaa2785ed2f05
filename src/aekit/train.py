"""The one trainer: AdamW, warm-up + cosine schedule, validation, early stopping,
progress bar, resumable atomic checkpoints and data-parallel training.

Data-parallel runs (``torchrun --nproc_per_node N``) split every global batch
across the processes; each process scales its loss by its share of the batch so
the averaged gradient equals the single-process gradient of the whole batch.
Augmentations are drawn for the whole global batch on every process from the
same seeded generator, so N processes reproduce one process up to float
rounding.
"""

from __future__ import annotations

import hashlib
import json
import math
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from . import distributed as dist_utils
from .transforms import build_transform
from .checkpoint import checkpoint_exists, read_checkpoint, write_checkpoint
from .config import TrainConfig, to_dict
from .errors import CheckpointError

TRAIN_STATE_KIND = "aekit-train-state"


@dataclass
class History:
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    best_val: float = math.inf
    epochs_run: int = 0
    stopped_early: bool = False
    train_seconds: float = 0.0
    samples_seen: int = 0
    # per epoch, the mean of what the model reports in ``out["info"]`` (codebook perplexity and usage, KL, ...)
    info: list[dict[str, float]] = field(default_factory=list)

    @property
    def samples_per_second(self) -> float:
        return self.samples_seen / self.train_seconds if self.train_seconds > 0 else float("nan")

    def to_dict(self) -> dict:
        return {"train_loss": self.train_loss, "val_loss": self.val_loss, "best_epoch": self.best_epoch,
                "best_val": None if math.isinf(self.best_val) else self.best_val,
                "epochs_run": self.epochs_run, "stopped_early": self.stopped_early,
                "train_seconds": self.train_seconds, "samples_seen": self.samples_seen, "info": self.info}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        h = cls(**{**d, "best_val": math.inf if d.get("best_val") is None else d["best_val"]})
        return h


def peak_memory_mb(device: torch.device | None = None) -> float:
    """Peak memory of this process: GPU allocator peak on CUDA, else peak resident set size."""
    if device is not None and device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def data_fingerprint(x: torch.Tensor) -> str:
    return hashlib.sha256(x.detach().cpu().contiguous().numpy().tobytes()).hexdigest()[:16]


def _lr_factor(step: int, total: int, warmup: int, schedule: str) -> float:
    """Learning-rate multiplier of 0-based ``step`` out of ``total``.

    Linear warm-up to 1 at step ``warmup - 1``; then 1 (``"constant"``) or a cosine
    decay from 1 towards 0 at step ``total`` (``"cosine"``).
    """
    warmup = max(1, warmup)
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    peak = warmup - 1
    progress = min(1.0, (step - peak) / max(1, total - peak))
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def _jsonable(value):
    """``value`` as it reads back from config.json (tuples become lists), for comparisons on resume."""
    return json.loads(json.dumps(value))


def _optimizer_tensors(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"{pid}.{k}"] = v
            else:
                scalars[f"{pid}.{k}"] = v
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def _optimizer_state(tensors: dict[str, torch.Tensor], meta: dict) -> dict:
    state: dict[int, dict] = {}
    for key, v in [*tensors.items(), *meta["scalars"].items()]:
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = v
    return {"state": state, "param_groups": meta["param_groups"]}


# statistics worth watching live in the progress bar; all are kept in History.info
_SHOWN_INFO = ("perplexity", "usage", "kl_nats", "tau")


class Trainer:
    """Fit an ``AEModel`` on an in-memory tensor of (scaled) samples.

    ``callbacks`` are called as ``cb(trainer, epoch, logs)`` after every epoch;
    raising from one stops training (the last checkpoint stays valid).
    """

    def __init__(self, config: TrainConfig | None = None,
                 callbacks: list[Callable] | None = None) -> None:
        self.config = config or TrainConfig()
        self.callbacks = list(callbacks or [])
        self.device = dist_utils.resolve_device(self.config.device)

    # ------------------------------------------------------------------ helpers
    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        n_val = int(round(len(x) * self.config.val_fraction))
        if n_val == 0 or len(x) - n_val < 1:
            return x, None
        perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(self.config.seed + 7919))
        return x[perm[n_val:]], x[perm[:n_val]]

    @torch.no_grad()
    def evaluate(self, model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> float:
        """Mean training objective of ``model`` on ``x`` (eval mode).

        With ``noise`` configured, the inputs are corrupted with a fixed seed, so the score is the
        de-noising objective and the same at every epoch.
        """
        was_training = model.training
        model.eval()
        noise = build_transform(self.config.noise)
        gen = torch.Generator().manual_seed(self.config.seed + 1)
        total = 0.0
        for i in range(0, len(x), batch_size):
            xb = x[i:i + batch_size]
            xin = noise(xb, gen) if noise is not None else xb
            total += model(xin.to(self.device), xb.to(self.device))["loss"].item() * len(xb)
        model.train(was_training)
        return total / len(x)

    def _save_state(self, model, opt, history, gen, best_state, extra_meta) -> None:
        if self.config.checkpoint_dir is None or not dist_utils.is_main():
            return
        opt_tensors, opt_meta = _optimizer_tensors(opt)
        rng = {"generator": gen.get_state(), "torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        files = {"model.safetensors": model.state_dict(), "optimizer.safetensors": opt_tensors,
                 "rng.safetensors": rng}
        if best_state is not None:
            files["best.safetensors"] = best_state
        meta = {"history": history.to_dict(), "optimizer": opt_meta,
                "train_config": to_dict(self.config), **extra_meta}
        write_checkpoint(Path(self.config.checkpoint_dir) / "last", TRAIN_STATE_KIND, meta, files)

    def _load_state(self, model, opt, gen, extra_meta):
        path = Path(self.config.checkpoint_dir) / "last"
        meta, files = read_checkpoint(path, TRAIN_STATE_KIND)
        for key, value in extra_meta.items():
            if _jsonable(meta.get(key)) != _jsonable(value):
                raise CheckpointError(
                    f"Cannot resume from {str(path)!r}: its {key} ({meta.get(key)!r}) differs from this run's "
                    f"({value!r}). Use another checkpoint_dir, or delete it to start afresh."
                )
        model.load_state_dict(files["model.safetensors"])
        opt.load_state_dict(_optimizer_state(files["optimizer.safetensors"], meta["optimizer"]))
        gen.set_state(files["rng.safetensors"]["generator"])
        torch.set_rng_state(files["rng.safetensors"]["torch"])
        if self.device.type == "cuda" and "cuda" in files["rng.safetensors"]:
            torch.cuda.set_rng_state(files["rng.safetensors"]["cuda"], self.device)
        best = files.get("best.safetensors")
        return History.from_dict(meta["history"]), best

    # ------------------------------------------------------------------ main loop
    def fit(self, model: nn.Module, x: torch.Tensor, val: torch.Tensor | None = None, *,
            resume: bool = False, checkpoint_meta: dict | None = None) -> History:
        """Train ``model`` on ``x`` (a float tensor of samples); returns the history.

        ``val``: explicit validation data, else ``val_fraction`` of ``x`` is held out.
        ``resume``: continue from ``checkpoint_dir/last`` if it exists.
        ``checkpoint_meta``: JSON facts stored in the checkpoint that must match on resume.
        """
        cfg = self.config
        dist_utils.setup(self.device)
        world, rank = dist_utils.world_size(), dist_utils.rank()
        x = x.float()
        if val is None:
            x, val = self._split(x)
        model.to(self.device).train()
        net = model
        if world > 1:
            net = nn.parallel.DistributedDataParallel(
                model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        augment = build_transform(cfg.augment)  # changes input and target alike
        noise = build_transform(cfg.noise)  # changes the input only: the model rebuilds the clean target
        for t in (augment, noise):  # data of the wrong kind (flat vectors for "shift") fails here, before any step
            if t is not None:
                t(x[:1], torch.Generator().manual_seed(0))
        gen = torch.Generator().manual_seed(cfg.seed)
        n, bs = len(x), cfg.batch_size
        steps_per_epoch = math.ceil(n / bs)
        total_steps = cfg.epochs * steps_per_epoch
        # short runs (small tabular data) must not spend most of their steps warming up
        warmup = min(cfg.warmup_steps, max(1, total_steps // 20))
        history, best_state = History(), None
        extra_meta = {"model_config": to_dict(model.config) if hasattr(model, "config") else None,
                      "n_train": n, "data_fingerprint": data_fingerprint(x), **(checkpoint_meta or {})}
        extra_meta = _jsonable(extra_meta)
        if resume and cfg.checkpoint_dir and checkpoint_exists(Path(cfg.checkpoint_dir) / "last"):
            history, best_state = self._load_state(model, opt, gen, extra_meta)
        bad_epochs = 0 if history.best_epoch < 0 else history.epochs_run - 1 - history.best_epoch

        # into a log file (not a terminal) a redraw every 10 s keeps the log readable
        interactive = getattr(sys.stderr, "isatty", lambda: False)()
        bar = tqdm(total=total_steps, initial=history.epochs_run * steps_per_epoch, unit="step",
                   disable=not cfg.progress or rank != 0, dynamic_ncols=True, leave=False,
                   mininterval=0.1 if interactive else 10.0)
        try:
            for epoch in range(history.epochs_run, cfg.epochs):
                if history.stopped_early:
                    break
                bar.set_description(f"epoch {epoch + 1}/{cfg.epochs}", refresh=False)
                t0 = time.perf_counter()
                perm = torch.randperm(n, generator=gen)
                run_loss, run_n = 0.0, 0
                info_sum: dict[str, float] = {}
                for b in range(steps_per_epoch):
                    idx = perm[b * bs:(b + 1) * bs]
                    xb = x[idx]
                    if augment is not None:  # whole global batch, same draws on every process
                        xb = augment(xb, gen)
                    xin = noise(xb, gen) if noise is not None else xb
                    shard, shard_in = xb[rank::world], xin[rank::world]
                    n_local = len(shard)
                    # each process's loss weighted by its share of the batch, so the DDP-averaged
                    # gradient is the full-batch one
                    share = n_local / len(idx) * world
                    if n_local == 0:  # fewer samples than processes: join the all-reduce with zero weight
                        shard, shard_in = xb[:1], xin[:1]
                    shard = shard.contiguous().to(self.device, non_blocking=True)
                    shard_in = shard_in.contiguous().to(self.device, non_blocking=True)
                    step = epoch * steps_per_epoch + b
                    for group in opt.param_groups:
                        group["lr"] = cfg.lr * _lr_factor(step, total_steps, warmup, cfg.schedule)
                    out = net(shard_in, shard)
                    opt.zero_grad(set_to_none=True)
                    (out["loss"] * share).backward()
                    loss = out["loss"].item()
                    if not math.isfinite(loss):  # before stepping, so the weights stay finite
                        raise FloatingPointError(
                            f"Training loss became {loss} at epoch {epoch + 1}, step {b + 1}. Lower lr "
                            f"(now {cfg.lr}) or check the input scaling and that the data holds no NaN/inf."
                        )
                    if cfg.grad_clip:
                        nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                    opt.step()
                    run_loss += loss * n_local
                    run_n += n_local
                    for k, v in out.get("info", {}).items():
                        info_sum[k] = info_sum.get(k, 0.0) + float(v)
                    # postfix first without a redraw: update() then redraws at most every mininterval
                    shown = {k: f"{v:.4g}" for k, v in out.get("info", {}).items() if k in _SHOWN_INFO}
                    bar.set_postfix(loss=f"{run_loss / max(1, run_n):.4g}",
                                    val=f"{history.val_loss[-1]:.4g}" if history.val_loss else "-", **shown,
                                    refresh=False)
                    bar.update(1)
                history.train_seconds += time.perf_counter() - t0
                run_loss, run_n = dist_utils.all_reduce_sum([run_loss, float(run_n)], self.device)
                history.samples_seen += int(run_n)
                history.train_loss.append(run_loss / max(1.0, run_n))
                history.info.append({k: v / steps_per_epoch for k, v in info_sum.items()})
                history.epochs_run = epoch + 1
                # early stopping on validation loss (train loss when there is no validation split);
                # rank 0's score decides on every process so they stop together
                score = self.evaluate(model, val) if val is not None else history.train_loss[-1]
                score = dist_utils.broadcast_float(score, self.device)
                if val is not None:
                    history.val_loss.append(score)
                if score < history.best_val - cfg.min_delta:
                    history.best_val, history.best_epoch, bad_epochs = score, epoch, 0
                    if cfg.restore_best:
                        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                else:
                    bad_epochs += 1
                    if cfg.patience is not None and bad_epochs >= cfg.patience:
                        history.stopped_early = True
                if (epoch + 1) % cfg.checkpoint_every == 0 or epoch + 1 == cfg.epochs or history.stopped_early:
                    self._save_state(model, opt, history, gen, best_state, extra_meta)
                    dist_utils.barrier()  # no process runs ahead of the state on disk
                logs = {"epoch": epoch + 1, "train_loss": history.train_loss[-1],
                        "val_loss": history.val_loss[-1] if history.val_loss else None, **history.info[-1]}
                for cb in self.callbacks:
                    cb(self, epoch + 1, logs)
        finally:
            bar.close()
        if cfg.restore_best and best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        return history



__all__ = ["History", "Trainer", "peak_memory_mb", "data_fingerprint"]
