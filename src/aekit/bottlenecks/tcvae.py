"""The beta-TCVAE bottleneck: a Gaussian code whose KL is split, and its total correlation weighted.

Chen, Li, Grosse & Duvenaud 2018, "Isolating Sources of Disentanglement in VAEs",
https://arxiv.org/abs/1802.04942. Averaged over the data, the VAE's KL term is the sum of

- the index-code mutual information ``I(x; z) = E[log q(z|x) - log q(z)]``,
- the total correlation ``TC = E[log q(z) - sum_j log q(z_j)]``: how far the aggregate posterior
  ``q(z)`` is from the product of its marginals, i.e. how dependent the code dimensions are,
- the dimension-wise KL ``E[sum_j log q(z_j) - log p(z_j)]``,

and beta-TCVAE pays ``alpha * MI + beta * TC + gamma * dwKL``: a large ``beta`` penalises
dependence between dimensions alone, without squeezing the information the code carries (as the
beta-VAE's larger KL weight does). ``q(z) = (1/N) sum_n q(z|x_n)`` is a sum over the whole
training set of ``N`` samples; it is estimated on each minibatch of ``M`` samples, which is why
the bottleneck reads ``N`` from the training context (``ctx.n_train``):

- ``"mws"``, minibatch weighted sampling (the paper's section 4.1): every sample of the batch
  stands for ``N / M`` of the data, ``q(z_i) ~ 1/(N M) sum_j q(z_i | x_j)``;
- ``"mss"``, minibatch stratified sampling (its appendix): the sample that drew ``z_i`` counts as
  itself and the other ``M - 1`` stand for the other ``N - 1``,
  ``q(z_i) ~ (1/N) q(z_i|x_i) + (N - 1)/(N (M - 1)) sum_{j != i} q(z_i|x_j)``, unbiased for
  ``q(z_i)``.

The same weights estimate each marginal ``q(z_ij)``. Under ``"mws"`` each term's estimate is offset
by a constant (a multiple of ``log M``: a batch sample's own posterior dominates ``q(z_i)``, and it
gets weight ``1/(N M)`` rather than ``1/N``); the offsets cancel in the sum of the three terms and
do not change any gradient, but the logged ``tc_nats`` is not near 0 for an independent code as
under ``"mss"``. In a data-parallel run each process
estimates on its own share of the batch. Outside training (no ``n_train`` in the context) the
batch is taken for the data set. Validation scores the terms at the posterior means (``z = mu``,
no sampling), so the early-stopping score does not jitter from epoch to epoch.
"""

from __future__ import annotations

import math

import torch

from ..config import check_number
from ..context import Context
from ..errors import ConfigError
from .base import BOTTLENECKS, BottleneckOutput
from .gaussian import Gaussian

_LOG_2PI = math.log(2 * math.pi)
ESTIMATORS = ("mws", "mss")


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``log N(z; mu, exp(logvar))`` per element (broadcasting)."""
    return -0.5 * (_LOG_2PI + logvar + (z - mu) ** 2 * torch.exp(-logvar))


def log_weights(m: int, n: int, estimator: str, device=None) -> torch.Tensor:
    """``(M, M)`` log importance weights ``log w_ij`` with ``q(z_i) ~ sum_j w_ij q(z_i | x_j)`` for a
    batch of ``m`` samples out of a data set of ``n`` (see the module docstring)."""
    n = max(n, 1)
    if estimator == "mws" or m < 2:
        return torch.full((m, m), -math.log(n * m), device=device)
    w = torch.full((m, m), math.log(n - 1) - math.log(n * (m - 1)) if n > 1 else -math.inf, device=device)
    w.fill_diagonal_(-math.log(n))
    return w


@BOTTLENECKS.register("tcvae")
class TCVAE(Gaussian):
    """beta-TCVAE (see the module docstring).

    Options: ``beta`` (weight of the total correlation, 6 by default), ``alpha`` (mutual information) and ``gamma`` (dimension-wise KL), 1 by default so the
    objective is the ELBO plus ``(beta - 1) * TC``; ``estimator`` (``"mss"``, the default, whose terms estimate the
    actual quantities, or ``"mws"``, the paper's main-text estimator);
    ``warmup_steps`` (all three weights rise linearly from 0 over this many training steps). The
    terms are reported per input value (the context's ``data_dim``), as the Gaussian bottleneck's
    KL, so ``beta`` means what it means in the paper's per-sample objective.
    """

    def __init__(self, latent_dim: int, beta: float = 6.0, alpha: float = 1.0, gamma: float = 1.0,
                 estimator: str = "mss", warmup_steps: int = 0) -> None:
        super().__init__(latent_dim, beta=beta, warmup_steps=warmup_steps)
        self.beta = check_number(beta, "beta", minimum=0, meaning="weight of the total correlation of the tcvae code")
        self.alpha = check_number(alpha, "alpha", minimum=0, meaning="weight of the index-code mutual information")
        self.gamma = check_number(gamma, "gamma", minimum=0, meaning="weight of the dimension-wise KL")
        if estimator not in ESTIMATORS:
            raise ConfigError(f"tcvae estimator={estimator!r} must be 'mws' (minibatch weighted sampling) or "
                              "'mss' (minibatch stratified sampling).")
        self.estimator = estimator

    def kl_weight(self, step: int) -> float:
        """The warm-up factor of all three terms (1 once warmed up, and always outside training)."""
        if not self.training or self.warmup_steps == 0:
            return 1.0
        return min(1.0, step / self.warmup_steps)

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (M, 2D)
        mu, logvar = h.chunk(2, dim=1)  # (M, D) each
        logvar = logvar.clamp(-30.0, 20.0)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        m = len(z)
        n = ctx.n_train or m
        # log q(z_i,d | x_j,d) for every pair of the batch: (M, M, D)
        pair = gaussian_log_density(z[:, None, :], mu[None, :, :], logvar[None, :, :])
        log_w = log_weights(m, n, self.estimator, z.device)  # (M, M)
        log_qz_x = gaussian_log_density(z, mu, logvar).sum(1)  # (M,) log q(z_i | x_i)
        log_qz = torch.logsumexp(log_w + pair.sum(2), dim=1)  # (M,) log q(z_i)
        log_qz_marg = torch.logsumexp(log_w[:, :, None] + pair, dim=1).sum(1)  # (M,) sum_d log q(z_i,d)
        log_pz = gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z)).sum(1)  # (M,)
        mi = (log_qz_x - log_qz).mean()
        tc = (log_qz - log_qz_marg).mean()
        dwkl = (log_qz_marg - log_pz).mean()
        weight = self.kl_weight(ctx.step) / ctx.data_dim
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)  # (M,) the analytic KL, for reference
        return BottleneckOutput(
            z=z, code=mu,
            losses={"mi": weight * self.alpha * mi, "tc": weight * self.beta * tc, "dwkl": weight * self.gamma * dwkl},
            info={"kl_nats": float(kl.detach().mean()), "mi_nats": float(mi.detach()), "tc_nats": float(tc.detach()),
                  "dwkl_nats": float(dwkl.detach())})


__all__ = ["ESTIMATORS", "TCVAE", "gaussian_log_density", "log_weights"]
