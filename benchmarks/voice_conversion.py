"""Voice conversion with separate content and speaker codes (AdaIN-VC), trained without parallel data.

**Synthesised corpus** (``aekit.data.speech``): 16 eSpeak NG speakers; 12 train on 150
sentences each, none shared (non-parallel, 1,800 utterances); all 16 say the same 8 held-out
sentences (the parallel evaluation set). The model trains on the 12 speakers' training
utterances only (``RECIPE``); the no-IN baseline is the same recipe with ``content_norm="none"``.

Every ordered pair of distinct speakers within a group converts every evaluation sentence:
**seen** = source and target among the 12 training speakers (132 pairs x 8), **unseen** = both
among the 4 held-out ones (12 pairs x 8, one-shot). The target's speaker code comes from ONE
reference utterance: the target's rendering of the next evaluation sentence (never the sentence
converted).

- **Speaker verification** (judge: the speaker encoder ``resemblyzer`` ships): a conversion of
  sentence k from s to t verifies if its embedding is closer (cosine) to the centroid of t's real
  renderings of the other 7 sentences than to that of s's. The **oracle** is t's real rendering
  of k, judged the same way, raw and through the Griffin-Lim vocoder (its log-mel, vocoded). The
  acceptance ratios divide the conversions' rate by the raw oracle's in the same group.
- **Content**: mel-cepstral distortion (24 cepstra of an 80-band log-mel, DTW-aligned, silence
  trimmed) between the conversion and t's real rendering of k, against that between the
  unconverted source and the same reference. Word error rate of pocketsphinx (its US English
  acoustic model and dictionary, decoding with a JSGF grammar of the corpus's sentence grammar:
  with its general language model it misrecognises 84 % of the words of clean eSpeak speech) on
  the first 2 sentences of every seen pair, against the same sources unconverted.
- **Disentanglement**: probes trained on the 1,800 training utterances' codes predict the
  speaker of the 12 seen speakers' evaluation utterances (chance 1/12): for the content code,
  the better of logistic regression on the code's time-mean and -std and a 2-layer CNN over the
  code sequence; for the speaker code, logistic regression.
- **Baselines**, same trials: the no-IN model; a pitch shift of the source (librosa) by the
  ratio of the reference utterance's median F0 (pYIN) to the source's.

**Real speakers** (``aekit.data.speech.ASTERISK_SPEAKERS``: five Debian prompt packages, one
speaker each, 8 kHz). Every 10th prompt of each speaker is held out; the synthetic model is
fine-tuned on the rest, with the same recipe. Each speaker's first 12 held-out prompts are
converted to every other speaker (20 pairs x 12), the reference being one held-out prompt of the
target (a different one each time). Verification as above, the centroids over the held-out
prompts other than the reference; the oracle is each target's held-out prompts. English prompts
converted into the other four voices are transcribed by pocketsphinx (general language model)
against the unconverted prompts.

    python benchmarks/voice_conversion.py          # about an hour on one core
    python benchmarks/voice_conversion.py --quick  # smoke run -> benchmarks/results/quick/

Needs ``pip install -e '.[voice,bench]'`` and, for the real speakers, the Debian packages
(``aekit.data.speech.ASTERISK_INSTALL``; skipped with a note if missing).
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch

from aekit.data import speech
from aekit.voice import VoiceConverter, griffin_lim, resample
from aekit.voice.converter import prepare
from aekit.voice.features import FeatureConfig, log_mel
from aekit.voice.metrics import mcd_cepstra, mel_cepstrum, median_f0, verifies

from _common import check, md_table, parse_args, write_results
from _voice import JUDGE_SR, Judge, Recogniser, probe_accuracy, wer

SEED = 0
#: the model measured here (and shipped: scripts/train_voice_model.py)
RECIPE = dict(epochs=60, batch_size=32, lr=1e-3)
FEATURES = FeatureConfig()


# ---------------------------------------------------------------- the parallel evaluation set
class ParallelSet:
    """The evaluation utterances at the judge's rate, their embeddings and cepstra (computed once)."""

    def __init__(self, corpus, judge: Judge) -> None:
        self.speakers = [s.name for s in corpus.speakers]
        idx = corpus.select("eval")
        self.sentences = sorted({corpus.utterances[i].sentence for i in idx})
        self.text = {k: corpus.texts[k] for k in self.sentences}
        self.wave = {(corpus.utterances[i].speaker, corpus.utterances[i].sentence):
                     resample(corpus.wave(i), corpus.sr, JUDGE_SR) for i in idx}
        self.emb = {key: judge.embed(w) for key, w in self.wave.items()}
        self.cep = {key: mel_cepstrum(w, JUDGE_SR) for key, w in self.wave.items()}

    def next_sentence(self, k: int) -> int:
        return self.sentences[(self.sentences.index(k) + 1) % len(self.sentences)]

    def refs(self, speaker: str, exclude: int) -> np.ndarray:
        return np.stack([self.emb[(speaker, j)] for j in self.sentences if j != exclude])

    def trials(self, group: list[str]) -> list[tuple[str, str, int]]:
        return [(s, t, k) for s, t in itertools.permutations(group, 2) for k in self.sentences]


def evaluate(name: str, convert, ps: ParallelSet, trials, judge: Judge) -> dict:
    """Convert every trial ``(source, target, sentence)`` with ``convert(source_wave, reference_wave)``
    (16 kHz in and out) and judge it."""
    t0 = time.perf_counter()
    verified, mcd = [], []
    for s, t, k in trials:
        out = convert(ps.wave[(s, k)], ps.wave[(t, ps.next_sentence(k))])
        verified.append(verifies(judge.embed(out), ps.refs(t, k), ps.refs(s, k)))
        mcd.append(mcd_cepstra(mel_cepstrum(out, JUDGE_SR), ps.cep[(t, k)]))
    secs = time.perf_counter() - t0
    print(f"  {name}: verification {np.mean(verified):.3f}, MCD {np.mean(mcd):.2f} dB ({secs:.0f} s)", flush=True)
    return {"verification": float(np.mean(verified)), "mcd_db": float(np.mean(mcd)), "n": len(trials),
            "seconds": secs}


def oracle(ps: ParallelSet, trials, judge: Judge) -> dict:
    """The target's real rendering of the sentence, raw and vocoded; and the unconverted source's MCD."""
    raw, voc, mcd_src, mcd_voc = [], [], [], []
    vocoded = {key: _vocode(w) for key, w in ps.wave.items()}
    emb_voc = {key: judge.embed(w) for key, w in vocoded.items()}
    for s, t, k in trials:
        raw.append(verifies(ps.emb[(t, k)], ps.refs(t, k), ps.refs(s, k)))
        voc.append(verifies(emb_voc[(t, k)], ps.refs(t, k), ps.refs(s, k)))
        mcd_src.append(mcd_cepstra(ps.cep[(s, k)], ps.cep[(t, k)]))
    for key, w in vocoded.items():
        mcd_voc.append(mcd_cepstra(mel_cepstrum(w, JUDGE_SR), ps.cep[key]))
    return {"verification_raw": float(np.mean(raw)), "verification_vocoded": float(np.mean(voc)),
            "mcd_source_db": float(np.mean(mcd_src)), "mcd_vocoded_vs_raw_db": float(np.mean(mcd_voc))}


def _vocode(wave16: np.ndarray) -> np.ndarray:
    """A real utterance through the features and the vocoder alone (the vocoder's own cost)."""
    x, gain = prepare(wave16, JUDGE_SR, FEATURES, trim_silence=False)
    return griffin_lim(log_mel(x, FEATURES), FEATURES) / gain


def model_converter(vc: VoiceConverter):
    return lambda src, ref: resample(vc.convert(src, ref, JUDGE_SR), JUDGE_SR, JUDGE_SR)


def pitch_shift_converter(f0_cache: dict):
    import librosa

    def f0(w: np.ndarray) -> float:
        key = (len(w), float(w[:2000].sum()))
        if key not in f0_cache:
            f0_cache[key] = median_f0(w, JUDGE_SR)
        return f0_cache[key]

    def convert(src: np.ndarray, ref: np.ndarray) -> np.ndarray:
        fs, ft = f0(src), f0(ref)
        steps = 12 * np.log2(ft / fs) if np.isfinite(fs) and np.isfinite(ft) else 0.0
        return librosa.effects.pitch_shift(src, sr=JUDGE_SR, n_steps=float(steps)).astype(np.float32)

    return convert


# ---------------------------------------------------------------- codes
@torch.no_grad()
def codes(vc: VoiceConverter, mels: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Content codes ``(T', F)`` and speaker codes of log-mel utterances (as the model reads them)."""
    content, spk = [], []
    for m in mels:
        x = torch.from_numpy(vc.standardise(m))[None]
        out, _ = vc.model_.content(x)
        content.append(out.z[0].numpy())
        spk.append(vc.model_.speaker(x)[0].numpy())
    return content, spk


def disentanglement(vc: VoiceConverter, corpus, mels) -> dict:
    train = corpus.select("train")
    test = corpus.select("eval", corpus.train_speakers)
    label = lambda idx: [corpus.speaker_index(corpus.utterances[i].speaker) for i in idx]  # noqa: E731
    c_train, s_train = codes(vc, [mels[i] for i in train])
    c_test, s_test = codes(vc, [mels[i] for i in test])
    content = probe_accuracy(c_train, label(train), c_test, label(test), sequence=True)
    speaker_ = probe_accuracy(s_train, label(train), s_test, label(test), sequence=False)
    chance = 1 / len(corpus.train_speakers)
    print(f"  probes: content {content}, speaker {speaker_} (chance {chance:.3f})", flush=True)
    return {"content_code": content, "speaker_code": speaker_, "chance": chance,
            "content_over_chance": content["max"] / chance}


def word_errors(convert, ps: ParallelSet, trials, recogniser: Recogniser) -> dict:
    """WER of conversions and of their unconverted sources on the same trials."""
    refs, hyp_conv, hyp_src = [], [], []
    for s, t, k in trials:
        refs.append(ps.text[k])
        hyp_src.append(recogniser(ps.wave[(s, k)]))
        hyp_conv.append(recogniser(convert(ps.wave[(s, k)], ps.wave[(t, ps.next_sentence(k))])))
    return {"wer_conversions": wer(refs, hyp_conv), "wer_sources": wer(refs, hyp_src), "n": len(trials),
            "examples": [{"text": r, "source": a, "conversion": b} for r, a, b in zip(refs[:5], hyp_src, hyp_conv)]}
