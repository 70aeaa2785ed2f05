"""The judges of ``voice_conversion.py``: a speaker encoder, a speech recogniser and code probes that
are not part of the model they judge.

- :class:`Judge`: the pretrained speaker encoder the ``resemblyzer`` package ships (GE2E, 256-d,
  16 kHz; offline): embeddings for speaker verification.
- :class:`Recogniser`: the English recogniser the ``pocketsphinx`` package ships (acoustic model,
  dictionary; its default language model, or a JSGF grammar).
- :func:`probe_accuracy`: how well a classifier trained on one set of utterances' codes names the
  speaker of another set's: logistic regression on time-pooled statistics, and a small CNN over
  the code sequence (the AdaIN-VC paper's probe is a classifier on the content code).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

JUDGE_SR = 16000


class Judge:
    def __init__(self) -> None:
        from resemblyzer import VoiceEncoder

        self.encoder = VoiceEncoder(device="cpu", verbose=False)

    def embed(self, wave16: np.ndarray) -> np.ndarray:
        from resemblyzer import preprocess_wav

        w = preprocess_wav(np.asarray(wave16, dtype=np.float32), source_sr=JUDGE_SR)
        if len(w) < JUDGE_SR // 4:  # the VAD kept almost nothing: judge the whole wave
            w = np.asarray(wave16, dtype=np.float32)
        return self.encoder.embed_utterance(w)


class Recogniser:
    def __init__(self, jsgf: str | None = None) -> None:
        from pocketsphinx import Decoder

        self.decoder = Decoder(samprate=JUDGE_SR, loglevel="FATAL")
        if jsgf is not None:
            self.decoder.add_jsgf_string("task", jsgf)
            self.decoder.activate_search("task")

    def __call__(self, wave16: np.ndarray) -> str:
        w = np.asarray(wave16, dtype=np.float32)
        peak = float(np.abs(w).max()) or 1.0
        pcm = (w / peak * 0.9 * 32767).astype(np.int16).tobytes()
        self.decoder.start_utt()
        self.decoder.process_raw(pcm, full_utt=True)
        self.decoder.end_utt()
        hyp = self.decoder.hyp()
        return hyp.hypstr if hyp is not None else ""


def wer(references: list[str], hypotheses: list[str]) -> float:
    import jiwer

    norm = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
                          jiwer.ReduceToListOfListOfWords()])
    keep = [(r, h) for r, h in zip(references, hypotheses) if r.strip()]
    return float(jiwer.wer([r for r, _ in keep], [h for _, h in keep], reference_transform=norm,
                           hypothesis_transform=norm))


def bootstrap_ci(flags: list[bool], seed: int = 0, n: int = 2000) -> list[float]:
    """95 % bootstrap interval of a rate over trials."""
    x = np.asarray(flags, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), (n, len(x)))].mean(1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


# ---------------------------------------------------------------------------- probes
def pooled(code: np.ndarray) -> np.ndarray:
    """Mean and standard deviation over time of a ``(T, F)`` code (a ``(F,)`` vector passes through)."""
    code = np.asarray(code, dtype=np.float64)
    return code if code.ndim == 1 else np.concatenate([code.mean(0), code.std(0)])


def logistic_probe(train_x, train_y, test_x, test_y) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0))
    clf.fit(np.stack([pooled(c) for c in train_x]), train_y)
    return float((clf.predict(np.stack([pooled(c) for c in test_x])) == np.asarray(test_y)).mean())


def cnn_probe(train_x, train_y, test_x, test_y, epochs: int = 20, seed: int = 0) -> float:
    """A two-layer CNN with a masked mean over time (``aekit.models.voice.SpeakerClassifier``),
    trained with Adam on whole code sequences ``(T, F)``."""
    from aekit.models.voice import SpeakerClassifier

    torch.manual_seed(seed)
    n_classes = int(max(max(train_y), max(test_y))) + 1
    clf = SpeakerClassifier(np.shape(train_x[0])[1], n_classes)
    opt = torch.optim.Adam(clf.parameters(), 1e-3)
    y = torch.as_tensor(np.asarray(train_y), dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)

    def batch(codes):
        t = max(len(c) for c in codes)
        x = torch.zeros(len(codes), t, np.shape(codes[0])[1])
        mask = torch.zeros(len(codes), t, dtype=torch.bool)
        for i, c in enumerate(codes):
            x[i, :len(c)] = torch.as_tensor(np.asarray(c, dtype=np.float32))
            mask[i, :len(c)] = True
        return x, mask

    for _ in range(epochs):
        perm = torch.randperm(len(train_x), generator=gen)
        for i in range(0, len(perm), 32):
            idx = perm[i:i + 32]
            x, mask = batch([train_x[j] for j in idx])
            loss = F.cross_entropy(clf(x, mask), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        x, mask = batch(list(test_x))
        pred = clf(x, mask).argmax(1).numpy()
    return float((pred == np.asarray(test_y)).mean())


def probe_accuracy(train_x, train_y, test_x, test_y, sequence: bool) -> dict:
    """Speaker accuracy of the probes; ``sequence``: the codes are ``(T, F)`` (also the CNN)."""
    out = {"logistic_pooled": logistic_probe(train_x, train_y, test_x, test_y)}
    if sequence:
        out["cnn"] = cnn_probe(train_x, train_y, test_x, test_y)
    out["max"] = max(out.values())
    return out
