"""Learned priors over discrete codes, so that discrete auto-encoders can generate.

A VQ-VAE (or a categorical / binary auto-encoder) turns each sample into a sequence of
``length`` indices (e.g. the 7x7 grid of a digit, read row by row). A small causal
transformer (Vaswani et al. 2017, https://arxiv.org/abs/1706.03762) learns
``p(i_t | i_<t)`` on the indices of the training data, as the PixelCNN prior of the
VQ-VAE paper (https://arxiv.org/abs/1711.00937) does; sampling draws a sequence token
by token and the decoder turns it into data.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .config import _number, from_dict
from .errors import ConfigError


@dataclass
class PriorConfig:
    """Architecture and training of a code prior (stored in the bottleneck options)."""

    length: int = 1  # indices per sample (set from the bottleneck)
    vocab_size: int = 2  # symbols per index (set from the bottleneck)
    # small by default: a few thousand code sequences overfit anything larger, and it trains on a CPU
    d_model: int = 64
    layers: int = 2
    heads: int = 4
    dropout: float = 0.1
    # training, after the auto-encoder, on the indices of the training data
    epochs: int = 40
    lr: float = 1e-3
    batch_size: int = 128
    weight_decay: float = 0.01
    patience: int | None = 6

    def __post_init__(self) -> None:
        for name in ("length", "vocab_size", "d_model", "layers", "heads", "epochs", "batch_size"):
            _number(self, name, integer=True)
            if getattr(self, name) < 1:
                raise ConfigError(f"prior {name}={getattr(self, name)} must be >= 1.")
        _number(self, "patience", integer=True, optional=True)
        for name in ("dropout", "lr", "weight_decay"):
            _number(self, name, integer=False)
        if self.d_model % self.heads:
            raise ConfigError(f"prior d_model={self.d_model} must be divisible by heads={self.heads}.")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"prior dropout={self.dropout} must be in [0, 1).")


class TransformerPrior(nn.Module):
    """Causal transformer over index sequences ``(B, length)`` with a start token."""

    def __init__(self, config: PriorConfig) -> None:
        super().__init__()
        self.config = c = config
        self.tok = nn.Embedding(c.vocab_size + 1, c.d_model)  # last id = start token
        self.pos = nn.Parameter(torch.zeros(c.length, c.d_model))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(c.d_model, c.heads, 4 * c.d_model, c.dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.body = nn.TransformerEncoder(layer, c.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(c.d_model)
        self.head = nn.Linear(c.d_model, c.vocab_size)
        self.register_buffer("mask", torch.triu(torch.full((c.length, c.length), float("-inf")), 1),
                             persistent=False)

    def logits(self, idx: torch.Tensor) -> torch.Tensor:  # (B, T) long, T <= length -> (B, T, K)
        B, T = idx.shape
        start = torch.full((B, 1), self.config.vocab_size, dtype=torch.long, device=idx.device)
        tokens = torch.cat([start, idx[:, :-1]], 1) if T else start[:, :0]  # shifted right: predict idx[t]
        h = self.tok(tokens) + self.pos[:T]
        h = self.body(h, mask=self.mask[:T, :T], is_causal=True)
        return self.head(self.norm(h))

    def log_prob(self, idx: torch.Tensor) -> torch.Tensor:  # (B, length) -> (B,) nats
        logp = F.log_softmax(self.logits(idx), -1)
        return logp.gather(2, idx.unsqueeze(2)).squeeze(2).sum(1)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> dict:
        """Training objective for the one trainer: mean negative log-likelihood per index (nats)."""
        idx = x.long()  # the trainer hands indices over as floats
        logits = self.logits(idx)
        nll = F.cross_entropy(logits.reshape(-1, self.config.vocab_size), idx.reshape(-1), reduction="none")
        per_sample = nll.reshape(idx.shape).mean(1)
        return {"loss": per_sample.mean(), "losses": {"nll": per_sample.mean()}, "per_sample": per_sample}

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        """Draw ``n`` index sequences ``(n, length)``, one index at a time."""
        if not temperature > 0:
            raise ConfigError(f"temperature={temperature} must be > 0.")
        was = self.training
        self.eval()
        device = self.pos.device
        idx = torch.zeros(n, 0, dtype=torch.long, device=device)
        for t in range(self.config.length):
            # the logits at t see only idx[:, :t]; a placeholder fills position t
            step_in = torch.cat([idx, torch.zeros(n, 1, dtype=torch.long, device=device)], 1)
            probs = F.softmax(self.logits(step_in)[:, t] / temperature, -1).cpu()
            nxt = torch.multinomial(probs, 1, generator=generator).to(device)
            idx = torch.cat([idx, nxt], 1)
        self.train(was)
        return idx


def create_prior(length: int, vocab_size: int, options: dict | None) -> TransformerPrior:
    """A prior for ``length`` indices of ``vocab_size`` symbols; ``options`` are ``PriorConfig`` fields."""
    options = dict(options or {})
    for key in ("length", "vocab_size"):
        options.pop(key, None)  # always taken from the bottleneck
    cfg = from_dict(PriorConfig, {**options, "length": int(length), "vocab_size": int(vocab_size)},
                    what="prior options")
    return TransformerPrior(cfg)


__all__ = ["PriorConfig", "TransformerPrior", "create_prior"]
