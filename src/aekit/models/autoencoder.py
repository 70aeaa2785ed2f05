"""The plain auto-encoder: ``encoder -> bottleneck -> decoder``, trained to rebuild its input.

The lecture's model, and the base of the others: every bottleneck (continuous, VAE, binary,
one-hot, VQ, mixture, joint) and every network family (MLP, 2-D conv, 1-D conv over padded
sequences) plug in by name. ``forward`` returns the reconstruction, the bottleneck output and a
dict of named loss terms; ``training_step`` reads a batch's ``input``, ``target`` (absent: the
input) and ``mask`` (padded sequences). A discrete bottleneck with a learned prior adds a second
training stage: the prior, fitted on the codes of the training data.
"""

from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn.functional as F

from ..bottlenecks import BottleneckOutput, DiscreteBottleneck, create_bottleneck
from ..config import ModelConfig
from ..context import Context
from ..errors import ConfigError
from ..nets import create_nets
from .base import MODELS, Model, Stage


@MODELS.register("autoencoder")
class AEModel(Model):
    #: the condition the networks read, (B, cond_dim); 0 = unconditional (the conditional model sets it)
    cond_dim: int = 0
    encoder_cond: bool = False
    conditioning: str = "concat"

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.bottleneck = create_bottleneck(config.bottleneck, config.latent_dim, **config.bottleneck_options)
        # g_a and g_s in CompressAI's words: analysis (encoder) and synthesis (decoder) transforms.
        self.encoder, self.decoder = create_nets(
            config.net, config.input_shape, self.bottleneck.in_features, self.bottleneck.out_features,
            cond_dim=self.cond_dim, conditioning=self.conditioning,
            encoder_cond_dim=self.cond_dim if self.encoder_cond else 0, **config.net_options,
        )
        if getattr(self.encoder, "grid", False) and hasattr(self.bottleneck, "dim"):
            # VQ on a code grid: every code vector must sit at one position, not straddle two
            _, h, w = self.encoder.shapes[-1]
            if self.bottleneck.latent_dim % (h * w):
                raise ConfigError(
                    f"With grid=True the code is a {h}x{w} map, so the vq bottleneck needs latent_dim a multiple "
                    f"of {h * w} (code vectors per position); got latent_dim={self.bottleneck.latent_dim}."
                )

    @property
    def data_dim(self) -> int:
        """Values of the data behind one code vector: the scale of the bottleneck's KL and such.
        For a sequence code, the channels of the input frames one code frame covers."""
        shape = self.config.input_shape
        if self.config.is_sequence:
            return shape[0] * 2 ** len(getattr(self.encoder, "stages", []))
        return math.prod(shape)

    def _ctx(self, ctx: Context | None) -> Context:
        return dataclasses.replace(ctx or Context(), data_dim=self.data_dim)

    def condition(self, cond: torch.Tensor | None) -> torch.Tensor | None:
        """The batch's ``cond`` as the ``(B, cond_dim)`` vector the networks read (unconditional: None)."""
        return None

    # -- the three parts -------------------------------------------------------------
    def encode(self, x: torch.Tensor, cond: torch.Tensor | None = None, ctx: Context | None = None,
               mask: torch.Tensor | None = None) -> BottleneckOutput:  # (B, *input_shape)
        c = self.condition(cond)
        h = self.encoder(x, cond=c, mask=mask) if (c is not None or mask is not None) else self.encoder(x)
        frames = self.encoder.frame_mask(mask) if mask is not None and hasattr(self.encoder, "frame_mask") else None
        return self.bottleneck(h, self._ctx(ctx), mask=frames)

    def decode_logits(self, z: torch.Tensor, cond: torch.Tensor | None = None,
                      mask: torch.Tensor | None = None) -> torch.Tensor:  # (B, out_features) -> (B, *input_shape)
        c = self.condition(cond)
        return self.decoder(z, cond=c, mask=mask) if (c is not None or mask is not None) else self.decoder(z)

    def output(self, logits: torch.Tensor) -> torch.Tensor:
        """Decoder logits -> reconstruction in the scaled input space."""
        return torch.sigmoid(logits) if self.config.output_activation == "sigmoid" else logits

    def decode(self, z: torch.Tensor, cond: torch.Tensor | None = None, mask: torch.Tensor | None = None
               ) -> torch.Tensor:
        return self.output(self.decode_logits(z, cond, mask))

    def sample_latent(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0
                      ) -> torch.Tensor:
        """``n`` codes ``z`` drawn from the model's prior (the bottleneck's; ``NoPriorError`` if none)."""
        z = self.bottleneck.sample_prior(n, generator, temperature=temperature)
        return z.to(next(self.parameters()).device)

    # -- training objective ----------------------------------------------------------
    def recon_error(self, logits: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None
                    ) -> torch.Tensor:
        """Per-sample reconstruction loss, mean over features (over real frames only with a mask): (B,)."""
        if self.config.loss == "bce":  # on logits: stabler than BCE on sigmoid outputs
            err = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        else:
            x_hat = self.output(logits)
            err = (x_hat - target).abs() if self.config.loss == "l1" else (x_hat - target) ** 2
        if mask is None:
            return err.flatten(1).mean(1)
        m = mask.unsqueeze(1).to(err.dtype)  # (B, 1, T)
        return (err * m).flatten(1).sum(1) / (m.flatten(1).sum(1) * err.shape[1]).clamp(min=1)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None, *, cond: torch.Tensor | None = None,
                ctx: Context | None = None, mask: torch.Tensor | None = None) -> dict:
        """``x`` is the (possibly corrupted) input, ``target`` the clean data to rebuild."""
        target = x if target is None else target
        if mask is None and self.config.is_sequence and x.dim() == 3:  # unpadded sequences: every frame is real
            mask = torch.ones(x.shape[0], x.shape[2], dtype=torch.bool, device=x.device)
        out = self.encode(x, cond, ctx, mask)
        logits = self.decode_logits(out.z, cond, mask)
        per_sample = self.recon_error(logits, target, mask)  # (B,)
        losses = {"recon": per_sample.mean(), **out.losses}
        w = self.config.loss_weights
        loss = sum(w.get(k, 1.0) * v for k, v in losses.items())
        return {"x_hat": self.output(logits), "logits": logits, "bottleneck": out,
                "per_sample": per_sample, "losses": losses, "loss": loss, "info": out.info}

    def training_step(self, batch: dict, ctx: Context, optimizer: str) -> dict:
        return self(batch["input"], batch.get("target"), cond=batch.get("cond"), ctx=ctx, mask=batch.get("mask"))

    # -- second stage: the prior over a discrete code --------------------------------
    def stages(self) -> list[Stage]:
        bottleneck = self.bottleneck
        if not isinstance(bottleneck, DiscreteBottleneck) or bottleneck.prior is None:
            return []
        prior = bottleneck.prior
        pc = prior.config

        @torch.no_grad()
        def codes(source) -> torch.Tensor:  # the training data's indices, (n, latent_dim) int64
            self.eval()
            out = [self.encode(b["input"].to(next(self.parameters()).device), b.get("cond")).indices.cpu()
                   for b in source.batches(torch.arange(len(source)), 1024)]
            prior.requires_grad_(True)
            return torch.cat(out).reshape(len(source), -1)

        def finish() -> None:
            prior.requires_grad_(False)  # frozen again: fitted in its own stage, never with the auto-encoder
            prior.eval()

        train = dict(epochs=pc.epochs, batch_size=pc.batch_size, lr=pc.lr, weight_decay=pc.weight_decay,
                     val_fraction=0.1, patience=pc.patience, grad_clip=1.0, augment=None, noise=None,
                     schedule="cosine", warmup_steps=100, min_delta=0.0, restore_best=True)
        return [Stage("prior", prior, codes, train, seed_offset=1, finish=finish)]


__all__ = ["AEModel"]
