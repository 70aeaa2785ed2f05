"""FactorVAE (Kim & Mnih 2018, "Disentangling by Factorising", https://arxiv.org/abs/1802.05983).

A VAE whose objective adds ``gamma`` times the total correlation (TC) of its code: how far the
aggregate posterior ``q(z)`` is from the product of its marginals ``prod_j q(z_j)``. The TC is
estimated by the density-ratio trick: a discriminator ``D`` learns to tell codes of the data
(draws of ``q(z)``) from codes whose dimensions were each shuffled independently across the batch
(draws of ``prod_j q(z_j)``: shuffling keeps every marginal and breaks every dependence); then
``TC ~ E[log D(z) / (1 - D(z))]``, the mean logit of ``D`` on the data's codes. Two optimizers,
each stepped by the one trainer on every batch:

1. ``"vae"``: encoder and decoder, ``recon + KL + gamma * TC`` (``KL`` is the Gaussian
   bottleneck's, with its ``beta``; the discriminator is not stepped here);
2. ``"disc"``: the discriminator, ``0.5 * (BCE(D(z), 1) + BCE(D(shuffled z), 0))``, on codes
   drawn again after the ``"vae"`` step, without gradients into the encoder.

The permutations are drawn for the whole global batch by a pipeline step (batch entries
``tc_perm``, ``(B, D)`` source rows, and ``tc_row``, each sample's row in the batch), so a
data-parallel run shuffles exactly as one process: each process gathers every process's codes
before shuffling. The shuffled codes come from the same batch as the data's codes (as
disentanglement_lib does) rather than from a second batch as in the paper: shuffling each
dimension on its own already gives draws of the product of the marginals. Validation scores
``recon + KL``, which does not move with the discriminator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from .. import distributed as dist_utils
from ..config import ModelConfig, TrainConfig, check_betas, check_number
from ..context import Context
from ..errors import ConfigError
from ..optim import OptimizerSpec
from .autoencoder import AEModel
from .base import MODELS


@dataclass
class FactorOptions:
    # weight of the TC term; Kim & Mnih sweep 10 to 100 on dSprites
    gamma: float = 40.0
    # discriminator widths (leaky ReLU 0.2 as the paper's), narrower than its six layers of 1000 units
    # so that a CPU step of the discriminator costs about what the auto-encoder's does
    disc_hidden: list[int] = field(default_factory=lambda: [512, 512, 512, 512])
    disc_lr: float | None = 1e-4  # the paper's; None: the training lr
    betas: tuple[float, float] = (0.5, 0.9)  # Adam betas of the discriminator (the paper's)

    def __post_init__(self) -> None:
        self.gamma = check_number(self.gamma, "gamma", minimum=0, meaning="weight of FactorVAE's total correlation")
        if not self.disc_hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in self.disc_hidden):
            raise ConfigError(f"disc_hidden={self.disc_hidden!r} must be a non-empty list of positive widths.")
        self.disc_lr = check_number(self.disc_lr, "disc_lr", above=0, optional=True,
                                    meaning="learning rate of the TC discriminator, or None for the training lr")
        self.betas = check_betas(self.betas)


@MODELS.register("factor")
class FactorVAE(AEModel):
    Options = FactorOptions
    shown_terms = ("tc",)

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        if config.bottleneck not in ("gaussian", "continuous"):
            raise ConfigError(f"FactorVAE penalises the total correlation of a continuous code; use bottleneck="
                              f"'gaussian' (the paper's) or 'continuous', not {config.bottleneck!r}.")
        if config.is_sequence:
            raise ConfigError("FactorVAE needs one code vector per sample, not a sequence code.")
        widths = [self.bottleneck.code_dim, *self.options.disc_hidden]
        layers: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
        self.discriminator = nn.Sequential(*layers, nn.Linear(widths[-1], 1))  # logit of "drawn from q(z)"

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        o = self.options
        vae = [p for name, p in self.named_parameters() if not name.startswith("discriminator.")]
        return [OptimizerSpec("vae", vae),
                OptimizerSpec("disc", self.discriminator.parameters(), algorithm="adam", lr=o.disc_lr,
                              betas=o.betas, weight_decay=0.0)]

    def pipeline_steps(self) -> list:
        dim = self.bottleneck.code_dim

        def draw_permutations(batch: dict, gen: torch.Generator) -> dict:
            n = len(batch["input"])
            perm = torch.stack([torch.randperm(n, generator=gen) for _ in range(dim)], 1)  # (B, D)
            return {**batch, "tc_perm": perm, "tc_row": torch.arange(n)}

        return [draw_permutations]

    def shuffled(self, z: torch.Tensor, batch: dict) -> torch.Tensor:
        """Codes ``z`` (this process's rows, ``(b, D)``) with each dimension shuffled across the global
        batch by the batch's ``tc_perm``; drawn here when a step runs outside the trainer."""
        perm, rows = batch.get("tc_perm"), batch.get("tc_row")
        if perm is None or rows is None:
            perm = torch.stack([torch.randperm(len(z)) for _ in range(z.shape[1])], 1)
            rows = torch.arange(len(z))
        parts_z, parts_rows = dist_utils.all_gather_rows(z), dist_utils.all_gather_rows(rows.to(z.device))
        n = 1 + max(int(r.max()) for r in parts_rows if len(r))
        full = z.new_zeros(n, z.shape[1])  # (B, D): the global batch's codes in batch order
        # rank 0 last: a process with no samples of a tiny last batch holds a stand-in copy of row 0
        for r, part in reversed(list(zip(parts_rows, parts_z))):
            full[r.long()] = part
        return torch.gather(full, 0, perm.to(z.device).long())  # out[i, d] = full[perm[i, d], d]

    def tc_logits(self, z: torch.Tensor) -> torch.Tensor:
        """``log D(z) / (1 - D(z))`` per code: (B, D) -> (B,)."""
        return self.discriminator(z).squeeze(1)

    def training_step(self, batch: dict, ctx: Context, optimizer: str) -> dict:
        if optimizer == "vae":
            out = super().training_step(batch, ctx, optimizer)
            tc = self.tc_logits(out["bottleneck"].z).mean()  # nats per sample
            term = self.options.gamma * tc / self.data_dim  # per input value, as the KL
            out["losses"]["tc"] = term
            out["loss"] = out["loss"] + self.config.loss_weights.get("tc", 1.0) * term
            out["info"] = {**out["info"], "tc_nats": float(tc.detach())}
            return out
        with torch.no_grad():  # the discriminator's update needs no gradient through the encoder
            z = self.encode(batch["input"], batch.get("cond"), ctx, batch.get("mask")).z  # (B, D)
            mixed = self.shuffled(z, batch)
        joint, product = self.tc_logits(z), self.tc_logits(mixed)
        loss = 0.5 * (F.binary_cross_entropy_with_logits(joint, torch.ones_like(joint))
                      + F.binary_cross_entropy_with_logits(product, torch.zeros_like(product)))
        accuracy = 0.5 * (float((joint.detach() > 0).float().mean()) + float((product.detach() < 0).float().mean()))
        return {"loss": loss, "losses": {"bce": loss}, "info": {"accuracy": accuracy}}

    def validation_step(self, batch: dict, ctx: Context) -> dict:
        return AEModel.training_step(self, batch, ctx, "vae")


__all__ = ["FactorOptions", "FactorVAE"]
