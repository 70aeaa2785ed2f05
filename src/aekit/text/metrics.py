"""Measures of text summaries as codes (``benchmarks/text_summary.py`` and the tour share them).

- :func:`rouge`: ROUGE-1 and ROUGE-L F1 (the ``rouge-score`` package) of rebuilt documents against
  the originals, ``<unk>`` dropped from both sides (it would match every rare word);
- :class:`KneserNeyBigram`: an interpolated Kneser-Ney bigram language model over a fixed
  vocabulary, whose per-token perplexity of summaries measures how readable they are.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .tokenize import UNK, Vocab


def rouge(refs: list[list[str]], hyps: list[list[str]]) -> dict:
    """Mean ROUGE-1 and ROUGE-L F1 over pairs of token lists: ``{"rouge1": ..., "rougeL": ...}``."""
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        raise ImportError("ROUGE needs the rouge-score package: pip install rouge-score "
                          "(or pip install 'aekit[serve]').") from None
    sc = rouge_scorer.RougeScorer(["rouge1", "rougeL"])
    r1, rl = [], []
    for ref, hyp in zip(refs, hyps):  # <unk> is no word: it would match every rare word
        s = sc.score(" ".join(t for t in ref if t != UNK), " ".join(t for t in hyp if t != UNK))
        r1.append(s["rouge1"].fmeasure)
        rl.append(s["rougeL"].fmeasure)
    return {"rouge1": float(np.mean(r1)), "rougeL": float(np.mean(rl))}


class KneserNeyBigram:
    """Interpolated Kneser-Ney bigram LM (discount 0.75) over a fixed vocabulary, ``<unk>`` for the rest."""

    def __init__(self, sentences: list[list[str]], vocab: Vocab, d: float = 0.75) -> None:
        self.vocab, self.d = vocab, d
        self.big, self.ctx, self.follow, self.precede = Counter(), Counter(), Counter(), Counter()
        for s in sentences:
            toks = ["<s>", *self._map(s), "</s>"]
            for v, w in zip(toks[:-1], toks[1:]):
                if (v, w) not in self.big:
                    self.follow[v] += 1
                    self.precede[w] += 1
                self.big[(v, w)] += 1
                self.ctx[v] += 1
        self.types = sum(self.precede.values())

    def _map(self, toks):
        return [t if t in self.vocab.index else UNK for t in toks]

    def prob(self, v: str, w: str) -> float:
        cont = (self.precede[w] + 1) / (self.types + len(self.vocab))  # add-one continuation: no zero
        c = self.ctx[v]
        if c == 0:
            return cont
        return max(self.big[(v, w)] - self.d, 0) / c + self.d * self.follow[v] / c * cont

    def perplexity(self, texts: list[list[str]]) -> float:
        """Per-token perplexity of fragments (scored after ``<s>``, no ``</s>``)."""
        nll, n = 0.0, 0
        for t in texts:
            toks = ["<s>", *self._map(t)]
            for v, w in zip(toks[:-1], toks[1:]):
                nll -= math.log(self.prob(v, w))
                n += 1
        return math.exp(nll / max(1, n))


def in_vocab(vocab: Vocab, docs: list[list[str]]) -> list[list[str]]:
    """Token lists with the words outside ``vocab`` as ``<unk>`` (what a model reads and ROUGE compares)."""
    return [[t if t in vocab.index else UNK for t in d] for d in docs]


__all__ = ["KneserNeyBigram", "in_vocab", "rouge"]
