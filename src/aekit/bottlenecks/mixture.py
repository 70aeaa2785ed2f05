"""A VAE whose prior is a mixture of Gaussians: a categorical "which cluster" above a
continuous code (VaDE, Jiang et al. 2017, https://arxiv.org/abs/1611.05148).

The generative story is ``c ~ Cat(pi)``, ``z ~ N(mu_c, sigma_c^2)``, ``x ~ decoder(z)``.
The category is a discrete latent learned without labels: on digits it comes to mean
the digit. As in the paper, the mixture starts from clustering learned codes: the first
``pretrain_steps`` training steps are a plain VAE (prior N(0, I)) while the means of
recent codes are kept; then k-means on them places the components, and from there on
the KL is taken against the mixture and its parameters are learned with the rest.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

import torch.distributed as dist

from ..cluster import kmeans
from ..config import check_number
from ..context import Context
from ..errors import ConfigError, NoPriorError
from .base import BOTTLENECKS, Bottleneck, BottleneckOutput


@BOTTLENECKS.register("mixture")
class GaussianMixture(Bottleneck):
    """``latent_dim`` continuous dimensions under a ``components``-way Gaussian-mixture prior.

    The code is ``[category, mean_1 .. mean_D]`` (``code_dim = 1 + latent_dim``): the most
    probable component for the sample, then the posterior mean the decoder reads.
    Options: ``components``, ``beta`` (KL weight), ``pretrain_steps`` (plain-VAE steps
    before the mixture is placed by k-means), ``buffer`` (how many recent codes k-means sees).
    """

    generative = True

    def __init__(self, latent_dim: int, components: int = 10, beta: float = 1.0, pretrain_steps: int = 1000,
                 buffer: int = 4096) -> None:
        super().__init__(latent_dim)
        self.components = check_number(components, "components", integer=True, minimum=2,
                                       meaning="Gaussians in the mixture prior")
        self.beta = check_number(beta, "beta", minimum=0, meaning="weight of the mixture bottleneck's KL term")
        self.pretrain_steps = check_number(pretrain_steps, "pretrain_steps", integer=True, minimum=0,
                                           meaning="steps before the components are placed on the codes")
        self.buffer = check_number(buffer, "buffer", integer=True, minimum=self.components,
                                   meaning="codes kept for placing the components, at least components")
        K, D = self.components, self.latent_dim
        self.pi_logits = nn.Parameter(torch.zeros(K))
        self.means = nn.Parameter(torch.randn(K, D))
        self.logvars = nn.Parameter(torch.zeros(K, D))
        self.register_buffer("initialized", torch.tensor(self.pretrain_steps == 0))
        self.register_buffer("recent", torch.zeros(0, D), persistent=False)  # codes seen during pre-training

    @property
    def in_features(self) -> int:
        return 2 * self.latent_dim

    @property
    def code_dim(self) -> int:
        return 1 + self.latent_dim

    def log_joint(self, z: torch.Tensor) -> torch.Tensor:  # (B, D) -> (B, K): log p(c) + log p(z | c)
        var = self.logvars.exp()  # (K, D)
        sq = (z.unsqueeze(1) - self.means).pow(2) / var  # (B, K, D)
        log_pz = -0.5 * (sq + self.logvars + math.log(2 * math.pi)).sum(-1)
        return F.log_softmax(self.pi_logits, 0) + log_pz

    @torch.no_grad()
    def _place_components(self) -> None:
        codes = self.recent
        centers = kmeans(codes, self.components, iters=25, generator=torch.Generator().manual_seed(0))
        assign = torch.cdist(codes, centers).argmin(1)
        for k in range(self.components):
            members = codes[assign == k]
            var = members.var(0, unbiased=False) if len(members) > 1 else codes.var(0, unbiased=False)
            self.logvars.data[k] = var.clamp(min=1e-4).log()
            self.pi_logits.data[k] = math.log(max(1, len(members)) / len(codes))
        self.means.data.copy_(centers)
        self.initialized.fill_(True)
        self.recent = self.recent[:0]
        if dist.is_available() and dist.is_initialized():  # every process keeps rank 0's placement
            for t in (self.pi_logits, self.means, self.logvars):
                dist.broadcast(t.data, 0)

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (B, 2D)
        mu, logvar = h.chunk(2, dim=1)  # (B, D) each
        logvar = logvar.clamp(-30.0, 20.0)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        if self.training and not bool(self.initialized):
            self.recent = torch.cat([self.recent, mu.detach()])[-self.buffer:]
            if ctx.step + 1 >= self.pretrain_steps:  # the trainer's global step, 0-based
                self._place_components()
        if bool(self.initialized):
            log_joint = self.log_joint(z)  # (B, K)
            gamma = log_joint.softmax(1)  # q(c | x)
            var = self.logvars.exp()
            # E_q(c)[KL(q(z|x) || p(z|c))] + KL(q(c|x) || p(c)), as in VaDE
            cross = 0.5 * ((self.logvars + (logvar.exp().unsqueeze(1) + (mu.unsqueeze(1) - self.means) ** 2) / var)
                           .sum(-1))  # (B, K)
            kl = (gamma * cross).sum(1) - 0.5 * (1 + logvar).sum(1) \
                + (gamma * (gamma.clamp(min=1e-10).log() - F.log_softmax(self.pi_logits, 0))).sum(1)
            category = self.log_joint(mu).argmax(1)
        else:
            kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)
            category = torch.zeros(len(mu), dtype=torch.long, device=mu.device)
        code = torch.cat([category.unsqueeze(1).float(), mu], 1)
        return BottleneckOutput(z=z, code=code, losses={"kl": self.beta * kl.mean() / ctx.data_dim},
                                indices=category.unsqueeze(1), info={"kl_nats": float(kl.detach().mean())})

    def decode_vectors(self, code: torch.Tensor) -> torch.Tensor:
        if code.ndim != 2 or code.shape[1] != self.code_dim:
            raise ConfigError(f"mixture codes must be (n, {self.code_dim}) = [category, {self.latent_dim} means]; "
                              f"got {tuple(code.shape)}.")
        return code[:, 1:]  # the decoder reads z; the category is the cluster z came from

    def sample_prior(self, n: int, generator: torch.Generator | None = None,
                     temperature: float = 1.0) -> torch.Tensor:
        if not bool(self.initialized):
            raise NoPriorError(
                f"The mixture prior is not placed yet: it is fitted after pretrain_steps={self.pretrain_steps} "
                "training steps, and this model trained fewer. Train longer or lower pretrain_steps."
            )
        with torch.no_grad():
            c = torch.multinomial(F.softmax(self.pi_logits, 0).cpu(), n, replacement=True, generator=generator)
            eps = torch.randn(n, self.latent_dim, generator=generator)
            z = self.means.cpu()[c] + temperature * eps * (0.5 * self.logvars.cpu()[c]).exp()
        return z.to(self.means.device)
