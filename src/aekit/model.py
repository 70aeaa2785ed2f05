"""The auto-encoder module: ``encoder -> bottleneck -> decoder`` plus its loss.

``forward`` returns the reconstruction, the bottleneck output and a dict of
named loss terms; the trainer only sums ``out["loss"]`` and steps.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .bottlenecks import BottleneckOutput, create_bottleneck
from .config import ModelConfig
from .errors import ConfigError
from .nets import create_nets


class AEModel(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.bottleneck = create_bottleneck(config.bottleneck, config.latent_dim, **config.bottleneck_options)
        self.bottleneck.data_dim = math.prod(config.input_shape)  # KL and such per input feature
        # g_a and g_s in CompressAI's words: analysis (encoder) and synthesis (decoder) transforms.
        self.encoder, self.decoder = create_nets(
            config.net, config.input_shape, self.bottleneck.in_features, self.bottleneck.out_features,
            **config.net_options,
        )
        if getattr(self.encoder, "grid", False) and hasattr(self.bottleneck, "dim"):
            # VQ on a code grid: every code vector must sit at one position, not straddle two
            _, h, w = self.encoder.shapes[-1]
            if self.bottleneck.latent_dim % (h * w):
                raise ConfigError(
                    f"With grid=True the code is a {h}x{w} map, so the vq bottleneck needs latent_dim a multiple "
                    f"of {h * w} (code vectors per position); got latent_dim={self.bottleneck.latent_dim}."
                )

    # -- the three parts -------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> BottleneckOutput:  # (B, *input_shape)
        return self.bottleneck(self.encoder(x))

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:  # (B, out_features) -> (B, *input_shape)
        return self.decoder(z)

    def output(self, logits: torch.Tensor) -> torch.Tensor:
        """Decoder logits -> reconstruction in the scaled input space."""
        return torch.sigmoid(logits) if self.config.output_activation == "sigmoid" else logits

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.output(self.decode_logits(z))

    # -- training objective ----------------------------------------------------------
    def recon_error(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-sample reconstruction loss, mean over features: (B,)."""
        if self.config.loss == "bce":  # on logits: stabler than BCE on sigmoid outputs
            err = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
            return err.flatten(1).mean(1)
        x_hat = self.output(logits)
        err = (x_hat - target).abs() if self.config.loss == "l1" else (x_hat - target) ** 2
        return err.flatten(1).mean(1)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> dict:
        """``x`` is the (possibly corrupted) input, ``target`` the clean data to rebuild."""
        target = x if target is None else target
        out = self.encode(x)
        logits = self.decode_logits(out.z)
        per_sample = self.recon_error(logits, target)  # (B,)
        losses = {"recon": per_sample.mean(), **out.losses}
        w = self.config.loss_weights
        loss = sum(w.get(k, 1.0) * v for k, v in losses.items())
        return {"x_hat": self.output(logits), "logits": logits, "bottleneck": out,
                "per_sample": per_sample, "losses": losses, "loss": loss, "info": out.info}
