"""The batch pipeline: the steps that turn a batch of data into what a training step sees.

Augmentation and corruption are steps here, not special cases of the training loop:

- :class:`Augment` changes ``input`` and ``target`` alike (the same random draws for both), e.g.
  ``"shift:1"``: the model learns to rebuild moved digits;
- :class:`Corrupt` keeps the clean data as ``target`` and corrupts ``input`` (a de-noising
  auto-encoder), e.g. ``"gaussian:0.5"`` or ``"mask:0.5"``.

A step is any callable ``step(batch, generator) -> batch``; steps draw their randomness from the
generator they are given, which the trainer seeds and checkpoints. The trainer applies the
pipeline to the whole global batch, before it is split between data-parallel processes, so every
process sees the same draws.
"""

from __future__ import annotations

from typing import Callable

import torch

from . import noise as _noise  # noqa: F401  (registers the corruptions with the transforms)
from .config import TrainConfig
from .data.batches import Batch
from .transforms import build_transform

Step = Callable[[Batch, torch.Generator], Batch]


class _SpecStep:
    """A batch step built from a transform spec (``"shift:1"``, ``"gaussian:0.3"``, ...)."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.fn = build_transform(spec)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"


class Augment(_SpecStep):
    """Apply a transform spec to ``input`` and, with the very same draws, to ``target``."""

    def __call__(self, batch: Batch, gen: torch.Generator) -> Batch:
        if self.fn is None:
            return batch
        out = dict(batch)
        state = gen.get_state()
        out["input"] = self.fn(batch["input"], gen)
        if "target" in batch:  # replay the draws: the target moves exactly as the input did
            after = gen.get_state()
            gen.set_state(state)
            out["target"] = self.fn(batch["target"], gen)
            gen.set_state(after)
        return out


class Corrupt(_SpecStep):
    """Corrupt ``input`` with a transform spec; the clean data becomes ``target`` (if none is set)."""

    def __call__(self, batch: Batch, gen: torch.Generator) -> Batch:
        if self.fn is None:
            return batch
        out = dict(batch)
        out.setdefault("target", batch["input"])
        out["input"] = self.fn(batch["input"], gen)
        return out


class Pipeline:
    """Steps applied in order to every training batch."""

    def __init__(self, steps: list[Step] | None = None) -> None:
        self.steps = [s for s in (steps or []) if s is not None]

    @classmethod
    def from_config(cls, cfg: TrainConfig, extra: list[Step] | None = None) -> "Pipeline":
        """``augment`` then ``noise`` of the training config, then any ``extra`` steps."""
        steps: list[Step] = []
        if cfg.augment:
            steps.append(Augment(cfg.augment))
        if cfg.noise:
            steps.append(Corrupt(cfg.noise))
        return cls(steps + list(extra or []))

    @classmethod
    def for_validation(cls, cfg: TrainConfig) -> "Pipeline":
        """Validation scores the de-noising objective (the corruption, drawn with a fixed seed), never
        augmentation: a validation set must stay the same from epoch to epoch."""
        return cls([Corrupt(cfg.noise)] if cfg.noise else [])

    def __call__(self, batch: Batch, gen: torch.Generator) -> Batch:
        for step in self.steps:
            batch = step(batch, gen)
        return batch

    def __bool__(self) -> bool:
        return bool(self.steps)

    def __repr__(self) -> str:
        return f"Pipeline({self.steps!r})"


__all__ = ["Augment", "Corrupt", "Pipeline", "Step"]
