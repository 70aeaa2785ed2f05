"""The fully convolutional codec for photographs of any size, grey or colour (``latent="conv"``).

Two transforms (``CodecConfig.transform``), one entropy model: a mean-scale hyperprior (Ballé et
al. 2018, Minnen et al. 2018, https://arxiv.org/abs/1809.02736; no autoregressive context) whose
side information ``z`` is coded with one learned density per channel and predicts a mean and a
scale for every latent element, coded with a Gaussian.

- ``"dct"`` (the shipped ``photo`` codec): a fixed orthonormal colour transform (luma and two
  chroma axes, :data:`YCC_ORTHO`), the orthonormal 8x8 block DCT of each channel (192
  coefficients at 1/8 of the resolution), then a learned 1x1 mixing of the coefficients that
  starts as a uniform quantiser step for the level's lambda (``step = sqrt(26 / lambda)``, the
  high-rate optimum); the synthesis inverts it and a small residual CNN post-filter (starting as
  the identity) learns to remove blocking. It is close to a good codec before any training,
  so it trains in minutes on a CPU; ``z`` at 1/32.
- ``"gdn"``: the transforms of Ballé et al. (four 5x5 stride-2 convolutions with GDN, latent at
  1/16, ``z`` at 1/64). Stronger with long training (GPU-days in the literature); on a CPU
  budget of tens of minutes it stayed below ``"dct"``.

Every transform is a convolution, so one network codes any size: an image is padded (by edge
replication) to a multiple of :data:`FACTOR` and the padding is cropped after decoding. Images
larger than ``tile`` pixels a side are cut into tiles of at most ``tile`` x ``tile`` that are
coded one after another into the image's stream, so memory stays bounded (a 12-megapixel photo
never holds more than one tile's activations). Grey images are coded as three equal channels
and decoded to their mean.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import CodecError
from ..layers import GDN
from .coding import DECODE_ERRORS, new_encoder, open_decoder, shortest_payload
from .entropy_models import FactorizedPrior, gaussian_likelihood

FACTOR = 64  # total downsampling of the side information: inputs pad to a multiple of it

# YCbCr (BT.601), rows scaled to unit length: ycc = YCC @ (rgb - 0.5); the "gdn" transform codes
# with it and returns through its transpose (its networks learn around the difference)
_Y = np.array([0.299, 0.587, 0.114])
_CB = np.array([-0.168736, -0.331264, 0.5])
_CR = np.array([0.5, -0.418688, -0.081312])
YCC = np.stack([v / np.linalg.norm(v) for v in (_Y, _CB, _CR)]).astype(np.float32)
# the "dct" transform's colour transform: luma and two chroma axes made orthonormal (Gram-Schmidt
# from Y), so that with the orthonormal DCT the squared error of the coefficients is the pixels'
YCC_ORTHO = np.linalg.qr(YCC.T.astype(np.float64))[0].T
YCC_ORTHO = (YCC_ORTHO * np.sign(np.diag(YCC_ORTHO @ YCC.T))[:, None]).astype(np.float32)


def dct_basis() -> np.ndarray:
    """The orthonormal 8x8 DCT-II of each of 3 channels as conv weights ``(192, 3, 8, 8)``."""
    k = np.arange(8)
    c = np.sqrt(2 / 8) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / 16)
    c[0] /= np.sqrt(2)
    b2 = np.einsum("ui,vj->uvij", c, c).reshape(64, 8, 8)
    w = np.zeros((192, 3, 8, 8), np.float32)
    for ch in range(3):
        w[ch * 64:(ch + 1) * 64, ch] = b2
    return w


def _conv(cin: int, cout: int, k: int = 5, stride: int = 2) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)


def _deconv(cin: int, cout: int, k: int = 5, stride: int = 2) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, k, stride=stride, padding=k // 2, output_padding=stride - 1)


class ConvCodecModel(nn.Module):
    """Images ``(B, 3, H, W)`` (H, W multiples of :data:`FACTOR`) in [0, 1], or uint8 0..255."""

    def __init__(self, config) -> None:
        super().__init__()
        self.config = config
        N, M, H = config.channels, config.latent_dim, config.hyper_channels
        self.dct = config.transform == "dct"
        self.register_buffer("ycc", torch.from_numpy(YCC_ORTHO if self.dct else YCC).view(3, 3, 1, 1),
                             persistent=False)
        if self.dct:  # latent: 8x8 block DCT of Y, Cb, Cr (192 channels at 1/8), learned mixing and steps
            M = 3 * 64
            self.y_stride, self.z_stride = 8, 32
            self.register_buffer("basis", torch.from_numpy(dct_basis()), persistent=False)
            step = math.sqrt(26.0 / config.lmbda)  # the high-rate optimum of a uniform quantiser for this lambda
            self.mix_a = nn.Conv2d(M, M, 1)
            self.mix_s = nn.Conv2d(M, M, 1)
            with torch.no_grad():
                self.mix_a.weight.copy_(torch.eye(M).view(M, M, 1, 1) / step)
                self.mix_s.weight.copy_(torch.eye(M).view(M, M, 1, 1) * step)
                self.mix_a.bias.zero_()
                self.mix_s.bias.zero_()
            # residual post-filter on the decoded image (starts as the identity): learned de-blocking
            self.post = nn.Sequential(nn.Conv2d(3, N, 3, padding=1), nn.GELU(), nn.Conv2d(N, N, 3, padding=1),
                                      nn.GELU(), nn.Conv2d(N, 3, 3, padding=1))
            nn.init.zeros_(self.post[-1].weight)
            nn.init.zeros_(self.post[-1].bias)
        else:
            self.y_stride, self.z_stride = 16, 64
            self.g_a = nn.Sequential(_conv(3, N), GDN(N), _conv(N, N), GDN(N), _conv(N, N), GDN(N), _conv(N, M))
            self.g_s = nn.Sequential(_deconv(M, N), GDN(N, inverse=True), _deconv(N, N), GDN(N, inverse=True),
                                     _deconv(N, N), GDN(N, inverse=True), _deconv(N, 3))
        self.n_latent_channels = M
        h_in = (_conv(M, H, 3, 1),) if not self.dct else (_conv(M, H, 3, 1),)
        self.h_a = nn.Sequential(*h_in, nn.GELU(), _conv(H, H), nn.GELU(), _conv(H, H))
        self.h_s = nn.Sequential(_deconv(H, H), nn.GELU(), _deconv(H, 3 * H // 2), nn.GELU(),
                                 _conv(3 * H // 2, 2 * M, 3, 1))
        self.prior = FactorizedPrior(H)  # one density per channel of z
        self.n_side = H
        if self.dct:  # the scales start near the quantised coefficients' spread, not at random
            with torch.no_grad():
                self.h_s[-1].weight.mul_(0.1)
                self.h_s[-1].bias.zero_()
                self.h_s[-1].bias[M:] = 1.0

    @torch.no_grad()
    def retarget(self, old_lmbda: float) -> None:
        """After loading the weights of a level trained at ``old_lmbda``: rescale the quantiser's steps
        to this level's lambda (the high-rate rule, step ~ 1/sqrt(lambda)), and the hyperprior with them,
        so a warm-started level starts at its own rate instead of its neighbour's."""
        if not self.dct:
            return
        r = math.sqrt(old_lmbda / self.config.lmbda)  # new step / old step
        M = self.n_latent_channels
        self.mix_a.weight.div_(r)
        self.mix_a.bias.div_(r)
        self.mix_s.weight.mul_(r)
        self.h_a[0].weight.mul_(r)  # h_a sees the same coefficients as before
        self.h_s[-1].weight[:M].div_(r)  # means in the new units
        self.h_s[-1].bias[:M].div_(r)

    # -- the parts -------------------------------------------------------------------------
    def analysis(self, x: torch.Tensor) -> torch.Tensor:
        """RGB ``(B, 3, H, W)`` in [0, 1] -> latent ``(B, M, H/s, W/s)`` (s = ``y_stride``)."""
        ycc = F.conv2d(x - 0.5, self.ycc)
        if self.dct:
            return self.mix_a(F.conv2d(ycc, self.basis, stride=8))
        return self.g_a(ycc)

    def synthesis(self, y_hat: torch.Tensor) -> torch.Tensor:
        """Quantised latent -> RGB, clamped to [0, 1] in eval mode."""
        if self.dct:
            ycc = F.conv_transpose2d(self.mix_s(y_hat), self.basis, stride=8)  # the DCT is orthonormal too
            out = F.conv_transpose2d(ycc, self.ycc) + 0.5
            out = out + self.post(out)
        else:
            out = F.conv_transpose2d(self.g_s(y_hat), self.ycc) + 0.5  # YCC is orthonormal: inverse = transpose
        return out if self.training else out.clamp(0.0, 1.0)

    def side_analysis(self, y: torch.Tensor) -> torch.Tensor:
        return self.h_a(y)

    def hyper_synthesis(self, z_hat: torch.Tensor, size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Quantised side information -> mean and scale of every latent element (cropped to ``size``)."""
        mean, scale = self.h_s(z_hat)[..., :size[0], :size[1]].chunk(2, dim=1)
        return mean, F.softplus(scale) + 0.11

    def z_likelihood(self, z: torch.Tensor) -> torch.Tensor:
        b, c, h, w = z.shape
        p = self.prior.likelihood(z.permute(0, 2, 3, 1).reshape(-1, c))
        return p.view(b, h, w, c)

    # -- training objective ------------------------------------------------------------------
    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> dict:
        if x.dtype == torch.uint8:
            x = x.float() / 255.0
        target = x if target is None else (target.float() / 255.0 if target.dtype == torch.uint8 else target)
        y = self.analysis(x)
        z = self.side_analysis(y)
        z_rate, z_hat = _quantize(z, self.training)
        mean, scale = self.hyper_synthesis(z_hat, y.shape[-2:])
        y_rate, y_hat = _quantize(y, self.training, mean)
        bits = -(torch.log2(self.z_likelihood(z_rate)).flatten(1).sum(1)
                 + torch.log2(gaussian_likelihood(y_rate, mean, scale)).flatten(1).sum(1))
        x_hat = self.synthesis(y_hat)
        bpp = bits.mean() / (x.shape[-2] * x.shape[-1])
        mse = F.mse_loss(x_hat, target)
        return {"x_hat": x_hat, "bits": bits, "losses": {"bpp": bpp, "mse": mse,
                                                          "psnr": -10 * torch.log10(mse.detach() + 1e-10)},
                "loss": bpp + self.config.lmbda * mse}


def _quantize(y, training, mean=None):
    m = 0.0 if mean is None else mean
    rounded = torch.round(y - m) + m
    if training:
        return y + torch.empty_like(y).uniform_(-0.5, 0.5), y + (rounded - y).detach()
    return rounded, rounded


# -- coding --------------------------------------------------------------------------------------
def tiles(h: int, w: int, tile: int) -> list[tuple[int, int, int, int]]:
    """``(top, left, height, width)`` of the tiles of an ``h`` x ``w`` image, row by row."""
    return [(t, l, min(tile, h - t), min(tile, w - l)) for t in range(0, h, tile) for l in range(0, w, tile)]


def _padded(n: int) -> int:
    return max(FACTOR, -(-n // FACTOR) * FACTOR)


def as_rgb(image: np.ndarray) -> np.ndarray:
    """One image ``(H, W)`` or ``(H, W, C)`` (C = 1 or 3), 0..255 -> float32 ``(3, H, W)`` in [0, 1]."""
    x = np.asarray(image, np.float32)
    if x.ndim == 3:
        x = np.moveaxis(x, -1, 0)
    else:
        x = x[None]
    if x.shape[0] == 1:
        x = np.repeat(x, 3, axis=0)
    return np.clip(x, 0, 255) / 255.0


class ConvLevel:
    """The coding of one quality level of a fully convolutional codec (see :class:`codec.QualityLevel`)."""

    def __init__(self, model: ConvCodecModel, prior_coder, gauss_coder, scales) -> None:
        self.model, self.prior_coder, self.gauss_coder, self.scales = model, prior_coder, gauss_coder, scales
        self.tile = model.config.tile

    def _rows(self, scale: torch.Tensor) -> np.ndarray:
        rows = np.searchsorted(self.scales, scale.numpy().astype(np.float64), side="left")
        return np.minimum(rows, len(self.scales) - 1)

    @staticmethod
    def _side_rows(shape) -> np.ndarray:
        return np.broadcast_to(np.arange(shape[1]).reshape(1, -1, 1, 1), shape)

    @torch.no_grad()
    def analyse_tile(self, x: torch.Tensor) -> dict:
        """One tile ``(3, h, w)`` in [0, 1] -> its symbols and rows, and the latent the synthesis sees."""
        h, w = x.shape[-2:]
        xp = F.pad(x[None], (0, _padded(w) - w, 0, _padded(h) - h), mode="replicate")
        y = self.model.analysis(xp)
        z = self.model.side_analysis(y)
        side_rows = self._side_rows(z.shape)
        side = self.prior_coder.clamp(torch.round(z).to(torch.int64).numpy(), side_rows)
        mean, scale = self.model.hyper_synthesis(torch.from_numpy(side.astype(np.float32)), y.shape[-2:])
        rows = self._rows(scale)
        main = self.gauss_coder.clamp(torch.round(y - mean).to(torch.int64).numpy(), rows)
        return {"side": side, "side_rows": side_rows, "main": main, "main_rows": rows,
                "y_hat": torch.from_numpy(main.astype(np.float32)) + mean, "size": (h, w)}

    @torch.no_grad()
    def tile_pixels(self, y_hat: torch.Tensor, size: tuple[int, int]) -> np.ndarray:
        out = self.model.synthesis(y_hat)[0, :, :size[0], :size[1]]
        return np.rint(out.numpy() * 255.0).clip(0, 255).astype(np.uint8)

    def bits(self, tile: dict) -> float:
        return self.prior_coder.bits(tile["side"], tile["side_rows"]) + self.gauss_coder.bits(tile["main"],
                                                                                             tile["main_rows"])

    def _walk(self, image: np.ndarray, visit) -> None:
        x = torch.from_numpy(as_rgb(image))
        for t, l, h, w in tiles(x.shape[1], x.shape[2], self.tile):
            visit(self.analyse_tile(x[:, t:t + h, l:l + w].contiguous()), (t, l, h, w))

    def encode(self, image: np.ndarray) -> bytes:
        """One image ``(H, W)`` / ``(H, W, C)`` -> its payload: per tile, side symbols then residuals."""
        enc, analyses = new_encoder(), []

        def visit(a, _box):
            self.prior_coder.encode_grouped(enc, a["side"], a["side_rows"])
            self.gauss_coder.encode_grouped(enc, a["main"], a["main_rows"])
            analyses.append({k: a[k] for k in ("side", "side_rows", "main", "main_rows")})

        self._walk(image, visit)
        return shortest_payload(enc, lambda p: self._reads_back(p, analyses), sum(map(self.bits, analyses)))

    def _reads_back(self, payload: bytes, analyses: list[dict]) -> bool:
        try:
            dec = open_decoder(payload)
            for a in analyses:
                if not np.array_equal(self.prior_coder.decode_grouped(dec, a["side_rows"]), a["side"]):
                    return False
                if not np.array_equal(self.gauss_coder.decode_grouped(dec, a["main_rows"]), a["main"]):
                    return False
            return True
        except (CodecError, *DECODE_ERRORS):
            return False

    def reconstruct(self, image: np.ndarray) -> np.ndarray:
        """What decoding the image's payload gives, uint8 ``(3, H, W)``, without the entropy coding."""
        x = np.asarray(image)
        out = np.empty((3, x.shape[0], x.shape[1]), np.uint8)

        def visit(a, box):
            t, l, h, w = box
            out[:, t:t + h, l:l + w] = self.tile_pixels(a["y_hat"], a["size"])

        self._walk(image, visit)
        return out

    def estimate_bits(self, image: np.ndarray) -> float:
        total = []
        self._walk(image, lambda a, _box: total.append(self.bits(a)))
        return float(sum(total))

    @torch.no_grad()
    def decode(self, payload: bytes, shape: tuple[int, int, int]) -> np.ndarray:
        """A payload and the image's ``(C, H, W)`` -> uint8 ``(H, W)`` (grey) or ``(H, W, 3)``."""
        c, H, W = shape
        out = np.empty((3, H, W), np.uint8)
        M = self.model.n_latent_channels
        try:
            dec = open_decoder(payload)
            for t, l, h, w in tiles(H, W, self.tile):
                ph, pw = _padded(h), _padded(w)
                zs, ys = self.model.z_stride, self.model.y_stride
                side_rows = self._side_rows((1, self.model.n_side, ph // zs, pw // zs))
                side = self.prior_coder.decode_grouped(dec, side_rows)
                mean, scale = self.model.hyper_synthesis(torch.from_numpy(side.astype(np.float32)),
                                                         (ph // ys, pw // ys))
                if mean.shape[1] != M:
                    raise CodecError("codec network does not match its config.")
                rows = self._rows(scale)
                main = self.gauss_coder.decode_grouped(dec, rows)
                y_hat = torch.from_numpy(main.astype(np.float32)) + mean
                out[:, t:t + h, l:l + w] = self.tile_pixels(y_hat, (h, w))
        except DECODE_ERRORS as exc:
            raise CodecError(f"payload cannot be decoded ({exc}).") from None
        return finish(out, c)


def finish(rgb: np.ndarray, channels: int) -> np.ndarray:
    """Decoded ``(3, H, W)`` uint8 -> what the user gave: ``(H, W)`` grey (the mean) or ``(H, W, 3)``."""
    if channels == 1:
        return np.rint(rgb.astype(np.float32).mean(0)).astype(np.uint8)
    return np.ascontiguousarray(np.moveaxis(rgb, 0, -1))


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


__all__ = ["ConvCodecModel", "ConvLevel", "FACTOR", "YCC", "as_rgb", "finish", "tiles"]
_ = math
