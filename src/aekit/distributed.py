"""Process-group helpers for data-parallel training launched with ``torchrun``.

``torchrun --nproc_per_node N ...`` sets ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``;
we then join a process group (gloo on CPU, nccl on GPU). Without those
variables everything runs as a single process.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def is_main() -> bool:
    return rank() == 0


def setup(device: torch.device) -> None:
    """Join the process group if launched by torchrun and not joined yet."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available() or dist.is_initialized():
        return
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend=backend)


def barrier() -> None:
    if world_size() > 1:
        dist.barrier()


def resolve_device(name: str = "auto") -> torch.device:
    """``"auto"`` picks this process's GPU (``LOCAL_RANK``) if there is one, else the CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        from .errors import ConfigError

        raise ConfigError(f"device={name!r} is not a device name; use 'auto', 'cpu' or 'cuda[:N]'.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        from .errors import ConfigError

        raise ConfigError(f"device={name!r} was asked for but no CUDA GPU is available; use 'cpu' or 'auto'.")
    return device
