"""k-means (Lloyd's algorithm) in torch, shared by the VQ codebook's initialisation and the
mixture prior's placement of its components."""

from __future__ import annotations

import torch


def kmeans(x: torch.Tensor, k: int, iters: int = 10, generator: torch.Generator | None = None) -> torch.Tensor:
    """``k`` centroids of the rows of ``x`` (N, D) by Lloyd's algorithm; rows drawn at random to start
    (with repeats when there are fewer rows than centroids). Empty clusters keep their start."""
    n = len(x)
    start = torch.randperm(n, generator=generator)[:k] if n >= k else torch.randint(n, (k,), generator=generator)
    c = x[start.to(x.device)].clone()
    for _ in range(iters):
        assign = torch.cdist(x, c).argmin(1)  # (N,)
        sums = torch.zeros_like(c).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).float().unsqueeze(1)
        c = torch.where(counts > 0, sums / counts.clamp(min=1), c)
    return c


__all__ = ["kmeans"]
