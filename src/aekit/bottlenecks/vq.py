"""Vector quantisation (VQ-VAE): each code vector snaps to its nearest codebook entry.

van den Oord, Vinyals & Kavukcuoglu 2017, https://arxiv.org/abs/1711.00937 (VQ-VAE,
commitment loss, EMA codebook updates in its appendix); k-means initialisation and
dead-code restarts as in Dhariwal et al. 2020 (Jukebox, https://arxiv.org/abs/2005.00341).

The encoder output is read as ``latent_dim`` vectors of ``dim`` numbers (for a conv net
with ``grid=True``: one vector per position of the feature map, e.g. 7x7 = 49; for a sequence
encoder, ``latent_dim`` vectors per frame, padding excluded from the codebook updates). Each is
replaced by the nearest of ``codebook_size`` entries; gradients pass straight through.
"""

from __future__ import annotations

import math

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from ..cluster import kmeans
from ..config import check_number
from ..context import Context
from .base import BOTTLENECKS, BottleneckOutput, DiscreteBottleneck, index_perplexity


@BOTTLENECKS.register("vq")
class VectorQuantizer(DiscreteBottleneck):
    """``latent_dim`` code vectors of size ``dim``, each one of ``codebook_size`` entries.

    Options: ``codebook_size`` (K), ``dim`` (size of each vector), ``commitment`` (beta, the
    weight pulling encoder outputs to their entries), ``ema`` (update the codebook as an
    exponential moving average of the vectors assigned to it, ``decay``; else learn it
    with the codebook loss), ``kmeans_init`` (start the codebook from k-means of the first
    batch), ``restart_dead`` (move entries whose average use falls below ``dead_fraction``
    of the uniform share to random encoder outputs of the batch), ``prior`` (a learned
    prior over the index grid, making the model generative).

    ``info`` reports ``perplexity`` (of the batch's index histogram) and ``usage`` (the
    fraction of entries in use by the moving average).
    """

    def __init__(self, latent_dim: int, codebook_size: int = 512, dim: int = 64, commitment: float = 0.25,
                 ema: bool = True, decay: float = 0.99, kmeans_init: bool = True, restart_dead: bool = True,
                 dead_fraction: float = 0.03, prior: dict | None = None) -> None:
        codebook_size = check_number(codebook_size, "codebook_size", integer=True, minimum=2,
                                     meaning="entries of the VQ codebook")
        super().__init__(latent_dim, vocab_size=codebook_size, prior=prior)
        self.codebook_size = codebook_size
        self.dim = check_number(dim, "dim", integer=True, minimum=1, meaning="size of each VQ codebook entry")
        self.commitment = check_number(commitment, "commitment", minimum=0, meaning="weight of the VQ commitment loss")
        self.decay = check_number(decay, "decay", above=0, below=1, meaning="moving-average decay of the VQ codebook")
        self.dead_fraction = check_number(dead_fraction, "dead_fraction", minimum=0,
                                          meaning="share of the uniform use below which a VQ entry is restarted")
        self.ema, self.kmeans_init, self.restart_dead = bool(ema), bool(kmeans_init), bool(restart_dead)
        init = torch.randn(self.codebook_size, self.dim) / math.sqrt(self.dim)
        if self.ema:  # the EMA owns the entries: no gradient, no weight decay
            self.register_buffer("codebook", init)
        else:
            self.codebook = nn.Parameter(init)
        self.register_buffer("ema_count", torch.ones(self.codebook_size))  # uses per step, smoothed
        self.register_buffer("ema_sum", init.clone())
        self.register_buffer("initialized", torch.tensor(not self.kmeans_init))

    @property
    def in_features(self) -> int:
        return self.latent_dim * self.dim

    @property
    def out_features(self) -> int:
        return self.latent_dim * self.dim

    def indices_to_z(self, idx: torch.Tensor) -> torch.Tensor:  # (B, G) -> (B, G*dim)
        return self.codebook[idx].flatten(1)

    def nearest(self, e: torch.Tensor) -> torch.Tensor:  # (N, dim) -> (N,)
        # |e|^2 - 2 e.c + |c|^2 without forming (N, K, dim)
        d = e.pow(2).sum(1, keepdim=True) - 2 * e @ self.codebook.t() + self.codebook.pow(2).sum(1)
        return d.argmin(1)

    def _alive(self, n_vectors: int) -> torch.Tensor:  # (K,) bool
        """Entries whose average use per step is at least ``dead_fraction`` of the uniform share."""
        return self.ema_count >= self.dead_fraction * n_vectors / self.codebook_size

    @torch.no_grad()
    def _broadcast(self) -> None:
        if dist.is_available() and dist.is_initialized():  # every process keeps rank 0's entries
            for t in (self.codebook, self.ema_count, self.ema_sum):
                dist.broadcast(t.data if isinstance(t, nn.Parameter) else t, 0)

    @torch.no_grad()
    def _init_codebook(self, e: torch.Tensor) -> None:
        c = kmeans(e, self.codebook_size)
        self.codebook.data.copy_(c)
        self.ema_sum.copy_(c)
        self.ema_count.fill_(1.0)
        self.initialized.fill_(True)
        self._broadcast()

    @torch.no_grad()
    def _update(self, e: torch.Tensor, idx: torch.Tensor) -> None:
        counts = torch.bincount(idx, minlength=self.codebook_size).float()  # (K,)
        sums = torch.zeros_like(self.ema_sum).index_add_(0, idx, e)  # (K, dim)
        n_vectors = len(e)
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(counts)
            dist.all_reduce(sums)
            n_vectors = int(counts.sum())  # every process decides restarts on the same (global) numbers
        self.ema_count.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        if self.ema:
            self.ema_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
            n = self.ema_count.sum()  # Laplace smoothing keeps rarely used entries finite
            smoothed = (self.ema_count + 1e-5) / (n + self.codebook_size * 1e-5) * n
            self.codebook.data.copy_(self.ema_sum / smoothed.unsqueeze(1))
        if self.restart_dead:
            dead = ~self._alive(n_vectors)
            n_dead = int(dead.sum())
            if n_dead:
                pick = torch.randint(len(e), (n_dead,), device=e.device)
                fresh = e[pick] + 1e-3 * e.std() * torch.randn(n_dead, self.dim, device=e.device)
                self.codebook.data[dead] = fresh
                self.ema_sum[dead] = fresh
                self.ema_count[dead] = 1.0
                self._broadcast()

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (B, G*dim)
        B = len(h)
        e = h.reshape(B * self.latent_dim, self.dim)  # (B*G, dim)
        if self.training and not bool(self.initialized):
            self._init_codebook(e.detach())
        idx = self.nearest(e.detach())  # (B*G,)
        q = self.codebook[idx]  # (B*G, dim)
        losses = {"commitment": self.commitment * F.mse_loss(e, q.detach())}
        if not self.ema:
            losses["codebook"] = F.mse_loss(q, e.detach())
        if self.training:
            self._update(e.detach(), idx)
        z = (e + (q - e).detach()).reshape(B, -1)  # straight-through: decoder sees q, encoder gets its grad
        perplexity = index_perplexity(idx, self.codebook_size)
        used = float(self._alive(len(e)).float().mean())
        idx = idx.reshape(B, self.latent_dim)
        return BottleneckOutput(z=z, code=idx.float(), losses=losses, indices=idx,
                                info={"perplexity": perplexity, "usage": used,
                                      "bits": self.latent_dim * math.log2(self.codebook_size)})
