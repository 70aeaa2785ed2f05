"""The real-speaker part of ``voice_conversion.py``: five recorded voices (Debian's Asterisk prompt
packages, ``aekit.data.speech.ASTERISK_SPEAKERS``), one speaker each, 8 kHz.

Every 10th prompt of each speaker is held out for evaluation, and every 10th prompt from the 6th on
(index 5, 15, ...) for validation; the synthetic model is fine-tuned on the other 80 %.
Evaluation prompts are the first ``pool`` held-out ones of at least ``MIN_EVAL_SECONDS`` (the judge
needs some speech); each speaker's first ``n_eval`` of them are converted to every other speaker. Trial
``(s, t, j)``: source ``held[s][j]``, reference ``held[t][j+1]`` (one prompt of the target), oracle
``held[t][j]`` (a real prompt of the target). A wave verifies if its judge embedding is closer to
the centroid of the target's held-out prompts (less the reference and the oracle prompt) than to
that of the source's (less the source prompt).

The fine-tune's epoch is chosen on the validation prompts alone (never the evaluation ones): at
the epochs ``validate_at`` the model converts the same kind of trials among the validation prompts
(``N_VAL`` per ordered pair), judged the same way; the epoch with the highest rate is kept (a tie:
the later epoch).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from pathlib import Path

import numpy as np

from aekit.atomic import atomic_file, write_text
from aekit.data import speech
from aekit.errors import DataError
from aekit.voice import FeatureConfig, VoiceConverter
from aekit.voice.converter import utterance_log_mel
from aekit.voice.metrics import verifies

from _voice import JUDGE_SR, Judge, Recogniser, bootstrap_ci, wer

HOLD_OUT_EVERY = 10
VALIDATION_OFFSET = 5  # prompts 5, 15, 25, ... of each speaker: validation (neither trained on nor evaluated)
MIN_EVAL_SECONDS = 1.5
VAL_POOL = 8  # validation prompts kept per speaker (the first of at least MIN_EVAL_SECONDS)
N_VAL = 2  # validation trials per ordered pair of speakers


class RealSpeakers:
    """The recorded prompts: training log-mels (the model's features) and held-out waves at the judge's
    rate. Read once, then kept in the cache folder (decoding and resampling 2,300 files is slow)."""

    def __init__(self, speakers=speech.ASTERISK_SPEAKERS, max_files: int | None = None, n_eval: int = 4,
                 pool: int = 16, features: FeatureConfig = FeatureConfig()) -> None:
        self.names = [s.name for s in speakers]
        spec = {"speakers": [(s.name, s.folder) for s in speakers], "max_files": max_files, "pool": pool,
                "every": HOLD_OUT_EVERY, "min_eval": MIN_EVAL_SECONDS, "features": features.to_dict(),
                "validation": [VALIDATION_OFFSET, VAL_POOL]}
        key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:10]
        cache = speech.cache_dir() / "voice_benchmark" / f"real-data-{key}"
        if not (cache / "meta.json").exists():
            self._read(speakers, max_files, pool, features, cache)
        meta = json.loads((cache / "meta.json").read_text())
        with np.load(cache / "data.npz") as z:
            self.train_mels = {n: np.split(z[f"mel|{n}"], z[f"off|{n}"], axis=1) for n in self.names}
            self.held = {n: [(k, z[f"held|{n}|{i}"]) for i, k in enumerate(meta["held_keys"][n])] for n in self.names}
            self.val = {n: [(k, z[f"val|{n}|{i}"]) for i, k in enumerate(meta["val_keys"][n])] for n in self.names}
        self.files, self.train_seconds = meta["files"], meta["train_seconds"]
        # a trial uses two prompts of the target (reference, oracle) and leaves at least one for its centroid
        self.n_eval = min([n_eval] + [len(h) - 2 for h in self.held.values()])
        if self.n_eval < 1:
            raise RuntimeError(f"too few held-out prompts of {MIN_EVAL_SECONDS} s or more: "
                               f"{ {n: len(h) for n, h in self.held.items()} }")
        self.n_val = min([N_VAL] + [len(v) - 2 for v in self.val.values()])
        if self.n_val < 1:
            raise RuntimeError(f"too few validation prompts of {MIN_EVAL_SECONDS} s or more: "
                               f"{ {n: len(v) for n, v in self.val.items()} }")

    def _read(self, speakers, max_files, pool, features, cache: Path) -> None:
        root = {s.name: Path(s.folder) for s in speakers}
        mels = {n: [] for n in self.names}
        held: dict[str, list] = {n: [] for n in self.names}
        val: dict[str, list] = {n: [] for n in self.names}
        counts, seconds = {n: 0 for n in self.names}, {n: 0.0 for n in self.names}
        for name, path, wave in speech.load_speaker_folders(speakers, sr=JUDGE_SR, max_files=max_files,
                                                            progress=False):
            i = counts[name]
            counts[name] += 1
            if i % HOLD_OUT_EVERY == 0:  # held out; the first `pool` long enough are judged
                if len(wave) >= MIN_EVAL_SECONDS * JUDGE_SR and len(held[name]) < pool:
                    held[name].append((str(path.relative_to(root[name]).with_suffix("")), wave))
            elif i % HOLD_OUT_EVERY == VALIDATION_OFFSET:  # validation: picks the fine-tune's epoch
                if len(wave) >= MIN_EVAL_SECONDS * JUDGE_SR and len(val[name]) < VAL_POOL:
                    val[name].append((str(path.relative_to(root[name]).with_suffix("")), wave))
            else:
                try:
                    mels[name].append(utterance_log_mel(wave, JUDGE_SR, features, f"a prompt of {name}"))
                    seconds[name] += len(wave) / JUDGE_SR
                except DataError:  # too little sound once the silence is trimmed
                    pass
        arrays = {}
        for n in self.names:
            arrays[f"mel|{n}"] = np.concatenate(mels[n], axis=1)
            arrays[f"off|{n}"] = np.cumsum([m.shape[1] for m in mels[n]])[:-1]
            arrays.update({f"held|{n}|{i}": w for i, (_, w) in enumerate(held[n])})
            arrays.update({f"val|{n}|{i}": w for i, (_, w) in enumerate(val[n])})
        with atomic_file(cache / "data.npz") as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
        meta = {"files": counts, "train_seconds": {n: round(v, 1) for n, v in seconds.items()},
                "held_keys": {n: [k for k, _ in held[n]] for n in self.names},
                "val_keys": {n: [k for k, _ in val[n]] for n in self.names}}
        write_text(cache / "meta.json", json.dumps(meta, indent=1))

    def summary(self) -> dict:
        return {n: {"files": self.files[n], "train": len(self.train_mels[n]), "held_out_eval": len(self.held[n]),
                    "validation": len(self.val[n]), "train_seconds": self.train_seconds[n]} for n in self.names}

    def trials(self, n: int | None = None) -> list[tuple[str, str, int]]:
        """Every ordered pair of speakers, prompts ``0..n-1`` of the source (``n``: ``n_eval``)."""
        return [(s, t, j) for s, t in itertools.permutations(self.names, 2) for j in range(n or self.n_eval)]


def fine_tune(base: VoiceConverter, data: RealSpeakers, recipe: dict, validate_at: list[int], judge: Judge,
              seed: int, folder: Path) -> tuple[VoiceConverter, dict]:
    """The synthetic model fine-tuned on the training prompts of the recorded speakers, at the epoch
    of ``validate_at`` whose conversions of validation prompts verify best (cached in ``folder``);
    returns it and the validation figures."""
    import torch

    if (folder / "config.json").exists() and (folder / "validation.json").exists():
        print(f"  real: fine-tuned before, loading {folder}", flush=True)
        return VoiceConverter.load(folder), json.loads((folder / "validation.json").read_text())
    mels, labels = [], []
    for k, name in enumerate(data.names):
        mels += data.train_mels[name]
        labels += [k] * len(data.train_mels[name])
    params = {**base.get_params(), **recipe, "random_state": seed, "n_threads": 1}
    vc = VoiceConverter(**{k: v for k, v in params.items()}, features=base.features)
    emb = {n: [judge.embed(w) for _, w in data.val[n]] for n in data.names}
    trials = data.trials(data.n_val)
    curve: dict[int, float] = {}
    best: dict = {}

    def validate(trainer, epoch: int, logs: dict) -> None:
        if epoch not in validate_at:
            return
        t0 = time.perf_counter()
        vc.model_.eval()
        ok, _, _ = verify(vc, data.val, emb, trials, judge)
        vc.model_.train()
        curve[epoch] = float(np.mean(ok))
        if not best or curve[epoch] >= best["rate"]:  # a tie: the later epoch (trained longer)
            best.update(epoch=epoch, rate=curve[epoch],
                        state={k: v.detach().clone() for k, v in vc.model_.state_dict().items()})
        print(f"  real: epoch {epoch}, validation verification {curve[epoch]:.3f} ({len(trials)} trials, "
              f"{time.perf_counter() - t0:.0f} s)", flush=True)

    vc.fit_features(mels, labels, init=base, callbacks=[validate])
    with torch.no_grad():
        vc.model_.load_state_dict(best["state"])
    validation = {"verification_by_epoch": {str(e): r for e, r in curve.items()}, "chosen_epoch": best["epoch"],
                  "n_trials": len(trials), "prompts_per_speaker": {n: len(v) for n, v in data.val.items()},
                  "rule": "highest validation verification; a tie: the later epoch"}
    vc.save(folder)
    write_text(folder / "validation.json", json.dumps(validation, indent=1))
    print(f"  real: fine-tuned {vc.history_.epochs_run} epochs on {len(mels)} prompts in "
          f"{vc.history_.train_seconds:.0f} s; kept epoch {best['epoch']}", flush=True)
    return vc, validation


def verify(vc: VoiceConverter, prompts: dict, emb: dict, trials, judge: Judge) -> tuple[list, list, dict]:
    """Trials ``(s, t, j)`` among ``prompts`` (``{speaker: [(key, wave)]}``, judge embeddings ``emb``):
    source ``prompts[s][j]``, reference ``prompts[t][j+1]``; whether each conversion and each oracle
    (``prompts[t][j]``) verifies, and the conversions."""
    conv_ok, oracle_ok, outputs = [], [], {}
    for s, t, j in trials:
        ref_i = (j + 1) % len(prompts[t])
        target_refs = np.stack([e for i, e in enumerate(emb[t]) if i not in (j, ref_i)])
        source_refs = np.stack([e for i, e in enumerate(emb[s]) if i != j])
        out = vc.convert(prompts[s][j][1], prompts[t][ref_i][1], JUDGE_SR)
        outputs[(s, t, j)] = out
        conv_ok.append(verifies(judge.embed(out), target_refs, source_refs))
        oracle_ok.append(verifies(emb[t][j], target_refs, source_refs))
    return conv_ok, oracle_ok, outputs


def evaluate_real(vc: VoiceConverter, data: RealSpeakers, judge: Judge) -> tuple[dict, dict]:
    """Verification of the conversions and of the oracle over every trial, per target too;
    returns the figures and the conversions ``{(s, t, j): wave}``."""
    t0 = time.perf_counter()
    emb = {n: [judge.embed(w) for _, w in data.held[n]] for n in data.names}
    trials = data.trials()
    conv_ok, oracle_ok, outputs = verify(vc, data.held, emb, trials, judge)
    per_target = {n: [ok for (_, t, _), ok in zip(trials, conv_ok) if t == n] for n in data.names}
    res = {"verification": float(np.mean(conv_ok)), "verification_ci95": bootstrap_ci(conv_ok),
           "oracle_verification": float(np.mean(oracle_ok)),
           "verification_by_target": {n: float(np.mean(v)) for n, v in per_target.items()},
           "n": len(conv_ok), "seconds": time.perf_counter() - t0}
    res["ratio"] = res["verification"] / max(res["oracle_verification"], 1e-9)
    print(f"  real: verification {res['verification']:.3f}, oracle {res['oracle_verification']:.3f} "
          f"({res['seconds']:.0f} s)", flush=True)
    return res, outputs


def english_wer(data: RealSpeakers, outputs: dict, recogniser: Recogniser, english: str = "en_allison") -> dict:
    """pocketsphinx (general language model) WER of the English speaker's held-out prompts, unconverted
    and converted into each other voice."""
    texts = speech.asterisk_transcripts()
    refs, src_hyp, conv_hyp = [], [], []
    hyp_cache: dict[int, str] = {}
    for (s, t, j), out in outputs.items():
        key = data.held[s][j][0]
        if s != english or key not in texts:
            continue
        if j not in hyp_cache:
            hyp_cache[j] = recogniser(data.held[s][j][1])
        refs.append(texts[key])
        src_hyp.append(hyp_cache[j])
        conv_hyp.append(recogniser(out))
    if not refs:
        return {"n": 0}
    return {"wer_unconverted": wer(refs, src_hyp), "wer_converted": wer(refs, conv_hyp), "n": len(refs),
            "examples": [{"text": r, "unconverted": a, "converted": b}
                         for r, a, b in list(zip(refs, src_hyp, conv_hyp))[:4]]}
