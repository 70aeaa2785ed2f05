"""Process-group helpers for data-parallel training launched with ``torchrun``.

``torchrun --nproc_per_node N ...`` sets ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``;
we then join a process group (gloo on CPU, nccl on GPU). Without those
variables everything runs as a single process.
"""

from __future__ import annotations

import atexit
import os

import torch
import torch.distributed as dist


def _launched() -> bool:
    """Whether this process was started by torchrun with more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    """This process's rank: from the process group, else torchrun's ``RANK`` (so that code
    running before or after training, e.g. saving the model, still knows who is rank 0)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get("RANK", "0")) if _launched() else 0


def is_main() -> bool:
    return rank() == 0


def setup(device: torch.device) -> bool:
    """Join the process group if launched by torchrun and not joined yet; returns whether it joined.

    The group is destroyed at interpreter exit (so NCCL/gloo shut down cleanly and
    code after training, such as saving on rank 0, can still use ``is_main``).
    """
    if not _launched() or not dist.is_available() or dist.is_initialized():
        return False
    if device.type == "cuda":
        torch.cuda.set_device(device)  # nccl needs each process on its own GPU before joining
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    atexit.register(teardown)
    return True


def teardown() -> None:
    """Leave the process group (no-op when not in one)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    if world_size() > 1:
        dist.barrier()


def all_reduce_sum(values: list[float], device: torch.device) -> list[float]:
    """Sum a few floats over all processes (identity in a single process)."""
    if world_size() <= 1:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t.tolist()


def broadcast_module(module: torch.nn.Module, src: int = 0) -> None:
    """Copy rank ``src``'s parameters and buffers to every process (no-op in a single process)."""
    if world_size() <= 1:
        return
    with torch.no_grad():
        for t in [*module.parameters(), *module.buffers()]:
            dist.broadcast(t.data, src=src)


def all_reduce_grads(params: list[torch.nn.Parameter]) -> None:
    """Sum the gradients of ``params`` over all processes, in one flat bucket.

    A parameter without a gradient on every process keeps none (so an optimizer skips it, as it
    would in one process); where only some processes have one, the others count as zeros.
    """
    if world_size() <= 1 or not params:
        return
    device = params[0].device
    have = torch.tensor([p.grad is not None for p in params], dtype=torch.float64, device=device)
    dist.all_reduce(have)
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    offset = 0
    for p, used in zip(params, have.tolist()):
        size = p.numel()
        p.grad = flat[offset:offset + size].view_as(p).clone() if used else None
        offset += size


def all_gather_rows(t: torch.Tensor) -> list[torch.Tensor]:
    """Every process's ``t`` (the same trailing shape, any number of rows), in rank order; ``[t]`` in a
    single process. No gradient flows back through the gathered tensors."""
    if world_size() <= 1:
        return [t]
    sizes = [torch.zeros(1, dtype=torch.int64, device=t.device) for _ in range(world_size())]
    dist.all_gather(sizes, torch.tensor([len(t)], dtype=torch.int64, device=t.device))
    rows = [int(s) for s in sizes]
    padded = t.new_zeros((max(rows), *t.shape[1:]))  # all_gather needs equal shapes
    padded[:len(t)] = t.detach()
    out = [torch.empty_like(padded) for _ in rows]
    dist.all_gather(out, padded)
    return [o[:r] for o, r in zip(out, rows)]


def broadcast_float(value: float, device: torch.device, src: int = 0) -> float:
    """Rank ``src``'s value on every process, so decisions taken from it agree everywhere."""
    if world_size() <= 1:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.broadcast(t, src=src)
    return float(t.item())


def resolve_device(name: str = "auto") -> torch.device:
    """``"auto"`` picks this process's GPU (``LOCAL_RANK``) if there is one, else the CPU.

    Under torchrun a bare ``"cuda"`` also means this process's GPU, not GPU 0 for everyone.
    """
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
    if device.type == "cuda" and device.index is None and _launched():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
    return device
