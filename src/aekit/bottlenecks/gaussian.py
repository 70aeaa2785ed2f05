"""The Gaussian bottleneck of a variational auto-encoder (VAE).

Kingma & Welling 2014, https://arxiv.org/abs/1312.6114; the KL weight ``beta`` of
Higgins et al. 2017 (beta-VAE, https://openreview.net/forum?id=Sy2fzU9gl).

The encoder outputs a mean and a log-variance per latent dimension; training draws
``z = mu + sigma * eps`` (the reparameterisation trick) and pays
``KL(q(z|x) || N(0, I))``. At inference ``z = mu``. Sampling draws ``z ~ N(0, I)``.
"""

from __future__ import annotations

import torch

from ..config import check_number
from ..context import Context
from .base import BOTTLENECKS, Bottleneck, BottleneckOutput


@BOTTLENECKS.register("gaussian")
class Gaussian(Bottleneck):
    """Reparameterised Gaussian code with a KL term.

    Options: ``beta`` (KL weight; 1 = the ELBO for a per-feature BCE loss), ``warmup_steps``
    (KL weight rises linearly from 0 over this many training steps, against posterior collapse).
    The KL is reported per input value (the context's ``data_dim``), on the scale of the per-value
    mean reconstruction loss, so ``beta`` means the same for every input size. The warm-up follows
    the trainer's global step (``ctx.step``).
    """

    generative = True

    def __init__(self, latent_dim: int, beta: float = 1.0, warmup_steps: int = 0) -> None:
        super().__init__(latent_dim)
        self.beta = check_number(beta, "beta", minimum=0, meaning="weight of the gaussian bottleneck's KL term")
        self.warmup_steps = check_number(warmup_steps, "warmup_steps", integer=True, minimum=0,
                                         meaning="training steps over which the KL weight rises to beta")

    @property
    def in_features(self) -> int:  # mean and log-variance
        return 2 * self.latent_dim

    def kl_weight(self, step: int) -> float:
        if not self.training or self.warmup_steps == 0:
            return self.beta  # validation always scores the full objective, so epochs compare
        return self.beta * min(1.0, step / self.warmup_steps)

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (B, 2D)
        mu, logvar = h.chunk(2, dim=1)  # (B, D) each
        logvar = logvar.clamp(-30.0, 20.0)  # exp() stays finite in float32
        if self.training:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        else:
            z = mu
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)  # (B,) nats per sample
        weight = self.kl_weight(ctx.step)
        return BottleneckOutput(z=z, code=mu, losses={"kl": weight * kl.mean() / ctx.data_dim},
                                info={"kl_nats": float(kl.detach().mean())})

    def decode_vectors(self, code: torch.Tensor) -> torch.Tensor:
        return code

    def sample_prior(self, n: int, generator: torch.Generator | None = None,
                     temperature: float = 1.0) -> torch.Tensor:
        return temperature * torch.randn(n, self.latent_dim, generator=generator)  # (n, D)
