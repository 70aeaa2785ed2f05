"""The codec network: analysis transform -> quantiser -> entropy model -> synthesis transform.

``CodecModel.forward`` returns the trainer's dict (``loss = rate + lmbda * distortion``), so the
one :class:`aekit.Trainer` fits it. Quantisation in training is "mixed" (Minnen & Singh 2020,
https://arxiv.org/abs/2007.08739): the rate is measured on the latent plus uniform noise (a
differentiable stand-in for rounding) and the synthesis sees the rounded latent with a
straight-through gradient, so the decoder is trained on exactly what it gets at inference.
In eval mode both use rounding: the validation loss is the real rate-distortion trade-off.

The latent is a flat vector (a conv stack, then dense layers): for small images of one domain
(digits, icons, thumbnails) a global code with one learned density per element is far cheaper
than a spatial latent whose every position pays for the empty background.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..config import _number
from ..errors import ConfigError
from .entropy_models import FactorizedPrior

MAX_FLAT_FEATURES = 1 << 16


@dataclass
class CodecConfig:
    """What a codec network is (stored with its weights; unknown keys are rejected on load)."""

    image_shape: tuple[int, ...] = (1, 28, 28)  # (C, H, W) of the images it codes
    channels: int = 64  # width of the conv stages
    hidden: int = 512  # width of the dense layer between the conv stack and the latent
    latent: str = "flat"  # "flat": a dense code vector; "spatial": latent_dim channels at 1/4 resolution
    latent_dim: int = 64  # elements (flat) or channels (spatial) of the quantised code
    lmbda: float = 100.0  # loss = bits per pixel + lmbda * MSE (pixels in [0, 1])
    quality: int = 1  # the quality level this model is trained for (1 = smallest files)

    def __post_init__(self) -> None:
        self.image_shape = tuple(int(s) for s in self.image_shape)
        for name in ("channels", "hidden", "latent_dim", "quality"):
            _number(self, name, integer=True)
        _number(self, "lmbda", integer=False)
        if len(self.image_shape) != 3 or min(self.image_shape) < 1 or self.image_shape[0] not in (1, 3):
            raise ConfigError(f"image_shape={self.image_shape} must be (C, H, W) with C = 1 (grey) or 3 (RGB).")
        if min(self.image_shape[1:]) < 8:
            raise ConfigError(f"image_shape={self.image_shape}: images must be at least 8x8 pixels.")
        c, h, w = self.image_shape
        if self.channels * math.ceil(h / 4) * math.ceil(w / 4) > MAX_FLAT_FEATURES:
            raise ConfigError(
                f"image_shape={self.image_shape} is too large for this codec's global latent "
                f"({self.channels} x {math.ceil(h / 4)} x {math.ceil(w / 4)} features > {MAX_FLAT_FEATURES}); "
                "it is built for small images of one domain (e.g. up to 64x64): resize or crop them.")
        if self.latent not in ("flat", "spatial"):
            raise ConfigError(f"latent={self.latent!r} must be 'flat' or 'spatial'.")
        for name in ("channels", "hidden", "latent_dim"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)} must be >= 1.")
        if not (self.lmbda > 0):
            raise ConfigError(f"lmbda={self.lmbda} must be > 0.")


class CodecModel(nn.Module):
    def __init__(self, config: CodecConfig) -> None:
        super().__init__()
        self.config = config
        c, h, w = config.image_shape
        ch = config.channels
        self.sizes = [(h, w), ((h + 1) // 2, (w + 1) // 2), ((h + 3) // 4, (w + 3) // 4)]
        h4, w4 = self.sizes[2]
        flat = ch * h4 * w4
        convs = [nn.Conv2d(c, ch, 5, stride=2, padding=2), nn.GELU(),
                 nn.Conv2d(ch, ch, 5, stride=2, padding=2), nn.GELU(),
                 nn.Conv2d(ch, ch, 3, padding=1), nn.GELU()]
        if config.latent == "flat":
            self.n_latent = config.latent_dim
            self.g_a = nn.Sequential(*convs, nn.Flatten(), nn.Linear(flat, config.hidden), nn.GELU(),
                                     nn.Linear(config.hidden, config.latent_dim))
            self.s_dense = nn.Sequential(nn.Linear(config.latent_dim, config.hidden), nn.GELU(),
                                         nn.Linear(config.hidden, flat), nn.GELU())
        else:  # one density per (channel, position): the images of one domain share their layout
            self.n_latent = config.latent_dim * h4 * w4
            self.g_a = nn.Sequential(*convs, nn.Conv2d(ch, config.latent_dim, 3, padding=1), nn.Flatten())
            self.s_dense = nn.Sequential(nn.Unflatten(1, (config.latent_dim, h4, w4)),
                                         nn.Conv2d(config.latent_dim, ch, 3, padding=1), nn.GELU())
        self.s_conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.s_up1 = nn.ConvTranspose2d(ch, ch, 5, stride=2, padding=2)
        self.s_up2 = nn.ConvTranspose2d(ch, ch // 2, 5, stride=2, padding=2)
        self.s_out = nn.Conv2d(ch // 2, c, 3, padding=1)
        self.prior = FactorizedPrior(self.n_latent)
        # He init keeps the signal's scale through the ~10 GELU layers (PyTorch's default init
        # shrinks it at every layer, so the decoder starts out flat and rounding kills the code)
        for mod in self.modules():
            if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.kaiming_normal_(mod.weight, nonlinearity="relu",
                                        mode="fan_out" if isinstance(mod, nn.ConvTranspose2d) else "fan_in")
                nn.init.zeros_(mod.bias)

    # -- the parts ---------------------------------------------------------------------
    def analysis(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(B, C, H, W)`` in [0, 1] -> continuous latent ``(B, n_latent)``."""
        return self.g_a(x)

    def synthesis(self, y_hat: torch.Tensor) -> torch.Tensor:
        """Quantised latent ``(B, n_latent)`` -> images ``(B, C, H, W)``, in [0, 1] in eval mode."""
        ch = self.config.channels
        h4, w4 = self.sizes[2]
        t = self.s_dense(y_hat).view(-1, ch, h4, w4)
        t = F.gelu(self.s_conv1(t))
        t = F.gelu(self.s_up1(t, output_size=self.sizes[1]))
        t = F.gelu(self.s_up2(t, output_size=self.sizes[0]))
        out = self.s_out(t)
        # linear output in training (a sigmoid saturates on the many exact-0 pixels of such images
        # and its gradient dies there); clamped to the valid range at inference
        return out if self.training else out.clamp(0.0, 1.0)

    # -- training objective ------------------------------------------------------------
    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> dict:
        target = x if target is None else target
        y = self.analysis(x)
        if self.training:
            y_rate = y + torch.empty_like(y).uniform_(-0.5, 0.5)
            y_hat = y + (torch.round(y) - y).detach()  # straight-through rounding
        else:
            y_rate = y_hat = torch.round(y)
        bits = -torch.log2(self.prior.likelihood(y_rate)).sum(1)  # (B,)
        x_hat = self.synthesis(y_hat)
        pixels = math.prod(self.config.image_shape[1:])
        bpp = bits.mean() / pixels
        mse = F.mse_loss(x_hat, target)
        return {"x_hat": x_hat, "bits": bits, "losses": {"bpp": bpp, "mse": mse},
                "loss": bpp + self.config.lmbda * mse}
