"""How many CPU threads aekit's torch work uses.

PyTorch starts as many threads as it believes there are cores. On a small or shared machine
that oversubscribes: OpenMP threads spin while they wait for each other, and a training run
of a small model on 2 cores that are also doing other work took 4x as long as with one thread
(the tour: 259 s against 62 s; a 426-row MLP: 5-26 s against 0.45 s). So aekit sets the thread
count itself, for the duration of each call (training, inference), and puts it back afterwards:
``n_threads=None`` means :func:`default_threads`.
"""

from __future__ import annotations

import contextlib
import math
import os
from typing import Iterator

import torch

from .config import check_number


CGROUP_CPU_MAX = "/sys/fs/cgroup/cpu.max"  # "QUOTA PERIOD" or "max PERIOD" (cgroup v2)


def available_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota if one is set."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        n = os.cpu_count() or 1
    try:
        quota, period = open(CGROUP_CPU_MAX).read().split()[:2]
        if quota != "max":
            n = min(n, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def default_threads() -> int:
    """Half the CPUs this process may use (at least one): the other half stays free for the data
    pipeline and whatever else runs on the machine, which keeps torch's threads from spinning."""
    return max(1, available_cpus() // 2)


def resolve_threads(n: int | None) -> int:
    """``n`` checked (a whole number >= 1), or :func:`default_threads` for ``None``."""
    if n is None:
        return default_threads()
    return check_number(n, "n_threads", integer=True, minimum=1, optional=True,
                        meaning=f"CPU threads; None: the default, {default_threads()} here")


@contextlib.contextmanager
def using_threads(n: int | None) -> Iterator[int]:
    """Run the block with ``n`` torch threads (``None``: the default), then restore the previous count."""
    n = resolve_threads(n)
    before = torch.get_num_threads()
    if n != before:
        torch.set_num_threads(n)
    try:
        yield n
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


__all__ = ["available_cpus", "default_threads", "resolve_threads", "using_threads"]
