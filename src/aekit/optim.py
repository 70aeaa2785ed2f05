"""Optimizers a model declares, and the learning-rate schedules the trainer applies to them.

A model's ``configure_optimizers(train_config)`` returns one :class:`OptimizerSpec` per
optimizer: a name, its parameters (or parameter groups), and whatever differs from the
training config (learning rate, betas, weight decay, schedule). ``every=k`` steps an optimizer
on every k-th batch only, which gives the usual "k discriminator steps per generator step"
(the generator's spec has ``every=k``). The trainer owns the rest: it builds the torch
optimizers, sets each one's learning rate from its schedule at every step, clips gradients,
and saves and restores every optimizer's state in checkpoints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

import torch

from .config import TrainConfig
from .errors import ConfigError

ALGORITHMS = ("adamw", "adam", "sgd", "rmsprop")
SCHEDULES = ("cosine", "constant")


@dataclass
class OptimizerSpec:
    """One optimizer of a model; ``None`` fields take the training config's value."""

    name: str
    params: Iterable[Any]  # parameters, or parameter-group dicts ({"params": [...], "lr": ...})
    algorithm: str = "adamw"
    lr: float | None = None
    weight_decay: float | None = None
    betas: tuple[float, float] = (0.9, 0.999)
    momentum: float = 0.9  # sgd / rmsprop
    schedule: str | None = None  # "cosine" (with warm-up) | "constant"; None = TrainConfig.schedule
    warmup_steps: int | None = None
    grad_clip: float | None | str = "config"  # max gradient norm; "config" = TrainConfig.grad_clip
    every: int = 1  # step on every k-th batch

    def resolved(self, cfg: TrainConfig) -> "OptimizerSpec":
        """This spec with the training config's values filled in, checked."""
        out = OptimizerSpec(
            name=self.name, params=list(self.params), algorithm=self.algorithm,
            lr=cfg.lr if self.lr is None else float(self.lr),
            weight_decay=cfg.weight_decay if self.weight_decay is None else float(self.weight_decay),
            betas=tuple(float(b) for b in self.betas), momentum=float(self.momentum),
            schedule=cfg.schedule if self.schedule is None else self.schedule,
            warmup_steps=cfg.warmup_steps if self.warmup_steps is None else int(self.warmup_steps),
            grad_clip=cfg.grad_clip if self.grad_clip == "config" else self.grad_clip, every=int(self.every))
        where = f"optimizer {self.name!r}"
        if not isinstance(self.name, str) or not self.name or "/" in self.name:
            raise ConfigError(f"optimizer name {self.name!r} must be a non-empty string without '/'.")
        if out.algorithm not in ALGORITHMS:
            raise ConfigError(f"{where}: algorithm={out.algorithm!r} must be one of {', '.join(ALGORITHMS)}.")
        if out.schedule not in SCHEDULES:
            raise ConfigError(f"{where}: schedule={out.schedule!r} must be one of {', '.join(SCHEDULES)}.")
        if not out.lr > 0 or out.weight_decay < 0 or out.every < 1 or out.warmup_steps < 0:
            raise ConfigError(f"{where}: needs lr > 0 (got {out.lr}), weight_decay >= 0 (got {out.weight_decay}), "
                              f"every >= 1 (got {out.every}) and warmup_steps >= 0 (got {out.warmup_steps}).")
        if not out.params:
            raise ConfigError(f"{where} has no parameters to optimise.")
        return out

    def build(self) -> torch.optim.Optimizer:
        """The torch optimizer of a resolved spec."""
        kw = dict(lr=self.lr, weight_decay=self.weight_decay)
        if self.algorithm == "adamw":
            return torch.optim.AdamW(self.params, betas=self.betas, **kw)
        if self.algorithm == "adam":
            return torch.optim.Adam(self.params, betas=self.betas, **kw)
        if self.algorithm == "sgd":
            return torch.optim.SGD(self.params, momentum=self.momentum, **kw)
        return torch.optim.RMSprop(self.params, momentum=self.momentum, **kw)


def lr_factor(step: int, total: int, warmup: int, schedule: str) -> float:
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


def spec_params(spec: OptimizerSpec) -> list[torch.nn.Parameter]:
    """Every parameter a resolved spec optimises (groups flattened)."""
    out = []
    for p in spec.params:
        out.extend(p["params"] if isinstance(p, dict) else [p])
    return out


__all__ = ["ALGORITHMS", "OptimizerSpec", "SCHEDULES", "lr_factor", "spec_params"]
