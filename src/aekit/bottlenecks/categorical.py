"""One-hot (categorical) codes trained with the Gumbel-softmax relaxation.

Jang, Gu & Poole 2017, https://arxiv.org/abs/1611.01144; Maddison et al. 2017,
https://arxiv.org/abs/1611.00712. Each of ``latent_dim`` groups holds one of
``categories`` values; the decoder reads the concatenated one-hot vectors.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..config import check_number
from ..context import Context
from .base import BOTTLENECKS, BottleneckOutput, DiscreteBottleneck, index_perplexity


@BOTTLENECKS.register("categorical")
class Categorical(DiscreteBottleneck):
    """``latent_dim`` categorical variables of ``categories`` values each.

    Options: ``categories`` (K), ``tau_start``/``tau_end``/``anneal_steps`` (the Gumbel
    temperature falls exponentially from start to end over that many training steps),
    ``straight_through`` (hard one-hot forward with soft gradients during training, so
    training sees what inference sees), ``prior`` (a learned prior over the categories).
    Inference takes the arg-max, a hard one-hot. The KL to the uniform prior is added as
    ``kl`` (per input feature), which keeps all categories in play.
    """

    def __init__(self, latent_dim: int, categories: int = 10, tau_start: float = 1.0, tau_end: float = 0.5,
                 anneal_steps: int = 5000, straight_through: bool = True, prior: dict | None = None) -> None:
        categories = check_number(categories, "categories", integer=True, minimum=2,
                                  meaning="categories of each categorical code entry")
        tau_start = check_number(tau_start, "tau_start", above=0, meaning="Gumbel-softmax temperature at the start")
        tau_end = check_number(tau_end, "tau_end", above=0, maximum=tau_start,
                               meaning="Gumbel-softmax temperature after annealing, at most tau_start")
        anneal_steps = check_number(anneal_steps, "anneal_steps", integer=True, minimum=0,
                                    meaning="training steps from tau_start to tau_end")
        super().__init__(latent_dim, vocab_size=categories, prior=prior)
        self.categories = categories
        self.tau_start, self.tau_end, self.anneal_steps = tau_start, tau_end, anneal_steps
        self.straight_through = bool(straight_through)

    @property
    def in_features(self) -> int:
        return self.latent_dim * self.categories

    @property
    def out_features(self) -> int:
        return self.latent_dim * self.categories

    def temperature(self, step: int) -> float:
        """The Gumbel-softmax temperature at training step ``step`` (the trainer's global step)."""
        frac = min(1.0, step / max(1, self.anneal_steps))
        return self.tau_start * (self.tau_end / self.tau_start) ** frac

    def indices_to_z(self, idx: torch.Tensor) -> torch.Tensor:  # (B, G) -> (B, G*K)
        return F.one_hot(idx, self.categories).float().flatten(1)

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (B, G*K) logits
        logits = h.reshape(len(h), self.latent_dim, self.categories)  # (B, G, K)
        idx = logits.argmax(-1)  # (B, G)
        if self.training:
            tau = self.temperature(ctx.step)
            y = F.gumbel_softmax(logits, tau=tau, hard=self.straight_through, dim=-1)
        else:
            tau = self.tau_end
            y = F.one_hot(idx, self.categories).float()
        logq = F.log_softmax(logits, -1)  # (B, G, K)
        # KL(q || uniform) = sum q log q + log K, per group; summed over groups, per input feature
        kl = ((logq.exp() * logq).sum(-1) + math.log(self.categories)).sum(1)  # (B,)
        perplexity = index_perplexity(idx, self.categories)
        return BottleneckOutput(z=y.flatten(1), code=idx.float(), indices=idx,
                                losses={"kl": kl.mean() / ctx.data_dim},
                                info={"tau": tau, "perplexity": perplexity,
                                      "bits": self.latent_dim * math.log2(self.categories)})
