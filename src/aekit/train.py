"""The one trainer: every model of aekit trains here.

Batches are dicts of named tensors (:mod:`aekit.data.batches`), from arrays in memory or a
``Dataset``; the batch pipeline (:mod:`aekit.pipeline`: augmentation, corruption, ...) turns
each into what the model sees. The model says how it trains (:mod:`aekit.models.base`): its
optimizers, and the objective of each on a batch. The trainer owns the rest: learning-rate
schedules, gradient clipping, validation and early stopping, the progress bar, a ``History``
of every loss term, resumable atomic checkpoints of every optimizer, further stages (a code
prior), thread count, and data-parallel training.

Data-parallel runs (``torchrun --nproc_per_node N``) split every global batch across the
processes; each process weights its loss by its share of the batch and the gradients are
summed over processes, so the update equals the single-process gradient of the whole batch.
The pipeline draws its randomness for the whole global batch on every process from the same
seeded generator, so N processes reproduce one process up to float rounding.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from . import distributed as dist_utils
from .checkpoint import checkpoint_exists, read_checkpoint, write_checkpoint
from .config import TrainConfig, to_dict
from .context import Context
from .data.batches import Batch, as_source, batch_size_of, shard
from .errors import CheckpointError, ConfigError
from .optim import OptimizerSpec, lr_factor, spec_params
from .pipeline import Pipeline, Step
from .threads import using_threads

TRAIN_STATE_KIND = "aekit-train-state"


@dataclass
class History:
    train_loss: list[float] = field(default_factory=list)  # per epoch: the first optimizer's objective
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = -1
    best_val: float = math.inf
    epochs_run: int = 0
    stopped_early: bool = False
    train_seconds: float = 0.0
    samples_seen: int = 0
    # per epoch, the mean of what the model reports in ``out["info"]`` (codebook perplexity and usage, KL, ...)
    info: list[dict[str, float]] = field(default_factory=list)
    # per epoch, the mean of every named loss term ("recon", "kl", ...; "disc.loss", "main.adv" with several optimizers)
    terms: list[dict[str, float]] = field(default_factory=list)
    # histories of the further stages (e.g. "prior"), by name
    stages: dict[str, "History"] = field(default_factory=dict)

    @property
    def samples_per_second(self) -> float:
        return self.samples_seen / self.train_seconds if self.train_seconds > 0 else float("nan")

    def to_dict(self) -> dict:
        return {"train_loss": self.train_loss, "val_loss": self.val_loss, "best_epoch": self.best_epoch,
                "best_val": None if math.isinf(self.best_val) else self.best_val,
                "epochs_run": self.epochs_run, "stopped_early": self.stopped_early,
                "train_seconds": self.train_seconds, "samples_seen": self.samples_seen, "info": self.info,
                "terms": self.terms, "stages": {k: v.to_dict() for k, v in self.stages.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        d = dict(d)
        d["best_val"] = math.inf if d.get("best_val") is None else d["best_val"]
        d["stages"] = {k: cls.from_dict(v) for k, v in (d.get("stages") or {}).items()}
        return cls(**d)


def peak_memory_mb(device: torch.device | None = None) -> float:
    """Peak memory of this process: GPU allocator peak on CUDA, else peak resident set size."""
    if device is not None and device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def data_fingerprint(x: torch.Tensor) -> str:
    return hashlib.sha256(x.detach().cpu().contiguous().numpy().tobytes()).hexdigest()[:16]


_lr_factor = lr_factor  # the name aekit 0.1 used


def _jsonable(value):
    """``value`` as it reads back from config.json (tuples become lists), for comparisons on resume."""
    return json.loads(json.dumps(value))


def _optimizer_files(opts: dict[str, torch.optim.Optimizer]) -> tuple[dict[str, torch.Tensor], dict]:
    """Every optimizer's state: tensors (``name/param.key``) for safetensors, the rest as JSON."""
    tensors, meta = {}, {}
    for name, opt in opts.items():
        sd = opt.state_dict()
        scalars = {}
        for pid, st in sd["state"].items():
            for k, v in st.items():
                if torch.is_tensor(v):
                    tensors[f"{name}/{pid}.{k}"] = v
                else:
                    scalars[f"{pid}.{k}"] = v
        meta[name] = {"param_groups": sd["param_groups"], "scalars": scalars}
    return tensors, meta


def _optimizer_states(tensors: dict[str, torch.Tensor], meta: dict) -> dict[str, dict]:
    states: dict[str, dict] = {}
    for name, m in meta.items():
        state: dict[int, dict] = {}
        items = [(k.split("/", 1)[1], v) for k, v in tensors.items() if k.split("/", 1)[0] == name]
        for key, v in [*items, *m["scalars"].items()]:
            pid, entry = key.split(".", 1)
            state.setdefault(int(pid), {})[entry] = v
        states[name] = {"state": state, "param_groups": m["param_groups"]}
    return states


# statistics worth watching live in the progress bar; all are kept in History.info
_SHOWN_INFO = ("perplexity", "usage", "kl_nats", "tau")


class _PlainModule:
    """Adapter for a module without the model contract whose ``forward(input, target)`` returns
    ``{"loss": ...}`` (the code prior, the codec, a user's own module): one optimizer, ``"main"``."""

    def __init__(self, module: nn.Module) -> None:
        self.module = module

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        return [OptimizerSpec("main", [p for p in self.module.parameters() if p.requires_grad])]

    def training_step(self, batch: Batch, ctx: Context, optimizer: str) -> dict:
        return self.module(batch["input"], batch.get("target"))

    def validation_step(self, batch: Batch, ctx: Context) -> dict:
        return self.training_step(batch, ctx, "main")

    def stages(self) -> list:
        return []

    shown_terms: tuple[str, ...] = ()


def _contract(model: nn.Module):
    return model if hasattr(model, "training_step") else _PlainModule(model)


class Trainer:
    """Fit a model on data (see the module docstring).

    ``callbacks`` are called as ``cb(trainer, epoch, logs)`` after every epoch; raising from one
    stops training (the last checkpoint stays valid). ``pipeline``: extra batch steps run after
    the config's ``augment`` and ``noise``.
    """

    def __init__(self, config: TrainConfig | None = None, callbacks: list[Callable] | None = None,
                 pipeline: list[Step] | None = None) -> None:
        self.config = config or TrainConfig()
        self.callbacks = list(callbacks or [])
        self.extra_steps = list(pipeline or [])
        self.device = dist_utils.resolve_device(self.config.device)

    # ------------------------------------------------------------------ helpers
    def _split(self, source):
        n_val = int(round(len(source) * self.config.val_fraction))
        if n_val == 0 or len(source) - n_val < 1:
            return source, None
        perm = torch.randperm(len(source), generator=torch.Generator().manual_seed(self.config.seed + 7919))
        return source.subset(perm[n_val:]), source.subset(perm[:n_val])

    def _to_device(self, batch: Batch) -> Batch:
        return {k: v.contiguous().to(self.device, non_blocking=True) for k, v in batch.items()}

    @torch.no_grad()
    def evaluate(self, model: nn.Module, data: Any, batch_size: int = 512, n_train: int | None = None) -> float:
        """Mean validation objective of ``model`` on ``data`` (eval mode).

        With ``noise`` configured, the inputs are corrupted with a fixed seed, so the score is the
        de-noising objective and the same at every epoch. ``n_train``: the training set's size
        (the context's dataset size; default the size of ``data``).
        """
        source = as_source(data)
        contract = _contract(model)
        was_training = model.training
        model.eval()
        pipe = Pipeline.for_validation(self.config)
        gen = torch.Generator().manual_seed(self.config.seed + 1)
        ctx = Context(n_train=n_train or len(source), data_dim=math.prod(source.sample_shape()) or 1)
        total, count = 0.0, 0
        for batch in source.batches(torch.arange(len(source)), batch_size):
            batch = self._to_device(pipe(batch, gen))
            n = batch_size_of(batch)
            total += float(contract.validation_step(batch, ctx)["loss"]) * n
            count += n
        model.train(was_training)
        return total / max(1, count)

    def _save_state(self, model, opts, history, gen, best_state, extra_meta) -> None:
        if self.config.checkpoint_dir is None or not dist_utils.is_main():
            return
        opt_tensors, opt_meta = _optimizer_files(opts)
        rng = {"generator": gen.get_state(), "torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        files = {"model.safetensors": model.state_dict(), "optimizer.safetensors": opt_tensors,
                 "rng.safetensors": rng}
        if best_state is not None:
            files["best.safetensors"] = best_state
        meta = {"history": history.to_dict(), "optimizers": opt_meta,
                "train_config": to_dict(self.config), **extra_meta}
        write_checkpoint(Path(self.config.checkpoint_dir) / "last", TRAIN_STATE_KIND, meta, files)

    def _load_state(self, model, opts, gen, extra_meta):
        path = Path(self.config.checkpoint_dir) / "last"
        meta, files = read_checkpoint(path, TRAIN_STATE_KIND)
        for key, value in extra_meta.items():
            if _jsonable(meta.get(key)) != _jsonable(value):
                raise CheckpointError(
                    f"Cannot resume from {str(path)!r}: its {key} ({meta.get(key)!r}) differs from this run's "
                    f"({value!r}). Use another checkpoint_dir, or delete it to start afresh."
                )
        tensors = files["optimizer.safetensors"]
        if "optimizers" in meta:
            saved = meta["optimizers"]
        else:  # aekit 0.1: one optimizer, keys "param.entry"
            saved = {"main": meta["optimizer"]}
            tensors = {f"main/{k}": v for k, v in tensors.items()}
        if sorted(saved) != sorted(opts):
            raise CheckpointError(f"Cannot resume from {str(path)!r}: it holds optimizers {sorted(saved)}, this "
                                  f"model trains {sorted(opts)}. Use another checkpoint_dir.")
        model.load_state_dict(files["model.safetensors"])
        for name, state in _optimizer_states(tensors, saved).items():
            opts[name].load_state_dict(state)
        gen.set_state(files["rng.safetensors"]["generator"])
        torch.set_rng_state(files["rng.safetensors"]["torch"])
        if self.device.type == "cuda" and "cuda" in files["rng.safetensors"]:
            torch.cuda.set_rng_state(files["rng.safetensors"]["cuda"], self.device)
        best = files.get("best.safetensors")
        return History.from_dict(meta["history"]), best

    def _optimizers(self, contract) -> tuple[list[OptimizerSpec], dict[str, torch.optim.Optimizer]]:
        specs = [s.resolved(self.config) for s in contract.configure_optimizers(self.config)]
        names = [s.name for s in specs]
        if not specs or len(set(names)) != len(names):
            raise ConfigError(f"a model needs one or more optimizers with distinct names; got {names}.")
        opts = {}
        for spec in specs:
            opt = spec.build()
            for group in opt.param_groups:  # each group's own lr is what its schedule multiplies
                group.setdefault("base_lr", group["lr"])
            opts[spec.name] = opt
        return specs, opts

    # ------------------------------------------------------------------ main loop
    def fit(self, model: nn.Module, data: Any, val: Any = None, *, resume: bool = False,
            checkpoint_meta: dict | None = None) -> History:
        """Train ``model`` on ``data``; returns the history.

        ``data``: a tensor or array of samples (the ``input``), a dict of named arrays, a torch
        ``Dataset`` / ``DataLoader`` (see :func:`aekit.data.batches.as_source`).
        ``val``: explicit validation data, else ``val_fraction`` of ``data`` is held out.
        ``resume``: continue from ``checkpoint_dir/last`` if it exists.
        ``checkpoint_meta``: JSON facts stored in the checkpoint that must match on resume.
        """
        with using_threads(self.config.n_threads):
            history = self._fit(model, as_source(data), None if val is None else as_source(val), resume,
                                checkpoint_meta)
            for stage in _contract(model).stages():
                history.stages[stage.name] = self._fit_stage(stage, as_source(data), resume)
        return history

    def _fit_stage(self, stage, source, resume: bool) -> History:
        cfg = dataclasses.replace(self.config, **stage.train)
        if cfg.checkpoint_dir is not None:
            cfg = dataclasses.replace(cfg, checkpoint_dir=str(Path(cfg.checkpoint_dir) / f"stage-{stage.name}"))
        data = stage.data(source)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed + stage.seed_offset)
            history = Trainer(cfg, self.callbacks).fit(stage.module, data, resume=resume)
        if stage.finish is not None:
            stage.finish()
        return history

    def _fit(self, model: nn.Module, source, val_source, resume: bool, checkpoint_meta: dict | None) -> History:
        cfg = self.config
        dist_utils.setup(self.device)
        world, rank = dist_utils.world_size(), dist_utils.rank()
        if val_source is None:
            source, val_source = self._split(source)
        contract = _contract(model)
        model.to(self.device).train()
        dist_utils.broadcast_module(model)  # every process starts from rank 0's weights
        specs, opts = self._optimizers(contract)
        model_steps = list(contract.pipeline_steps()) if hasattr(contract, "pipeline_steps") else []
        pipeline = Pipeline.from_config(cfg, self.extra_steps + model_steps)
        if pipeline:  # data of the wrong kind (flat vectors for "shift") fails here, before any step
            pipeline(source.batch(torch.tensor([0])), torch.Generator().manual_seed(0))
        gen = torch.Generator().manual_seed(cfg.seed)
        n, bs = len(source), cfg.batch_size
        steps_per_epoch = math.ceil(n / bs)
        total_steps = cfg.epochs * steps_per_epoch
        # short runs (small tabular data) must not spend most of their steps warming up
        warmups = {s.name: min(s.warmup_steps, max(1, total_steps // 20)) for s in specs}
        data_dim = math.prod(d for d in source.sample_shape() if d) or 1
        history, best_state = History(), None
        extra_meta = {"model_config": to_dict(model.config) if hasattr(model, "config") and
                      dataclasses.is_dataclass(model.config) else None,
                      "n_train": n, "data_fingerprint": source.fingerprint(), **(checkpoint_meta or {})}
        extra_meta = _jsonable(extra_meta)
        if resume and cfg.checkpoint_dir and checkpoint_exists(Path(cfg.checkpoint_dir) / "last"):
            history, best_state = self._load_state(model, opts, gen, extra_meta)
            if rank == 0:  # say so: a resumed run must not look like a fresh one
                print(f"resumed from epoch {history.epochs_run} of {cfg.epochs} "
                      f"({Path(cfg.checkpoint_dir) / 'last'})", file=sys.stderr, flush=True)
        elif resume and rank == 0:
            where = f"in {cfg.checkpoint_dir!r}" if cfg.checkpoint_dir else "(no checkpoint_dir is set)"
            print(f"nothing to resume {where}: training from epoch 0", file=sys.stderr, flush=True)
        bad_epochs = 0 if history.best_epoch < 0 else history.epochs_run - 1 - history.best_epoch
        multi = len(specs) > 1
        shown_terms = tuple(getattr(contract, "shown_terms", ()))

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
                sums: dict[str, float] = {}  # sample-weighted sums of every logged term
                counts: dict[str, float] = {}
                info_sum: dict[str, float] = {}
                seen = 0
                for b, batch in enumerate(source.batches(perm, bs)):
                    batch = pipeline(batch, gen)  # whole global batch, same draws on every process
                    n_global = batch_size_of(batch)
                    local = shard(batch, rank, world)
                    n_local = batch_size_of(local)
                    # each process's loss weighted by its share of the batch: the gradient summed over
                    # processes is the full-batch one
                    share = n_local / n_global
                    if n_local == 0:  # fewer samples than processes: join the all-reduce with zero weight
                        local = {k: v[:1] for k, v in batch.items()}
                    local = self._to_device(local)
                    seen += n_local
                    step = epoch * steps_per_epoch + b
                    ctx = Context(step=step, epoch=epoch, total_steps=total_steps, n_train=n, data_dim=data_dim,
                                  rank=rank, world_size=world)
                    shown = {}
                    for spec in specs:
                        if (step + 1) % spec.every:
                            continue
                        opt = opts[spec.name]
                        factor = lr_factor(step, total_steps, warmups[spec.name], spec.schedule)
                        for group in opt.param_groups:
                            group["lr"] = group["base_lr"] * factor
                        out = contract.training_step(local, ctx, spec.name)
                        loss = out["loss"]
                        model.zero_grad(set_to_none=True)
                        (loss * share).backward()
                        value = float(loss.detach())
                        if not math.isfinite(value):  # before stepping, so the weights stay finite
                            what = f" of optimizer {spec.name!r}" if multi else ""
                            raise FloatingPointError(
                                f"Training loss{what} became {value} at epoch {epoch + 1}, step {b + 1}. Lower lr "
                                f"(now {spec.lr}) or check the input scaling and that the data holds no NaN/inf."
                            )
                        params = spec_params(spec)
                        if world > 1:
                            dist_utils.all_reduce_grads(params)
                        if spec.grad_clip:
                            nn.utils.clip_grad_norm_(params, spec.grad_clip)
                        opt.step()
                        prefix = f"{spec.name}." if multi else ""
                        logged = {f"{prefix}loss": value} if multi else {}
                        logged.update({f"{prefix}{k}": float(v.detach() if torch.is_tensor(v) else v)
                                       for k, v in out.get("losses", {}).items()})
                        if spec is specs[0]:
                            logged["__loss__"] = value
                        for k, v in logged.items():
                            sums[k] = sums.get(k, 0.0) + v * n_local
                            counts[k] = counts.get(k, 0.0) + n_local
                        for k, v in out.get("info", {}).items():
                            key = f"{prefix}{k}" if multi and spec is not specs[0] else k
                            info_sum[key] = info_sum.get(key, 0.0) + float(v)
                        if multi:
                            shown[spec.name] = f"{sums[f'{prefix}loss'] / max(1.0, counts[f'{prefix}loss']):.4g}"
                        shown.update({k: f"{v:.4g}" for k, v in out.get("info", {}).items() if k in _SHOWN_INFO})
                        shown.update({k: f"{float(v):.4g}" for k, v in out.get("losses", {}).items()
                                      if k in shown_terms})
                    # postfix first without a redraw: update() then redraws at most every mininterval
                    main = sums.get("__loss__", 0.0) / max(1.0, counts.get("__loss__", 0.0))
                    bar.set_postfix(loss=f"{main:.4g}",
                                    val=f"{history.val_loss[-1]:.4g}" if history.val_loss else "-", **shown,
                                    refresh=False)
                    bar.update(1)
                history.train_seconds += time.perf_counter() - t0
                keys = sorted(sums)
                reduced = dist_utils.all_reduce_sum([sums[k] for k in keys] + [counts[k] for k in keys] + [float(seen)],
                                                    self.device)
                means = {k: s / max(1.0, c) for k, s, c in zip(keys, reduced[:len(keys)], reduced[len(keys):-1])}
                history.samples_seen += int(reduced[-1])
                history.train_loss.append(means.pop("__loss__", float("nan")))
                history.terms.append(means)
                history.info.append({k: v / steps_per_epoch for k, v in info_sum.items()})
                history.epochs_run = epoch + 1
                # early stopping on validation loss (train loss when there is no validation split);
                # rank 0's score decides on every process so they stop together
                score = self.evaluate(model, val_source, n_train=n) if val_source is not None else history.train_loss[-1]
                score = dist_utils.broadcast_float(score, self.device)
                if val_source is not None:
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
                    self._save_state(model, opts, history, gen, best_state, extra_meta)
                    dist_utils.barrier()  # no process runs ahead of the state on disk
                logs = {"epoch": epoch + 1, "train_loss": history.train_loss[-1],
                        "val_loss": history.val_loss[-1] if history.val_loss else None, **history.terms[-1],
                        **history.info[-1]}
                for cb in self.callbacks:
                    cb(self, epoch + 1, logs)
        finally:
            bar.close()
        if cfg.restore_best and best_state is not None:
            model.load_state_dict(best_state)
        model.eval()
        return history


__all__ = ["History", "Trainer", "peak_memory_mb", "data_fingerprint"]
