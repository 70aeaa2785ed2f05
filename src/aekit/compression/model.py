"""The codec network: analysis transform -> quantiser -> entropy model -> synthesis transform.

``CodecModel.forward`` returns the trainer's dict (``loss = rate + lmbda * distortion``), so the
one :class:`aekit.Trainer` fits it. Quantisation in training is "mixed" (Minnen & Singh 2020,
https://arxiv.org/abs/2007.08739): the rate is measured on the latent plus uniform noise (a
differentiable stand-in for rounding) and the synthesis sees the rounded latent with a
straight-through gradient, so the decoder is trained on exactly what it gets at inference.
In eval mode both use rounding: the validation loss is the real rate-distortion trade-off.

Two latents, picked by ``CodecConfig.latent``:

- ``"spatial"`` (default): ``latent_dim`` channels at 1/4 resolution (7x7 for 28x28), with a
  mean-scale hyperprior (Ballé et al. 2018, Minnen et al. 2018): side information ``z`` at 1/8
  resolution, coded with one learned density per element, predicts a mean and a scale for every
  latent element, which is then coded with a Gaussian. On MNIST the trained models carry almost
  all of the information in ``z`` and the predicted means (a 4x4 code with per-position densities),
  the Gaussian residual costs a few bytes. ``global_dim`` adds dense side-information elements.
- ``"flat"``: a dense code vector with one learned density per element (factorized prior only).
  Cheap at low rates, but its dense decoder stalls near 22 dB on MNIST.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..config import _number
from ..errors import ConfigError
from ..layers import GDN, ResBlock
from .entropy_models import FactorizedPrior, gaussian_likelihood

MAX_FLAT_FEATURES = 1 << 16


@dataclass
class CodecConfig:
    """What a codec network is (stored with its weights; unknown keys are rejected on load)."""

    image_shape: tuple[int, ...] = (1, 28, 28)  # (C, H, W) of the images it codes
    channels: int = 48  # width of the conv stages
    hidden: int = 512  # width of the dense layers (flat latent, global side information)
    latent: str = "spatial"  # "spatial": latent_dim channels at 1/4 resolution; "flat": a dense code vector;
    # "conv": fully convolutional, any image size (conv.py; image_shape is then the training crop)
    latent_dim: int = 16  # channels (spatial) or elements (flat) of the quantised code
    activation: str = "gelu"  # "gelu" | "gdn" (generalized divisive normalization, Ballé et al. 2016)
    entropy: str = "hyperprior"  # "hyperprior" (spatial: mean-scale Gaussian given side info) | "factorized"
    hyper_channels: int = 32
    global_dim: int = 0  # hyperprior: side-information elements from a dense layer (the whole image) besides the map
    blocks: int = 0  # residual blocks at the latent's resolution in each transform (cheap depth)  # channels of the hyperprior's side information (at 1/8 resolution)
    lmbda: float = 100.0  # loss = bits per pixel + lmbda * MSE (pixels in [0, 1])
    quality: int = 1  # the quality level this model is trained for (1 = smallest files)
    transform: str = "gdn"  # latent="conv": "gdn" (four strided convs + GDN) | "dct" (8x8 block DCT, learned steps)
    tile: int = 1024  # latent="conv": images are coded in tiles of at most tile x tile pixels (bounded memory)

    def __post_init__(self) -> None:
        self.image_shape = tuple(int(s) for s in self.image_shape)
        for name in ("channels", "hidden", "latent_dim", "hyper_channels", "global_dim", "blocks", "quality", "tile"):
            _number(self, name, integer=True)
        _number(self, "lmbda", integer=False)
        if len(self.image_shape) != 3 or min(self.image_shape) < 1 or self.image_shape[0] not in (1, 3):
            raise ConfigError(f"image_shape={self.image_shape} must be (C, H, W) with C = 1 (grey) or 3 (RGB).")
        if self.latent == "conv":
            self._check_conv()
            return
        if min(self.image_shape[1:]) < 8:
            raise ConfigError(f"image_shape={self.image_shape}: images must be at least 8x8 pixels.")
        c, h, w = self.image_shape
        if self.channels * math.ceil(h / 4) * math.ceil(w / 4) > MAX_FLAT_FEATURES:
            raise ConfigError(
                f"image_shape={self.image_shape} is too large for this codec's global latent "
                f"({self.channels} x {math.ceil(h / 4)} x {math.ceil(w / 4)} features > {MAX_FLAT_FEATURES}); "
                "it is built for small images of one domain (e.g. up to 64x64): resize or crop them.")
        if self.latent not in ("flat", "spatial", "conv"):
            raise ConfigError(f"latent={self.latent!r} must be 'flat', 'spatial' or 'conv'.")
        if self.activation not in ("gelu", "gdn"):
            raise ConfigError(f"activation={self.activation!r} must be 'gelu' or 'gdn'.")
        if self.entropy not in ("factorized", "hyperprior"):
            raise ConfigError(f"entropy={self.entropy!r} must be 'factorized' or 'hyperprior'.")
        if self.global_dim < 0 or (self.global_dim and self.entropy != "hyperprior"):
            raise ConfigError(f"global_dim={self.global_dim} must be >= 0, and > 0 only with entropy='hyperprior'.")
        if self.entropy == "hyperprior" and self.latent != "spatial":
            raise ConfigError("entropy='hyperprior' needs latent='spatial'.")
        for name in ("channels", "hidden", "latent_dim", "hyper_channels"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)} must be >= 1.")
        if not (self.lmbda > 0):
            raise ConfigError(f"lmbda={self.lmbda} must be > 0.")

    def _check_conv(self) -> None:
        from .conv import FACTOR

        c, h, w = self.image_shape
        if c != 3 or h % FACTOR or w % FACTOR:
            raise ConfigError(f"image_shape={self.image_shape}: a latent='conv' codec trains on RGB crops "
                              f"(3, H, W) with H and W multiples of {FACTOR} (grey images are coded as RGB).")
        if self.entropy != "hyperprior" or self.activation != "gdn":
            raise ConfigError("latent='conv' is a GDN mean-scale hyperprior: set entropy='hyperprior', "
                              "activation='gdn'.")
        if self.transform not in ("gdn", "dct"):
            raise ConfigError(f"transform={self.transform!r} must be 'gdn' or 'dct'.")
        if self.tile < FACTOR or self.tile % FACTOR:
            raise ConfigError(f"tile={self.tile} must be a multiple of {FACTOR}, at least {FACTOR}.")
        for name in ("channels", "latent_dim", "hyper_channels"):
            if getattr(self, name) < 2:
                raise ConfigError(f"{name}={getattr(self, name)} must be >= 2.")
        if not (self.lmbda > 0):
            raise ConfigError(f"lmbda={self.lmbda} must be > 0.")


def _resblock(ch: int) -> ResBlock:
    """``x + conv(gelu(conv(gelu(x))))`` at one resolution: the shared residual block, no normalisation."""
    return ResBlock(ch, act="gelu", norm="none", dims=2)


def build_model(config: CodecConfig) -> nn.Module:
    """The network a config describes: ``CodecModel``, or the fully convolutional one (conv.py)."""
    if config.latent == "conv":
        from .conv import ConvCodecModel

        return ConvCodecModel(config)
    return CodecModel(config)


class CodecModel(nn.Module):
    def __init__(self, config: CodecConfig) -> None:
        super().__init__()
        self.config = config
        c, h, w = config.image_shape
        ch = config.channels
        self.sizes = [(h, w), ((h + 1) // 2, (w + 1) // 2), ((h + 3) // 4, (w + 3) // 4)]
        h4, w4 = self.sizes[2]
        flat = ch * h4 * w4
        gdn = config.activation == "gdn"
        act = (lambda: GDN(ch)) if gdn else nn.GELU
        convs = [nn.Conv2d(c, ch, 5, stride=2, padding=2), act(),
                 nn.Conv2d(ch, ch, 5, stride=2, padding=2), act(),
                 *[_resblock(ch) for _ in range(config.blocks)],
                 nn.Conv2d(ch, ch, 3, padding=1), act()]
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
        self.s_blocks = nn.Sequential(*[_resblock(ch) for _ in range(config.blocks)])
        self.s_conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.s_up1 = nn.ConvTranspose2d(ch, ch, 5, stride=2, padding=2)
        self.s_up2 = nn.ConvTranspose2d(ch, ch // 2, 5, stride=2, padding=2)
        self.s_out = nn.Conv2d(ch // 2, c, 3, padding=1)
        self.s_act = nn.ModuleList([GDN(ch, inverse=True), GDN(ch, inverse=True), GDN(ch // 2, inverse=True)]
                                   if gdn else [nn.GELU(), nn.GELU(), nn.GELU()])
        if config.entropy == "hyperprior":
            L, N = config.latent_dim, config.hyper_channels
            self.h_sizes = [(h4, w4), ((h4 + 1) // 2, (w4 + 1) // 2)]
            self.n_side = N * self.h_sizes[1][0] * self.h_sizes[1][1] + config.global_dim
            if config.global_dim:
                G, n_y = config.global_dim, L * h4 * w4
                self.h_a_global = nn.Sequential(nn.Linear(n_y, config.hidden), nn.GELU(), nn.Linear(config.hidden, G))
                self.h_s_global = nn.Sequential(nn.Linear(G, config.hidden), nn.GELU(),
                                                nn.Linear(config.hidden, N * h4 * w4))
            self.h_a = nn.Sequential(nn.Unflatten(1, (L, h4, w4)), nn.Conv2d(L, N, 3, padding=1), nn.GELU(),
                                     nn.Conv2d(N, N, 3, stride=2, padding=1), nn.Flatten())
            self.h_s_up = nn.ConvTranspose2d(N, N, 3, stride=2, padding=1)
            self.h_s_out = nn.Conv2d(N, 2 * L, 3, padding=1)
            self.prior = FactorizedPrior(self.n_side)  # of the side information z
        else:
            self.prior = FactorizedPrior(self.n_latent)  # of the latent itself
        # He init keeps the signal's scale through the ~10 GELU layers (PyTorch's default init
        # shrinks it at every layer, so the decoder starts out flat and rounding kills the code)
        for mod in self.modules():
            if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.kaiming_normal_(mod.weight, nonlinearity="relu",
                                        mode="fan_out" if isinstance(mod, nn.ConvTranspose2d) else "fan_in")
                nn.init.zeros_(mod.bias)
        for blk in self.modules():  # residual branches start near zero: each block starts as the identity
            if isinstance(blk, ResBlock):
                blk.body[-1].weight.data.mul_(0.1)

    # -- the parts ---------------------------------------------------------------------
    def analysis(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(B, C, H, W)`` in [0, 1] -> continuous latent ``(B, n_latent)``."""
        return self.g_a(x)

    def synthesis(self, y_hat: torch.Tensor) -> torch.Tensor:
        """Quantised latent ``(B, n_latent)`` -> images ``(B, C, H, W)``, in [0, 1] in eval mode."""
        ch = self.config.channels
        h4, w4 = self.sizes[2]
        t = self.s_dense(y_hat).view(-1, ch, h4, w4)
        t = self.s_act[0](self.s_conv1(self.s_blocks(t)))
        t = self.s_act[1](self.s_up1(t, output_size=self.sizes[1]))
        t = self.s_act[2](self.s_up2(t, output_size=self.sizes[0]))
        out = self.s_out(t)
        # linear output in training (a sigmoid saturates on the many exact-0 pixels of such images
        # and its gradient dies there); clamped to the valid range at inference
        return out if self.training else out.clamp(0.0, 1.0)

    def side_analysis(self, y: torch.Tensor) -> torch.Tensor:
        """Latent ``(B, n_latent)`` -> continuous side information ``(B, n_side)`` (hyperprior only)."""
        z = self.h_a(y)
        return torch.cat([z, self.h_a_global(y)], dim=1) if self.config.global_dim else z

    def hyper_synthesis(self, z_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Quantised side information ``(B, n_side)`` -> mean and scale of every latent element ``(B, n_latent)``."""
        N, G = self.config.hyper_channels, self.config.global_dim
        t = z_hat[:, :z_hat.shape[1] - G].reshape(-1, N, *self.h_sizes[1])
        t = self.h_s_up(t, output_size=self.h_sizes[0])
        if G:
            t = t + self.h_s_global(z_hat[:, -G:]).view_as(t)
        t = F.gelu(t)
        mean, scale = self.h_s_out(t).flatten(1).chunk(2, dim=1)
        return mean, F.softplus(scale) + 0.11

    # -- training objective ------------------------------------------------------------
    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> dict:
        target = x if target is None else target
        y = self.analysis(x)
        if self.config.entropy == "hyperprior":
            z = self.side_analysis(y)
            z_rate, z_hat = _quantize(z, self.training)
            mean, scale = self.hyper_synthesis(z_hat)
            y_rate, y_hat = _quantize(y, self.training, mean)
            bits = -(torch.log2(self.prior.likelihood(z_rate)).sum(1)
                     + torch.log2(gaussian_likelihood(y_rate, mean, scale)).sum(1))
        else:
            y_rate, y_hat = _quantize(y, self.training)
            bits = -torch.log2(self.prior.likelihood(y_rate)).sum(1)  # (B,)
        x_hat = self.synthesis(y_hat)
        pixels = math.prod(self.config.image_shape[1:])
        bpp = bits.mean() / pixels
        mse = F.mse_loss(x_hat, target)
        return {"x_hat": x_hat, "bits": bits, "losses": {"bpp": bpp, "mse": mse},
                "loss": bpp + self.config.lmbda * mse}


def _quantize(y: torch.Tensor, training: bool, mean: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(value the rate is measured at, value the next transform sees)``: noisy and straight-through
    rounded in training, both rounded in eval; with ``mean``, rounding is of ``y - mean``."""
    m = 0.0 if mean is None else mean
    rounded = torch.round(y - m) + m
    if training:
        return y + torch.empty_like(y).uniform_(-0.5, 0.5), y + (rounded - y).detach()
    return rounded, rounded
