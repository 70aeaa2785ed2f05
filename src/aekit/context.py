"""What a training step knows about the run it is part of.

The trainer builds a :class:`Context` for every step and hands it to the model, which passes
it on to its bottleneck. Schedules (KL warm-up, Gumbel temperature, a mixture prior placed
after pre-training) read ``step`` from here rather than counting their own forward calls, so
they survive resuming and behave the same in every process of a data-parallel run; objectives
that need the dataset size (beta-TCVAE's estimator of the aggregate posterior) read
``n_train``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Context:
    step: int = 0  # global optimisation step, 0-based (a batch is one step, whatever the optimizers)
    epoch: int = 0  # 0-based
    total_steps: int = 1  # steps the whole run will take
    n_train: int | None = None  # training samples (the dataset size); None outside training
    data_dim: int = 1  # values per sample of the data; terms like the KL are expressed per value
    rank: int = 0  # this process in a data-parallel run
    world_size: int = 1


__all__ = ["Context"]
