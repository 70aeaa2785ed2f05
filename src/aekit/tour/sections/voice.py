"""Voice conversion: the shipped AdaIN-VC model converts held-out sentences between eSpeak NG speakers;
audio players, and MCD to the target's real rendering against the unconverted source's."""

from __future__ import annotations

import copy
import importlib.util
import io

import numpy as np

from ..base import Figure, Number, SectionResult, section

SR = 16000  # the rate the benchmark measures at (the model's features and the judge's)
# (source, target) pairs fixed before any run: training speakers (heard in training, never saying these
# sentences), then held-out speakers (never heard: converted from one reference utterance)
SEEN = (("m1", "f5"), ("f3", "klatt"), ("croak", "m3"), ("belinda", "andy"))
UNSEEN = (("m2", "f2"), ("klatt2", "m8"), ("f2", "klatt2"), ("m8", "m2"))


def _installed() -> bool:
    """The voice extra (librosa, soundfile, eSpeak NG in a wheel) and the shipped model."""
    if not all(importlib.util.find_spec(m) for m in ("librosa", "soundfile", "espeakng_loader")):
        return False
    from ...voice import PRETRAINED

    return (PRETRAINED / "config.json").exists()


def _wav(wave: np.ndarray) -> bytes:
    """16-bit PCM WAV bytes at SR, peak-normalised to 0.9 (as the benchmark writes its examples)."""
    import soundfile as sf

    w = np.asarray(wave, np.float32)
    buf = io.BytesIO()
    sf.write(buf, w / max(1e-6, float(np.abs(w).max())) * 0.9, SR, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _spectrograms(panels: dict, title: str) -> bytes:
    import tempfile
    from pathlib import Path

    from ...voice import FeatureConfig, log_mel
    from ...voice.plots import spectrograms

    from PIL import Image

    cfg = FeatureConfig()
    with tempfile.TemporaryDirectory() as tmp:
        path = spectrograms({k: log_mel(w, cfg) for k, w in panels.items()}, Path(tmp) / "s.png",
                            cfg.frames_per_second, title=title)
        # a palette of 32 colours: a fifth of the bytes of the full-colour PNG (550 KB), the same picture to the eye
        buf = io.BytesIO()
        Image.open(path).convert("RGB").quantize(colors=32).save(buf, format="PNG", optimize=True)
        return buf.getvalue()


@section("voice", "Voice conversion: one sentence in another speaker's voice", order=80, available=_installed)
def run(ctx) -> SectionResult:
    from ...data import speech
    from ...voice import load_converter, resample
    from ...voice.metrics import mcd_cepstra, mel_cepstrum

    vc = copy.copy(load_converter())  # shipped with the package (scripts/train_voice_model.py): nothing to train
    vc.n_threads = ctx.n_threads  # on this copy: the loaded model is cached for the whole process
    engine = speech.ESpeak.get()
    by_name = {s.name: s for s in speech.SPEAKERS}
    texts = speech.parallel_sentences()  # held out: no training utterance says them
    waves: dict = {}

    def say(speaker: str, k: int) -> np.ndarray:
        """``speaker``'s rendering of held-out sentence ``k`` at SR (synthesised here, in-process)."""
        if (speaker, k) not in waves:
            s = by_name[speaker]
            w = engine.synth(texts[k], s.voice, s.rate, s.pitch, s.pitch_range)
            waves[(speaker, k)] = resample(w, engine.sample_rate, SR)
        return waves[(speaker, k)]

    n = ctx.pick(4, 1)
    trials = [("seen", s, t, j % len(texts)) for j, (s, t) in enumerate(SEEN[:n])]
    trials += [("unseen", s, t, (j + 4) % len(texts)) for j, (s, t) in enumerate(UNSEEN[:n])]
    rows, examples = [], {}
    for group, s, t, k in trials:
        src, truth = say(s, k), say(t, k)
        ref = say(t, (k + 1) % len(texts))  # the target's voice from another sentence than the one converted
        out = vc.convert(src, ref, SR)
        c_truth = mel_cepstrum(truth, SR)
        rows.append({"group": group, "source": s, "target": t, "sentence": texts[k],
                     "mcd_conversion_db": mcd_cepstra(mel_cepstrum(out, SR), c_truth),
                     "mcd_source_db": mcd_cepstra(mel_cepstrum(src, SR), c_truth)})
        if group not in examples:
            examples[group] = (s, t, texts[k], {"source": src, "reference": ref, "conversion": out,
                                                "target's own rendering": truth})
    mean = lambda key, g=None: float(np.mean([r[key] for r in rows if g is None or r["group"] == g]))  # noqa: E731
    mcd, mcd_src = mean("mcd_conversion_db"), mean("mcd_source_db")
    figures = []
    for group, (s, t, sentence, parts) in examples.items():
        who = "a training speaker" if group == "seen" else "a speaker never heard in training"
        for (part, w), name in zip(parts.items(), ("source", "reference", "conversion", "truth")):
            figures.append(Figure(f"{group}_{name}.wav", _wav(w),
                                  f"{group}, {part}: {s} -> {t} ({who}), \"{sentence}\"", kind="audio"))
        figures.append(Figure(f"{group}_spectrograms.png", _spectrograms(parts, f"{group}: {s} -> {t}"),
                              "Log-mel spectrograms of the four sounds above: the conversion keeps the source's "
                              "words and timing and takes the reference's formants and pitch."))
    numbers = [Number("MCD to the target's real rendering (dB, DTW), all trials", mcd, mcd_src,
                      "the unconverted source", "lower", ".2f", " dB")]
    numbers += [Number(f"MCD, {g} speakers", mean("mcd_conversion_db", g), mean("mcd_source_db", g),
                       "the unconverted source", "lower", ".2f", " dB") for g in ("seen", "unseen")]
    return SectionResult(
        numbers=numbers,
        figures=figures,
        text=(f"The voice model that ships with aekit (AdaIN-VC: a content code with the speaker normalised away, a "
              f"speaker code injected by adaptive instance normalisation) was trained on 12 synthetic eSpeak NG "
              f"speakers without parallel data. Here eSpeak NG renders held-out sentences in-process; "
              f"{len(trials)} of them are converted from one speaker to another, the target's voice taken from one "
              f"utterance of another sentence. Mel-cepstral distortion to the target's own rendering of the sentence "
              f"falls from {mcd_src:.2f} dB (the source left as it is) to {mcd:.2f} dB "
              f"({100 * (1 - mcd / mcd_src):.0f} % less; the benchmark's bar is 25 % on its 66 seen-speaker trials). "
              f"Griffin-Lim makes the sound, so it is rough; the benchmark also judges speaker identity with a "
              f"pretrained speaker encoder and words with a recogniser."),
        reproduce=["python benchmarks/voice_conversion.py",
                   "aekit convert --source me.wav --target them.wav -o out.wav",
                   "python scripts/train_voice_model.py"],
        details={"trials": rows, "mean_mcd_db": mcd, "mean_mcd_source_db": mcd_src,
                 "mcd_reduction": 1 - mcd / mcd_src, "sr": SR})
