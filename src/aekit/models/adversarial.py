"""The adversarial auto-encoder (Makhzani et al. 2015, https://arxiv.org/abs/1511.05644).

A discriminator learns to tell codes of the data from draws of a prior (N(0, I)); the encoder
learns to fool it. Then the codes of the data fill the prior, and decoding prior draws
generates data, without the VAE's KL term. Training alternates three updates per batch, each
with its own optimizer, as in the paper:

1. ``"ae"``: encoder and decoder, reconstruction;
2. ``"disc"``: the discriminator, ``BCE(D(prior draw), 1) + BCE(D(code), 0)``;
3. ``"gen"``: the encoder alone, ``BCE(D(code), 1)``.

``disc_every`` > 1 steps the encoder's adversarial update only every that many batches (k
discriminator steps per generator step). Validation scores the reconstruction. The prior draws
are made for the whole batch by a pipeline step (batch entry ``prior_z``), so data-parallel
processes share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..config import ModelConfig, TrainConfig, _number, check_betas
from ..context import Context
from ..errors import ConfigError
from ..layers import activation
from ..optim import OptimizerSpec
from .autoencoder import AEModel
from .base import MODELS


@dataclass
class AdversarialOptions:
    disc_hidden: list[int] = field(default_factory=lambda: [256, 256])  # discriminator widths
    # None: the training lr. On MNIST (30 epochs of 4,000 digits at lr 3e-3) the game matched N(0, I)
    # better with 1e-3 for both (benchmarks/core_models.py); on 1,300 8x8 digits 3e-3 did
    disc_lr: float | None = None
    gen_lr: float | None = None  # the encoder's adversarial updates
    betas: tuple[float, float] = (0.5, 0.9)  # Adam betas of the adversarial updates (GAN practice)
    disc_every: int = 1  # 1 = every batch; k: the generator side steps on every k-th batch only

    def __post_init__(self) -> None:
        if not self.disc_hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in self.disc_hidden):
            raise ConfigError(f"disc_hidden={self.disc_hidden!r} must be a non-empty list of positive widths.")
        for name in ("disc_lr", "gen_lr"):
            _number(self, name, integer=False, optional=True)
            if getattr(self, name) is not None and not getattr(self, name) > 0:
                raise ConfigError(f"{name}={getattr(self, name)} must be > 0 (or None: the training lr).")
        _number(self, "disc_every", integer=True)
        if self.disc_every < 1:
            raise ConfigError(f"disc_every={self.disc_every} must be >= 1.")
        self.betas = check_betas(self.betas)


@MODELS.register("adversarial")
class AdversarialAE(AEModel):
    Options = AdversarialOptions

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        if config.bottleneck != "continuous":
            raise ConfigError(f"the adversarial auto-encoder shapes a continuous code with its discriminator; "
                              f"use bottleneck='continuous', not {config.bottleneck!r}.")
        if config.is_sequence:
            raise ConfigError("the adversarial auto-encoder needs one code vector per sample, not a sequence code.")
        widths = [self.bottleneck.code_dim, *self.options.disc_hidden]
        layers: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(a, b), activation("leaky_relu")]
        self.discriminator = nn.Sequential(*layers, nn.Linear(widths[-1], 1))

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        o = self.options
        ae = [p for name, p in self.named_parameters() if not name.startswith("discriminator.")]
        return [OptimizerSpec("ae", ae),
                OptimizerSpec("disc", self.discriminator.parameters(), algorithm="adam", lr=o.disc_lr,
                              betas=o.betas, weight_decay=0.0),
                OptimizerSpec("gen", self.encoder.parameters(), algorithm="adam", lr=o.gen_lr, betas=o.betas,
                              weight_decay=0.0, every=o.disc_every)]

    def pipeline_steps(self) -> list:
        dim = self.bottleneck.code_dim

        def draw_prior(batch: dict, gen: torch.Generator) -> dict:
            return {**batch, "prior_z": torch.randn(len(batch["input"]), dim, generator=gen)}

        return [draw_prior]

    def sample_latent(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0
                      ) -> torch.Tensor:
        """Draws of the prior the codes were matched to, N(0, I)."""
        z = temperature * torch.randn(n, self.bottleneck.code_dim, generator=generator)
        return z.to(next(self.parameters()).device)

    def training_step(self, batch: dict, ctx: Context, optimizer: str) -> dict:
        if optimizer == "ae":
            return super().training_step(batch, ctx, optimizer)
        if optimizer == "disc":
            with torch.no_grad():  # the discriminator's update needs no gradient through the encoder
                z = self.encode(batch["input"], batch.get("cond"), ctx, batch.get("mask")).z  # (B, D)
            prior = batch["prior_z"].to(z) if "prior_z" in batch else torch.randn_like(z)
            real, fake = self.discriminator(prior), self.discriminator(z)
            loss = F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + \
                F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
            return {"loss": loss, "losses": {"bce": loss},
                    "info": {"d_real": float(torch.sigmoid(real.detach()).mean()),
                             "d_code": float(torch.sigmoid(fake.detach()).mean())}}
        z = self.encode(batch["input"], batch.get("cond"), ctx, batch.get("mask")).z  # (B, D)
        fooled = self.discriminator(z)
        loss = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
        return {"loss": loss, "losses": {"adv": loss}, "info": {}}


__all__ = ["AdversarialAE", "AdversarialOptions"]
