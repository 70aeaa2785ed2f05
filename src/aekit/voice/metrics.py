"""Measures of voice conversion: content distortion (mel-cepstral distortion after DTW alignment),
speaker verification against centroids of reference embeddings, and a speaker's median F0.

These take waveforms or embeddings; which speaker encoder makes the embeddings is the caller's
choice (the benchmark uses the one the ``resemblyzer`` package ships, not the model's own).
"""

from __future__ import annotations

import numpy as np

from .features import FeatureConfig, log_mel

MCD_CONST = 10.0 / np.log(10.0) * np.sqrt(2.0)  # dB per unit of natural-log cepstral distance


def mel_cepstrum(wave: np.ndarray, sr: int = 16000, order: int = 24, top_db: float = 40.0) -> np.ndarray:
    """``(frames, order)`` mel cepstra c1..c_order (c0, the loudness, left out) of ``wave`` with
    leading and trailing silence (``top_db`` below the peak) trimmed: the coefficients of the cosine
    series ``ln S(w) = c0 + 2 sum_d c_d cos(d w)`` of the natural-log 80-band mel magnitude
    spectrum (DCT-II over the bands, divided by twice their number), the scale on which MCD is
    usually quoted (a few dB between speakers)."""
    import librosa
    from scipy.fft import dct

    wave, _ = librosa.effects.trim(np.asarray(wave, dtype=np.float32), top_db=top_db)
    cfg = FeatureConfig(sr=sr, n_fft=1024 if sr >= 16000 else 512, hop=sr // 100, n_mels=80, fmax=min(8000, sr / 2))
    logmel = log_mel(wave, cfg)
    return (dct(logmel, type=2, axis=0)[1:order + 1] / (2 * len(logmel))).T.astype(np.float64)


def mcd_dtw(a: np.ndarray, b: np.ndarray, sr: int = 16000, order: int = 24) -> float:
    """Mel-cepstral distortion in dB between waves ``a`` and ``b`` at ``sr``, averaged along the
    DTW path that aligns their cepstra (renderings of one sentence differ in timing)."""
    return mcd_cepstra(mel_cepstrum(a, sr, order), mel_cepstrum(b, sr, order))


def mcd_cepstra(ca: np.ndarray, cb: np.ndarray) -> float:
    """:func:`mcd_dtw` from cepstra ``(frames, order)`` computed once by :func:`mel_cepstrum`."""
    import librosa

    cost = np.sqrt(((ca[:, None, :] - cb[None, :, :]) ** 2).sum(-1))  # (Ta, Tb) Euclidean
    _, path = librosa.sequence.dtw(C=cost, backtrack=True)
    return float(MCD_CONST * cost[path[:, 0], path[:, 1]].mean())


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True).clip(min=1e-12)


def verifies(embedding: np.ndarray, target_refs: np.ndarray, source_refs: np.ndarray) -> bool:
    """Speaker verification as a two-way decision: is ``embedding`` closer (cosine) to the centroid
    of the target's reference embeddings than to that of the source's?"""
    e = _unit(np.asarray(embedding, dtype=np.float64))
    ct, cs = _unit(np.mean(target_refs, 0)), _unit(np.mean(source_refs, 0))
    return bool(e @ ct > e @ cs)


def median_f0(wave: np.ndarray, sr: int, fmin: float = 50.0, fmax: float = 500.0, top_db: float = 25.0) -> float:
    """Median F0 in Hz of ``wave`` (YIN, de Cheveigne & Kawahara 2002) over its loud frames (within
    ``top_db`` of the loudest: speech, mostly voiced); NaN if there are none."""
    import librosa

    wave = np.asarray(wave, dtype=np.float32)
    frame = 1024 if sr >= 16000 else 512
    f0 = librosa.yin(wave, fmin=fmin, fmax=fmax, sr=sr, frame_length=frame, hop_length=frame // 4)
    rms = librosa.feature.rms(y=wave, frame_length=frame, hop_length=frame // 4)[0][:len(f0)]
    loud = rms >= rms.max() * 10 ** (-top_db / 20) if len(rms) and rms.max() > 0 else np.zeros(len(f0), bool)
    f0 = f0[:len(loud)][loud & np.isfinite(f0[:len(loud)])]
    return float(np.median(f0)) if len(f0) else float("nan")


__all__ = ["MCD_CONST", "mcd_cepstra", "mcd_dtw", "mel_cepstrum", "median_f0", "verifies"]
