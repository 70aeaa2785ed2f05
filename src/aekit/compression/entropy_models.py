"""Learned entropy models: the probability the coder assigns to each quantised latent.

``FactorizedPrior`` is the non-parametric density of Ballé et al. 2018 ("Variational image
compression with a scale hyperprior", appendix 6.1, https://arxiv.org/abs/1802.01436): one
monotone cumulative function per latent element, ``c(x) = sigmoid(f_K(...f_1(x)))``, whose
layers have positive (softplus) weights, so ``c`` is a valid CDF. The probability of an integer
symbol ``k`` is ``c(k + 1/2) - c(k - 1/2)``; in training the same expression, evaluated at the
latent plus uniform noise, gives a differentiable rate (a continuous relaxation of rounding).

For coding, :meth:`FactorizedPrior.tables` turns the learned CDFs into integer frequency tables
(float64, a fixed number of bits): these tables, stored with the weights, are what both the
encoder and the decoder use, so coding never depends on float round-off of the network.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

LIKELIHOOD_BOUND = 1e-9
TABLE_PRECISION = 24  # bits of the integer frequency tables (constriction's default coders use 24)


class FactorizedPrior(nn.Module):
    """One learned univariate density per latent element (``n`` of them, e.g. channels or dims)."""

    def __init__(self, n: int, filters: tuple[int, ...] = (3, 3, 3), init_scale: float = 10.0) -> None:
        super().__init__()
        self.n = int(n)
        dims = (1, *filters, 1)
        scale = init_scale ** (1 / (len(filters) + 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i in range(len(filters) + 1):
            init = math.log(math.expm1(1 / scale / dims[i + 1]))
            self.matrices.append(nn.Parameter(torch.full((self.n, dims[i + 1], dims[i]), init)))
            self.biases.append(nn.Parameter(torch.rand(self.n, dims[i + 1], 1) - 0.5))
            if i < len(filters):
                self.factors.append(nn.Parameter(torch.zeros(self.n, dims[i + 1], 1)))

    def logits_cdf(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` of shape ``(n, 1, m)`` -> logit of the CDF, same shape."""
        for i, (m, b) in enumerate(zip(self.matrices, self.biases)):
            x = torch.matmul(F.softplus(m), x) + b
            if i < len(self.factors):
                x = x + torch.tanh(self.factors[i]) * torch.tanh(x)
        return x

    def likelihood(self, y: torch.Tensor) -> torch.Tensor:
        """Probability mass of the unit interval around every value of ``y`` ``(B, n)``: ``(B, n)``."""
        v = y.t().unsqueeze(1)  # (n, 1, B)
        lower = self.logits_cdf(v - 0.5)
        upper = self.logits_cdf(v + 0.5)
        sign = -torch.sign(lower + upper).detach()  # evaluate in the tail where sigmoid is accurate
        p = torch.abs(torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower))
        return p.squeeze(1).t().clamp_min(LIKELIHOOD_BOUND)

    @torch.no_grad()
    def tables(self, tail: float = 1e-7, max_range: int = 4096, precision: int = TABLE_PRECISION
               ) -> tuple[np.ndarray, np.ndarray]:
        """Integer frequency tables for coding: ``(offsets (n,), freqs (n, L))``.

        Element ``i`` codes symbols ``offsets[i] .. offsets[i] + L - 1`` (values outside are clamped
        to that range by the quantiser); ``freqs[i]`` sums to ``2**precision`` with every entry >= 1
        inside the element's own support and 0 in the padding beyond it. The support keeps all but
        ``tail`` of the probability mass; the tails are folded into the end symbols.
        """
        grid = torch.arange(-max_range, max_range + 1, dtype=torch.float64)
        edges = torch.cat([grid - 0.5, grid[-1:] + 0.5])  # 2*max_range + 2 edges
        # the density network in float64 for the tables: same function, less round-off
        mats = [F.softplus(m.double()) for m in self.matrices]
        biases = [b.double() for b in self.biases]
        factors = [torch.tanh(f.double()) for f in self.factors]
        x = edges.expand(self.n, 1, -1).clone()
        for i, (m, b) in enumerate(zip(mats, biases)):
            x = torch.matmul(m, x) + b
            if i < len(factors):
                x = x + factors[i] * torch.tanh(x)
        cdf = torch.sigmoid(x.squeeze(1)).numpy()  # (n, E)
        cdf = np.maximum.accumulate(cdf, axis=1)
        lo_idx = np.argmax(cdf[:, 1:] > tail / 2, axis=1)  # first symbol whose upper edge has mass
        hi_idx = (cdf.shape[1] - 2) - np.argmax((cdf[:, :-1] < 1 - tail / 2)[:, ::-1], axis=1)
        hi_idx = np.maximum(hi_idx, lo_idx + 1)  # two symbols at least: a coder's model needs a choice
        length = int((hi_idx - lo_idx).max()) + 1
        total = 1 << precision
        freqs = np.zeros((self.n, length), dtype=np.int64)
        offsets = (lo_idx - max_range).astype(np.int64)
        for i in range(self.n):
            c = cdf[i, lo_idx[i]:hi_idx[i] + 2].astype(np.float64).copy()
            c[0], c[-1] = 0.0, 1.0  # tails folded into the end symbols
            p = np.diff(c)
            freqs[i, :len(p)] = quantize_pmf(p, total)
        return offsets, freqs


def quantize_pmf(p: np.ndarray, total: int) -> np.ndarray:
    """Integer frequencies summing to ``total``, each >= 1, close to ``p * total`` (deterministic)."""
    p = np.clip(np.asarray(p, np.float64), 0, None)
    p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))
    f = np.maximum(1, np.floor(p * (total - len(p)))).astype(np.int64)
    # the spare (or missing) mass goes to (or comes from) the most probable symbols, in a fixed order
    spare = total - int(f.sum())
    order = np.argsort(-p, kind="stable")
    while spare != 0:
        step = 1 if spare > 0 else -1
        for j in order:
            if spare == 0:
                break
            if step < 0 and f[j] <= 1:
                continue
            f[j] += step
            spare -= step
    return f


def table_bits(symbols: np.ndarray, offsets: np.ndarray, freqs: np.ndarray, precision: int = TABLE_PRECISION) -> float:
    """Ideal code length in bits of integer ``symbols (B, n)`` (already clamped) under the tables."""
    idx = symbols - offsets[None, :]
    f = np.take_along_axis(freqs, idx.T, axis=1).T  # (B, n)
    return float(np.sum(precision - np.log2(f.astype(np.float64))))


SCALE_MIN, SCALE_MAX, SCALE_LEVELS = 0.11, 64.0, 64


def scale_table() -> np.ndarray:
    """The scales a Gaussian conditional codes with (log-spaced, float64, fixed by the format)."""
    return np.exp(np.linspace(np.log(SCALE_MIN), np.log(SCALE_MAX), SCALE_LEVELS))


def gaussian_likelihood(y: torch.Tensor, mean: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Mass of N(mean, scale) on the unit interval around ``y`` (evaluated in the lower tail for accuracy)."""
    scale = scale.clamp_min(SCALE_MIN)
    v = torch.abs(y - mean)
    upper = 0.5 * torch.erfc(-(0.5 - v) / (scale * math.sqrt(2)))
    lower = 0.5 * torch.erfc(-(-0.5 - v) / (scale * math.sqrt(2)))
    return (upper - lower).clamp_min(LIKELIHOOD_BOUND)


def gaussian_tables(scales: np.ndarray, tail: float = 1e-9, precision: int = TABLE_PRECISION
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer tables of zero-mean Gaussians of each scale on the integers: ``(offsets, lengths, freqs)``."""
    from scipy.special import ndtr, ndtri

    halves = np.ceil(-ndtri(tail / 2) * scales).astype(np.int64)  # symbols -k..k keep all but ``tail``
    length = int(2 * halves.max() + 1)
    freqs = np.zeros((len(scales), length), np.int64)
    for i, (s, k) in enumerate(zip(scales, halves)):
        edges = np.arange(-k, k + 2, dtype=np.float64) - 0.5
        c = ndtr(edges / s)
        c[0], c[-1] = 0.0, 1.0
        freqs[i, :2 * k + 1] = quantize_pmf(np.diff(c), 1 << precision)
    return -halves, 2 * halves + 1, freqs
