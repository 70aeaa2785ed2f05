"""Text as the representation: a seq2seq auto-encoder whose code is a short word sequence.

Wang and Lee, "Learning to Encode Text as Human-Readable Summaries using Generative Adversarial
Networks", EMNLP 2018 (https://arxiv.org/abs/1810.02851). Three networks, one registered model:

- the **generator** reads a document of up to ``max_source`` tokens and writes a summary of at
  most ``summary_len`` of its words, in order (a pointer network: each step points at a later
  source position, so the summary is always made of source words);
- the **reconstructor** rebuilds the document from the summary (GRU encoder-decoder with
  attention and a copy switch over the summary's words);
- the **discriminator** scores word sequences: human-written sentence windows against summaries.

Training, all by the one trainer:

1. this model's own fit is the paper's **pre-training**: the generator learns to copy a random
   selection of the source's words in order (teacher forcing), the reconstructor learns to
   rebuild documents from such selections, the discriminator to tell them from real text;
2. the stage ``"reinforce"`` (:class:`ReinforceStage`) trains the generator with **REINFORCE
   and a self-critical baseline** (Rennie et al. 2017, https://arxiv.org/abs/1612.00563): a
   sampled summary's reward ``-recon_nll + disc_weight * log D(summary)`` minus the reward of
   the greedy summary, while the reconstructor and discriminator keep learning on the samples.

``disc_weight=0`` is the same model without the discriminator: its codes drift towards a
"secret code" that only its reconstructor reads. Token batches: ``input`` (B, T) ids padded with
0, ``mask`` (B, T); the human sentences come from :meth:`TextSummaryAE.set_real_text`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..config import ModelConfig, TrainConfig, check_number
from ..context import Context
from ..errors import ConfigError, DataError
from ..optim import OptimizerSpec
from .base import MODELS, Model, Stage

PAD, UNK, BOS, EOS = 0, 1, 2, 3


@dataclass
class TextSummaryOptions:
    vocab_size: int = 4000  # ids 0..3 are <pad>, <unk>, <s>, </s>
    max_source: int = 40  # tokens of a document the generator reads
    summary_len: int = 12  # L: words of a summary (fewer for shorter documents)
    embed: int = 96
    hidden: int = 192  # generator and reconstructor GRUs
    disc_hidden: int = 128
    disc_weight: float = 1.0  # weight of the discriminator reward; 0 = no discriminator
    entropy_weight: float = 0.01  # entropy bonus of the generator's pointer (keeps it exploring)
    gen_lr: float | None = None  # None: the training lr
    disc_lr: float | None = None
    # divide each batch's self-critical advantages by their spread: the reconstruction reward alone
    # differs little between summaries (a few hundredths of a nat), which otherwise barely moves the policy
    normalize_advantage: bool = False
    # divide the reconstruction and the discriminator advantages each by its own batch spread, then weigh
    # them (disc_weight is then the discriminator's share relative to reconstruction): the two rewards'
    # scales drift apart in training (log D falls to -5 for a secret code), which with one joint scale makes
    # a small weight count for nothing and a larger one win outright
    separate_advantages: bool = False
    # the reconstruction reward counts only the document's words (set_counted; the API marks the vocabulary's
    # tokens with a letter or digit): not <unk> or punctuation, which ROUGE, the measure of content kept, never
    # compares. Counting them rewards summaries that copy "<unk> (;" runs to predict where the source has them
    reward_words: bool = False
    monotonic: bool = True  # each word comes from later in the source than the last; False: any position
    rl_epochs: int = 10  # epochs of the "reinforce" stage (0: pre-training only)
    rl_lr: float | None = None  # lr of the stage; None: the training lr

    def __post_init__(self) -> None:
        for name in ("vocab_size", "max_source", "summary_len", "embed", "hidden", "disc_hidden"):
            check_number(getattr(self, name), name, integer=True, minimum=1)
        if self.vocab_size < 5:
            raise ConfigError(f"vocab_size={self.vocab_size} must be >= 5 (4 special tokens and a word).")
        check_number(self.rl_epochs, "rl_epochs", integer=True, minimum=0)
        for name in ("disc_weight", "entropy_weight"):
            check_number(getattr(self, name), name, minimum=0)
        for name in ("gen_lr", "disc_lr", "rl_lr"):
            if getattr(self, name) is not None:
                check_number(getattr(self, name), name, minimum=1e-12)


def _attend(query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Softmax attention weights of queries (B, Q, H) over keys (B, K, H) -> (B, Q, K)."""
    scores = torch.bmm(query, keys.transpose(1, 2)) / keys.shape[-1] ** 0.5
    return torch.softmax(scores.masked_fill(~mask[:, None, :], -1e9), dim=-1)


class Generator(nn.Module):
    """Document -> summary: a bidirectional GRU encoder and a GRU pointer decoder (monotonic copy)."""

    def __init__(self, o: TextSummaryOptions) -> None:
        super().__init__()
        self.L, self.monotonic = o.summary_len, o.monotonic
        self.embed = nn.Embedding(o.vocab_size, o.embed, padding_idx=PAD)
        self.encoder = nn.GRU(o.embed, o.hidden, batch_first=True, bidirectional=True)
        self.init = nn.Linear(2 * o.hidden, o.hidden)
        self.start = nn.Parameter(torch.zeros(o.embed + 2 * o.hidden))
        self.cell = nn.GRUCell(o.embed + 2 * o.hidden, o.hidden)
        self.keys = nn.Linear(2 * o.hidden, o.hidden)
        self.query = nn.Linear(o.hidden, o.hidden)
        self.score = nn.Linear(o.hidden, 1)

    def forward(self, src: torch.Tensor, mask: torch.Tensor, mode: str = "greedy",
                positions: torch.Tensor | None = None) -> dict:
        """``mode``: "greedy", "sample", or "teacher" (score the given ``positions``, (B, L)).

        Returns ``positions`` (B, L) (-1 past a short document's end), ``ids`` (B, L) the summary's
        tokens (0 = padding), ``mask`` (B, L), ``logp`` (B,) summed log-probability of the choices
        and ``entropy`` (B,) summed entropy of the pointer.
        """
        B, T = src.shape
        enc, _ = self.encoder(self.embed(src))  # (B, T, 2H)
        m = mask.float()[..., None]
        h = torch.tanh(self.init((enc * m).sum(1) / m.sum(1).clamp_min(1)))  # (B, H)
        keys = self.keys(enc)  # (B, T, H)
        n = mask.sum(1)  # (B,)
        L_eff = n.clamp(max=self.L)  # words of each summary
        ar = torch.arange(T, device=src.device)[None, :]  # (1, T)
        prev = torch.full((B,), -1, dtype=torch.long, device=src.device)
        x = self.start.expand(B, -1)
        pos_out, logp, ent = [], src.new_zeros(B, dtype=torch.float), src.new_zeros(B, dtype=torch.float)
        for k in range(self.L):
            h = self.cell(x, h)
            scores = self.score(torch.tanh(keys + self.query(h)[:, None])).squeeze(-1)  # (B, T)
            active = k < L_eff  # (B,)
            # later than the last choice, and leaving room for the words still to come
            allowed = (ar > prev[:, None]) & (ar <= (n - L_eff + k)[:, None]) & mask if self.monotonic else mask
            allowed = allowed | ~active[:, None]  # finished rows: anything (masked out below)
            logprobs = torch.log_softmax(scores.masked_fill(~allowed, -1e9), dim=-1)  # (B, T)
            if mode == "teacher":
                choice = positions[:, k].clamp_min(0)
            elif mode == "sample":
                choice = torch.multinomial(logprobs.exp(), 1).squeeze(1)
            else:
                choice = logprobs.argmax(-1)
            lp = logprobs.gather(1, choice[:, None]).squeeze(1)
            logp = logp + torch.where(active, lp, torch.zeros_like(lp))
            e = -(logprobs.exp() * logprobs.clamp_min(-1e4)).sum(-1)
            ent = ent + torch.where(active, e, torch.zeros_like(e))
            choice = torch.where(active, choice, torch.full_like(choice, -1))
            pos_out.append(choice)
            safe = choice.clamp_min(0)
            prev = torch.where(active, choice, prev)
            x = torch.cat([self.embed(src.gather(1, safe[:, None]).squeeze(1)),
                           enc[torch.arange(B), safe]], dim=-1)
        pos = torch.stack(pos_out, 1)  # (B, L)
        smask = pos >= 0
        ids = torch.where(smask, src.gather(1, pos.clamp_min(0)), torch.zeros_like(pos))
        return {"positions": pos, "ids": ids, "mask": smask, "logp": logp, "entropy": ent}


class Reconstructor(nn.Module):
    """Summary -> document: GRU encoder-decoder with attention and a copy switch (See et al. 2017)."""

    def __init__(self, o: TextSummaryOptions) -> None:
        super().__init__()
        self.V = o.vocab_size
        self.embed = nn.Embedding(o.vocab_size, o.embed, padding_idx=PAD)
        self.encoder = nn.GRU(o.embed, o.hidden, batch_first=True, bidirectional=True)
        self.enc_out = nn.Linear(2 * o.hidden, o.hidden)
        self.init = nn.Linear(2 * o.hidden, o.hidden)
        self.decoder = nn.GRU(o.embed, o.hidden, batch_first=True)
        self.combine = nn.Linear(2 * o.hidden, o.hidden)  # Luong's attentional state
        self.out = nn.Linear(o.hidden, o.vocab_size)
        self.switch = nn.Linear(2 * o.hidden + o.embed, 1)

    def _encode(self, summary: torch.Tensor, smask: torch.Tensor):
        enc, _ = self.encoder(self.embed(summary))  # (B, L, 2H)
        m = smask.float()[..., None]
        h0 = torch.tanh(self.init((enc * m).sum(1) / m.sum(1).clamp_min(1)))  # (B, H)
        return self.enc_out(enc), h0[None]

    def _parts(self, dec: torch.Tensor, inp: torch.Tensor, keys: torch.Tensor, smask: torch.Tensor):
        """Vocabulary logits (B, S, V), copy attention (B, S, L) and copy switch p_gen (B, S) of decoder states."""
        attn = _attend(dec, keys, smask)  # (B, S, L)
        feat = torch.cat([dec, torch.bmm(attn, keys)], -1)  # (B, S, 2H)
        p_gen = torch.sigmoid(self.switch(torch.cat([feat, self.embed(inp)], -1))).squeeze(-1)
        return self.out(torch.tanh(self.combine(feat))), attn, p_gen

    def token_nll(self, summary: torch.Tensor, smask: torch.Tensor, target: torch.Tensor, tmask: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Negative log-likelihood of each token (B, T+1) of documents ``target`` (B, T) then </s>, the mask of
        those positions (B, T+1) and the targets themselves (B, T+1)."""
        keys, h0 = self._encode(summary, smask)
        B = target.shape[0]
        lengths = tmask.sum(1)
        tgt = torch.cat([target, target.new_zeros(B, 1)], 1)  # (B, T+1)
        tgt = tgt.scatter(1, lengths[:, None], EOS)
        # the words and the </s> after them; (a mask of ones appended after tmask marked column T instead, a
        # <pad> target for every document shorter than T, so the reconstructor never learnt to stop)
        tm = torch.arange(target.shape[1] + 1, device=target.device)[None] <= lengths[:, None]  # (B, T+1)
        inp = torch.cat([target.new_full((B, 1), BOS), target], 1)  # (B, T+1)
        dec, _ = self.decoder(self.embed(inp), h0)  # (B, T+1, H)
        logits, attn, p_gen = self._parts(dec, inp, keys, smask)
        # p(w) = p_gen softmax(logits)[w] + (1 - p_gen) sum of the attention on summary words equal to w
        p_vocab = torch.exp(logits.gather(2, tgt[..., None]).squeeze(-1) - torch.logsumexp(logits, -1))
        p_copy = (attn * (summary[:, None, :] == tgt[:, :, None]).float()).sum(-1)  # (B, T+1)
        return -torch.log(p_gen * p_vocab + (1 - p_gen) * p_copy + 1e-9), tm, tgt

    def nll(self, summary: torch.Tensor, smask: torch.Tensor, target: torch.Tensor, tmask: torch.Tensor
            ) -> torch.Tensor:
        """Mean negative log-likelihood per token (B,) of documents ``target`` (B, T) (then </s>)."""
        tok, tm, _ = self.token_nll(summary, smask, target, tmask)
        return (tok * tm).sum(1) / tm.sum(1)

    @torch.no_grad()
    def generate(self, summary: torch.Tensor, smask: torch.Tensor, max_len: int) -> torch.Tensor:
        """Greedy reconstruction (B, <= max_len) token ids, 0 after </s>; never ``<unk>``, never the
        same word twice in a row, never a word pair it already wrote (greedy decoding otherwise loops
        on "the, the, the" to the length limit; the pair rule is Paulus et al.'s n-gram blocking,
        https://arxiv.org/abs/1705.04304, with n = 2)."""
        keys, h = self._encode(summary, smask)
        B = summary.shape[0]
        inp = summary.new_full((B, 1), BOS)
        done = torch.zeros(B, dtype=torch.bool, device=summary.device)
        out, hist = [], inp  # hist (B, t): <s> and the words written so far
        for _ in range(max_len):
            dec, h = self.decoder(self.embed(inp), h)
            logits, attn, p_gen = self._parts(dec, inp, keys, smask)  # S = 1
            probs = p_gen * torch.softmax(logits[:, 0], -1)  # (B, V)
            probs = probs.scatter_add(1, summary, (1 - p_gen) * attn[:, 0])
            probs[:, [PAD, UNK, BOS]] = 0  # <unk> is no word to write
            probs.scatter_(1, inp, 0.0)  # nor the word just written
            if hist.shape[1] > 1:  # nor a word that followed the last word before: no pair twice
                after = torch.where(hist[:, :-1] == inp, hist[:, 1:], torch.zeros_like(hist[:, 1:]))
                probs.scatter_(1, after, 0.0)  # (0 where no pair matched: <pad>, already 0)
            nxt = probs.argmax(-1)
            nxt = torch.where(done, torch.zeros_like(nxt), nxt)
            out.append(nxt)
            done = done | (nxt == EOS)
            if bool(done.all()):
                break
            inp = nxt[:, None]
            hist = torch.cat([hist, inp], 1)
        return torch.stack(out, 1)


class Discriminator(nn.Module):
    """Word sequence -> a score per word (B, L) and their mean (B,): human-written (high) or generated."""

    def __init__(self, o: TextSummaryOptions) -> None:
        super().__init__()
        self.embed = nn.Embedding(o.vocab_size, o.embed, padding_idx=PAD)
        self.rnn = nn.GRU(o.embed, o.disc_hidden, batch_first=True)
        self.out = nn.Linear(o.disc_hidden, 1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(self.embed(ids))
        per_word = self.out(h).squeeze(-1)  # (B, L)
        m = mask.float()
        return (per_word * m).sum(1) / m.sum(1).clamp_min(1)


def random_positions(mask: torch.Tensor, L: int, gen: torch.Generator | None = None) -> torch.Tensor:
    """A random selection of min(L, length) positions per row, in order, (B, L) (-1 = none)."""
    B, T = mask.shape
    keys = torch.rand(B, T, generator=gen).to(mask.device).masked_fill(~mask, 2.0)
    pos = keys.argsort(1)[:, :L].sort(1).values  # (B, L)
    n = mask.sum(1, keepdim=True)
    return torch.where(torch.arange(L, device=mask.device)[None] < n, pos, torch.full_like(pos, -1))


def real_windows(real: torch.Tensor, real_len: torch.Tensor, count: int, L: int, gen: torch.Generator
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` windows of L words of human sentences (rows of ``real``, lengths ``real_len``):
    half start at the sentence's start, half anywhere; (count, L) ids and mask."""
    rows = torch.randint(len(real), (count,), generator=gen)
    lens = real_len[rows]
    span = (lens - L).clamp_min(0)
    start = (torch.rand(count, generator=gen) * (span + 1).float()).long()
    start = torch.where(torch.rand(count, generator=gen) < 0.5, torch.zeros_like(start), start)
    idx = (start[:, None] + torch.arange(L)[None]).clamp(max=real.shape[1] - 1)
    ids = real[rows][torch.arange(count)[:, None], idx]
    mask = torch.arange(L)[None] < lens[:, None]
    return ids * mask, mask


@MODELS.register("text_summary")
class TextSummaryAE(Model):
    """The model of the module docstring; its own fit is pre-training, the stage is REINFORCE."""

    Options = TextSummaryOptions
    shown_terms = ("recon", "reward")

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        o = self.options
        self.generator = Generator(o)
        self.reconstructor = Reconstructor(o)
        self.discriminator = Discriminator(o)
        self._real: tuple[torch.Tensor, torch.Tensor] | None = None
        counted = torch.ones(o.vocab_size, dtype=torch.bool)
        counted[[PAD, UNK, BOS]] = False
        self.register_buffer("counted", counted, persistent=False)  # (V,) see set_counted

    # -- data ---------------------------------------------------------------------------
    def set_real_text(self, ids: torch.Tensor, lengths: torch.Tensor) -> None:
        """Human-written sentences (N, S) ids padded with 0, and their lengths, for the discriminator."""
        if len(ids) == 0:
            raise DataError("the discriminator needs at least one human-written sentence.")
        self._real = (ids.long(), lengths.long())

    def set_counted(self, counted: torch.Tensor) -> None:
        """Which token ids (V,) bool the reconstruction reward counts when ``reward_words`` is on (default: all
        tokens but <pad>, <unk> and <s>, which never count; </s> always counts, so every document has a reward)."""
        counted = torch.as_tensor(counted, dtype=torch.bool).flatten()
        if counted.shape != self.counted.shape:
            raise DataError(f"set_counted needs one flag per token id ({self.counted.shape[0]}); got "
                            f"{tuple(counted.shape)}.")
        self.counted = counted.clone().to(self.counted.device)
        self.counted[[PAD, UNK, BOS]] = False
        self.counted[EOS] = True

    def reward_nll(self, ids: torch.Tensor, smask: torch.Tensor, src: torch.Tensor, mask: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean NLL over all tokens, mean NLL over the tokens the reward counts), (B,) each; the two are the
        same unless ``reward_words``."""
        tok, tm, tgt = self.reconstructor.token_nll(ids, smask, src, mask)
        full = (tok * tm).sum(1) / tm.sum(1)
        if not self.options.reward_words:
            return full, full
        cm = tm & self.counted[tgt]
        return full, (tok * cm).sum(1) / cm.sum(1).clamp_min(1)

    def pipeline_steps(self) -> list:
        L = self.options.summary_len

        def draw(batch: dict, gen: torch.Generator) -> dict:
            mask = batch["mask"].bool()
            out = {**batch, "random_pos": random_positions(mask, L, gen)}
            if self._real is not None:
                out["real"], out["real_mask"] = real_windows(*self._real, len(mask), L, gen)
            return out

        return [draw]

    @staticmethod
    def _src(batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        src, mask = batch["input"].long(), batch["mask"].bool()
        if src.dim() != 2 or mask.shape != src.shape:
            raise DataError(f"text batches hold 'input' (B, T) token ids and 'mask' (B, T); got {tuple(src.shape)} "
                            f"and {tuple(mask.shape)}.")
        return src, mask

    def _random(self, batch: dict, src: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        pos = batch.get("random_pos")
        return random_positions(mask, self.options.summary_len) if pos is None else pos.to(src.device)

    @staticmethod
    def summary_of(src: torch.Tensor, pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        m = pos >= 0
        return torch.where(m, src.gather(1, pos.clamp_min(0)), torch.zeros_like(pos)), m

    # -- objectives ---------------------------------------------------------------------
    def disc_loss(self, batch: dict, fake: torch.Tensor, fmask: torch.Tensor) -> dict:
        if "real" not in batch:
            raise DataError("the discriminator needs human-written sentences: call set_real_text(ids, lengths) "
                            "before training (the API does this from the corpus's 'real' part).")
        real = self.discriminator(batch["real"].to(fake.device).long(), batch["real_mask"].to(fake.device).bool())
        gen = self.discriminator(fake, fmask)
        loss = F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + \
            F.binary_cross_entropy_with_logits(gen, torch.zeros_like(gen))
        acc = 0.5 * (float((real > 0).float().mean()) + float((gen < 0).float().mean()))
        return {"loss": loss, "losses": {"bce": loss.detach()}, "info": {"disc_acc": acc}}

    def recon_loss(self, src, mask, ids, smask) -> dict:
        nll = self.reconstructor.nll(ids, smask, src, mask).mean()
        return {"loss": nll, "losses": {"recon": nll.detach()}, "info": {}}

    def reward(self, src, mask, ids, smask) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(reward, recon nll, log D) per document, (B,) each, without gradients."""
        with torch.no_grad():
            nll = self.reward_nll(ids, smask, src, mask)[1]
            logd = F.logsigmoid(self.discriminator(ids, smask))
        return -nll + self.options.disc_weight * logd, nll, logd

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        o = self.options
        return [OptimizerSpec("recon", self.reconstructor.parameters()),
                OptimizerSpec("gen", self.generator.parameters(), lr=o.gen_lr),
                OptimizerSpec("disc", self.discriminator.parameters(), algorithm="adam", lr=o.disc_lr,
                              betas=(0.5, 0.9), weight_decay=0.0)]

    def training_step(self, batch: dict, ctx: Context, optimizer: str) -> dict:
        """Pre-training: copy a random in-order selection (gen), rebuild from it (recon), tell it from text."""
        src, mask = self._src(batch)
        pos = self._random(batch, src, mask)
        if optimizer == "recon":
            return self.recon_loss(src, mask, *self.summary_of(src, pos))
        if optimizer == "gen":
            out = self.generator(src, mask, "teacher", pos)
            loss = -(out["logp"] / out["mask"].sum(1).clamp_min(1)).mean()
            return {"loss": loss, "losses": {"copy": loss.detach()}, "info": {}}
        if optimizer == "disc":
            with torch.no_grad():
                fake = self.generator(src, mask, "sample")
            return self.disc_loss(batch, fake["ids"], fake["mask"])
        raise ConfigError(f"unknown optimizer {optimizer!r}")

    def validation_step(self, batch: dict, ctx: Context) -> dict:
        src, mask = self._src(batch)
        return self.recon_loss(src, mask, *self.summary_of(src, self._random(batch, src, mask)))

    def reinforce_train(self) -> dict:
        """TrainConfig changes of the ``"reinforce"`` stage: a constant lr, no early stopping, last weights."""
        o = self.options
        train = {"epochs": o.rl_epochs, "schedule": "constant", "warmup_steps": 0, "restore_best": False,
                 "patience": None}
        if o.rl_lr is not None:
            train["lr"] = o.rl_lr
        return train

    def stages(self) -> list[Stage]:
        if self.options.rl_epochs == 0:
            return []
        return [Stage("reinforce", ReinforceStage(self), data=lambda source: source, train=self.reinforce_train(),
                      seed_offset=2)]

    # -- use ----------------------------------------------------------------------------
    @torch.no_grad()
    def summarize(self, src: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy summaries (B, L) ids and mask."""
        out = self.generator(src, mask, "greedy")
        return out["ids"], out["mask"]

    @torch.no_grad()
    def expand(self, ids: torch.Tensor, smask: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
        return self.reconstructor.generate(ids, smask, max_len or self.options.max_source + 1)


class _Wrapper(nn.Module):
    """A training phase of a :class:`TextSummaryAE` (shares its modules) for the one trainer."""

    shown_terms = ("recon", "reward")

    def __init__(self, model: TextSummaryAE) -> None:
        super().__init__()
        self.model = model
        self.config = model.config

    def pipeline_steps(self) -> list:
        return self.model.pipeline_steps()

    def stages(self) -> list:
        return []


class ReinforceStage(_Wrapper):
    """REINFORCE with a self-critical baseline (the greedy summary's reward), see the module docstring."""

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        return self.model.configure_optimizers(train)

    def training_step(self, batch: dict, ctx: Context, optimizer: str) -> dict:
        """``recon`` (first) draws a summary and learns to rebuild from it; ``gen`` scores that same draw
        (its reconstruction loss is the reward, no second pass) against the greedy summary; ``disc``
        learns to tell it from human text. The draw is kept in the batch between the three steps."""
        m = self.model
        src, mask = m._src(batch)
        if "_draw" not in batch or optimizer == "recon":
            with torch.no_grad():
                batch["_draw"] = m.generator(src, mask, "sample")
        draw = batch["_draw"]
        if optimizer == "recon":
            nll, counted = m.reward_nll(draw["ids"], draw["mask"], src, mask)  # (B,) each
            batch["_draw_nll"] = counted.detach()
            loss = nll.mean()
            return {"loss": loss, "losses": {"recon": loss.detach()}, "info": {}}
        if optimizer == "disc":
            return m.disc_loss(batch, draw["ids"], draw["mask"])
        sample = m.generator(src, mask, "teacher", draw["positions"])  # log-probabilities of the draw
        with torch.no_grad():
            greedy = m.generator(src, mask, "greedy")
            logd_s = F.logsigmoid(m.discriminator(draw["ids"], draw["mask"]))
            nll_s = batch["_draw_nll"] if "_draw_nll" in batch else \
                m.reward_nll(draw["ids"], draw["mask"], src, mask)[1]
        o = m.options
        r_s = -nll_s + o.disc_weight * logd_s
        r_g, nll_g, logd_g = m.reward(src, mask, greedy["ids"], greedy["mask"])
        advantage = r_s - r_g  # (B,) self-critical: better than greedy decoding -> more likely
        if o.separate_advantages and len(advantage) > 1:
            a_rec, a_disc = nll_g - nll_s, logd_s - logd_g
            advantage = a_rec / (a_rec.std() + 1e-6) + o.disc_weight * a_disc / (a_disc.std() + 1e-6)
        elif o.normalize_advantage and len(advantage) > 1:
            advantage = advantage / (advantage.std() + 1e-6)
        pg = -(advantage * sample["logp"]).mean()
        ent = sample["entropy"].mean()
        loss = pg - m.options.entropy_weight * ent
        return {"loss": loss, "losses": {"pg": pg.detach(), "reward": r_s.mean(), "nll": nll_s.mean(),
                                         "logd": logd_s.mean()},
                "info": {"greedy_reward": float(r_g.mean()), "entropy": float(ent.detach())}}

    def validation_step(self, batch: dict, ctx: Context) -> dict:
        m = self.model
        src, mask = m._src(batch)
        g = m.generator(src, mask, "greedy")
        r, nll, logd = m.reward(src, mask, g["ids"], g["mask"])
        return {"loss": -r.mean(), "losses": {"recon": nll.mean(), "logd": logd.mean()}, "info": {}}


class ReconstructorFit(_Wrapper):
    """Trains the reconstructor alone on given summaries (batch ``summary``, ``summary_mask``): how the
    benchmark gives every kind of summary (Lead-L, random, learned) a reconstructor trained alike."""

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        return [OptimizerSpec("recon", self.model.reconstructor.parameters())]

    def pipeline_steps(self) -> list:
        return []

    def training_step(self, batch: dict, ctx: Context, optimizer: str = "recon") -> dict:
        src, mask = self.model._src(batch)
        return self.model.recon_loss(src, mask, batch["summary"].long(), batch["summary_mask"].bool())

    def validation_step(self, batch: dict, ctx: Context) -> dict:
        return self.training_step(batch, ctx)


__all__ = ["Discriminator", "Generator", "Reconstructor", "ReconstructorFit", "ReinforceStage", "TextSummaryAE",
           "TextSummaryOptions", "random_positions", "real_windows"]
