"""The Python API of the text auto-encoder: ``TextSummarizer().fit(docs, sentences)``, then
``summarize(text)`` and ``expand(summary)``; ``save`` / ``load`` (safetensors + JSON).

The model is :class:`aekit.models.text_summary.TextSummaryAE` (Wang and Lee, EMNLP 2018,
https://arxiv.org/abs/1810.02851), fitted by aekit's one trainer: pre-training, then the
``"reinforce"`` stage.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ..checkpoint import read_checkpoint, write_checkpoint
from ..config import ModelConfig, TrainConfig, from_dict, to_dict
from ..errors import ConfigError, DataError, NotFittedError
from ..models.text_summary import ReconstructorFit, TextSummaryAE, TextSummaryOptions
from ..threads import using_threads
from ..train import History, Trainer
from .tokenize import UNK, Vocab, detokenize, tokenize

TEXT_KIND = "aekit-text-model"
_WORD = re.compile(r"[a-z0-9]")

Text = str | Sequence[str]  # a string, or its tokens


@dataclass
class TextTrainOptions:
    """How :meth:`TextSummarizer.fit` trains (the model's own options are :class:`TextSummaryOptions`)."""

    epochs: int = 5  # pre-training epochs
    batch_size: int = 64
    lr: float = 2e-3
    seed: int = 0
    n_threads: int | None = 1
    progress: bool = False
    checkpoint_dir: str | None = None
    val_fraction: float = 0.05


def encode_batch(vocab: Vocab, docs: Sequence[Sequence[str]], width: int) -> dict[str, torch.Tensor]:
    """Token lists -> {"input": (N, width) ids padded with 0, "mask": (N, width)} (cut at ``width``)."""
    ids = np.zeros((len(docs), width), dtype=np.int64)
    for i, d in enumerate(docs):
        row = vocab.encode(list(d)[:width])
        ids[i, :len(row)] = row
    x = torch.from_numpy(ids)
    lengths = torch.tensor([min(len(d), width) for d in docs])
    return {"input": x, "mask": torch.arange(width)[None] < lengths[:, None]}


class TextSummarizer:
    """Summarise documents into short readable word sequences and rebuild them (see the module docstring)."""

    def __init__(self, vocab_size: int = 4000, **options) -> None:
        model_keys = {f.name for f in dataclasses.fields(TextSummaryOptions)}
        train_keys = {f.name for f in dataclasses.fields(TextTrainOptions)}
        unknown = set(options) - model_keys - train_keys
        if unknown:
            raise DataError(f"unknown option(s) {sorted(unknown)}; model options: {sorted(model_keys)}, "
                            f"training options: {sorted(train_keys)}.")
        self.model_options = from_dict(TextSummaryOptions, {"vocab_size": vocab_size,
                                                            **{k: v for k, v in options.items() if k in model_keys}})
        self.train_options = from_dict(TextTrainOptions, {k: v for k, v in options.items() if k in train_keys})
        self.vocab: Vocab | None = None
        self.model: TextSummaryAE | None = None
        self.history_: History | None = None

    # -- building ---------------------------------------------------------------------
    @staticmethod
    def _tokens(text: Text, *, clean: bool = False) -> list[str]:
        return tokenize(text, clean=clean) if isinstance(text, str) else [str(t).lower() for t in text]

    def _build(self, vocab: Vocab) -> None:
        self.vocab = vocab
        opts = dataclasses.replace(self.model_options, vocab_size=len(vocab))
        self.model_options = opts
        self.model = TextSummaryAE(ModelConfig(input_shape=(opts.max_source,), model="text_summary",
                                               model_options=to_dict(opts)))
        # the tokens ROUGE compares (rouge-score keeps letters and digits only): what reward_words counts
        self.model.set_counted(torch.tensor([t != UNK and _WORD.search(t) is not None for t in vocab.tokens]))

    def _train_config(self, **changes) -> TrainConfig:
        t = self.train_options
        base = dict(epochs=t.epochs, batch_size=t.batch_size, lr=t.lr, seed=t.seed, n_threads=t.n_threads,
                    progress=t.progress, checkpoint_dir=t.checkpoint_dir, val_fraction=t.val_fraction,
                    patience=None, warmup_steps=50, weight_decay=0.0, grad_clip=5.0)
        return TrainConfig(**{**base, **changes})

    def set_options(self, **changes) -> "TextSummarizer":
        """Change training-time model options of a built model in place (``disc_weight``, ``rl_epochs``, ...),
        checked as at construction; the model and its saved config both see them. The options that size the
        networks (vocabulary, widths) cannot change once built."""
        self._check()
        fixed = sorted(set(changes) & {"vocab_size", "embed", "hidden", "disc_hidden"})
        if fixed:
            raise ConfigError(f"{fixed} size the networks of a built model and cannot change; make a new "
                              "TextSummarizer with them instead.")
        self.model_options = from_dict(TextSummaryOptions, {**to_dict(self.model_options), **changes})
        for k in changes:
            setattr(self.model.options, k, getattr(self.model_options, k))
        return self

    def fit(self, documents: Sequence[Text], real_sentences: Sequence[Text], vocab: Vocab | None = None,
            resume: bool = False) -> "TextSummarizer":
        """Pre-train then train with REINFORCE on ``documents``; ``real_sentences`` are human-written
        sentences for the discriminator (disjoint from the documents)."""
        docs = [self._tokens(d, clean=True) for d in documents]
        real = [self._tokens(s, clean=True) for s in real_sentences]
        docs, real = [d for d in docs if d], [s for s in real if s]
        if not docs or not real:
            raise DataError(f"fit needs documents and human-written sentences; got {len(docs)} non-empty documents "
                            f"and {len(real)} sentences.")
        torch.manual_seed(self.train_options.seed)  # the weights
        self._build(vocab or Vocab.build(docs + real, self.model_options.vocab_size))
        self.set_real(real)
        data = encode_batch(self.vocab, docs, self.model_options.max_source)
        self.history_ = Trainer(self._train_config()).fit(self.model, data, resume=resume)
        return self

    def reinforce(self, documents: Sequence[Text], epochs: int, **changes) -> History:
        """Run (more of) the ``"reinforce"`` stage alone, from the current weights, with the one trainer."""
        self._check()
        from ..models.text_summary import ReinforceStage

        docs = [d for d in (self._tokens(d, clean=True) for d in documents) if d]
        data = encode_batch(self.vocab, docs, self.model_options.max_source)
        train = {**self.model.reinforce_train(), "epochs": epochs, "checkpoint_dir": None, **changes}
        return Trainer(self._train_config(**train)).fit(ReinforceStage(self.model), data)

    def set_real(self, sentences: Sequence[Sequence[str]]) -> None:
        width = max(len(s) for s in sentences)
        b = encode_batch(self.vocab, sentences, width)
        self.model.set_real_text(b["input"], b["mask"].sum(1))

    def fit_reconstructor(self, documents: Sequence[Sequence[str]], summaries: Sequence[Sequence[str]],
                          epochs: int) -> History:
        """Train a fresh reconstructor on given (document, summary) pairs with the one trainer."""
        self._check()
        o = self.model_options
        data = encode_batch(self.vocab, documents, o.max_source)
        s = encode_batch(self.vocab, summaries, o.summary_len)
        data.update(summary=s["input"], summary_mask=s["mask"])
        torch.manual_seed(self.train_options.seed + 11)
        from ..models.text_summary import Reconstructor

        self.model.reconstructor = Reconstructor(o)
        return Trainer(self._train_config(epochs=epochs, checkpoint_dir=None)).fit(ReconstructorFit(self.model), data)

    # -- use ---------------------------------------------------------------------------
    def _check(self) -> None:
        if self.model is None or self.vocab is None:
            raise NotFittedError("this TextSummarizer is not fitted yet: call fit(...) or TextSummarizer.load(path).")

    def _doc_tokens(self, text: Text, truncate: bool) -> list[str]:
        if isinstance(text, str) and not text.strip():
            raise DataError("the text is empty; give at least one word to summarise.")
        toks = self._tokens(text)
        if not toks:
            raise DataError(f"the text {text!r} holds no words; give at least one word to summarise.")
        T = self.model_options.max_source
        if len(toks) > T and not truncate:
            raise DataError(f"the text has {len(toks)} tokens; this model reads at most {T} (max_source). Shorten "
                            "it, or pass truncate=True (--truncate) to summarise its first "
                            f"{T} tokens.")
        return toks[:T]

    def summarize_tokens(self, texts: Sequence[Text], truncate: bool = False) -> list[list[str]]:
        """Summaries (token lists) of ``texts`` (strings or token lists): at most ``summary_len`` of each
        text's words, in order."""
        self._check()
        docs = [self._doc_tokens(t, truncate) for t in texts]
        with using_threads(self.train_options.n_threads):
            b = encode_batch(self.vocab, docs, self.model_options.max_source)
            pos = self.model.eval().generator(b["input"], b["mask"], "greedy")["positions"]  # (B, L)
        # the pointer copies source positions, so a summary keeps the source's own words (even rare ones)
        return [[d[int(p)] for p in row if p >= 0] for d, row in zip(docs, pos)]

    def summarize(self, text: Text, truncate: bool = False) -> str:
        """The summary of one document, as text."""
        return detokenize(self.summarize_tokens([text], truncate)[0])

    def expand_tokens(self, summaries: Sequence[Text]) -> list[list[str]]:
        """Reconstructions (token lists) of summaries (strings or token lists)."""
        self._check()
        L = self.model_options.summary_len
        toks = []
        for s in summaries:
            if isinstance(s, str) and not s.strip():
                raise DataError("the summary is empty; give the words of a summary to expand.")
            t = self._tokens(s)
            if not t:
                raise DataError(f"the summary {s!r} holds no words.")
            if len(t) > L:
                raise DataError(f"the summary has {len(t)} tokens; this model's summaries have at most {L} "
                                "(summary_len). Shorten it.")
            toks.append(t)
        with using_threads(self.train_options.n_threads):
            b = encode_batch(self.vocab, toks, L)
            out = self.model.eval().expand(b["input"], b["mask"])
        return [self.vocab.decode(row.tolist()) for row in out]

    def expand(self, summary: Text) -> str:
        """The document rebuilt from a summary, as text."""
        return detokenize(self.expand_tokens([summary])[0])

    # -- files -------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, *, half: bool = False) -> Path:
        """Atomically write ``path/`` with ``config.json`` (options, vocabulary) and ``model.safetensors``.
        ``half``: store the weights as float16, half the size (how the bundled model ships); :meth:`load`
        casts them back to float32, so the loaded model is the rounded one, measured as it is used."""
        self._check()
        meta = {"model_options": to_dict(self.model_options), "train_options": to_dict(self.train_options),
                "vocab": self.vocab.tokens}
        state = self.model.state_dict()
        if half:
            state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
        return write_checkpoint(path, TEXT_KIND, meta, {"model.safetensors": state})

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TextSummarizer":
        meta, files = read_checkpoint(path, TEXT_KIND)
        self = cls(**{**meta["model_options"], **meta["train_options"]})
        self._build(Vocab(list(meta["vocab"])))
        self.model.load_state_dict(files["model.safetensors"])
        self.model.eval()
        return self


__all__ = ["TEXT_KIND", "TextSummarizer", "TextTrainOptions", "encode_batch"]
