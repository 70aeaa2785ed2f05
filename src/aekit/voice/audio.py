"""Reading, checking, resampling and writing audio for the voice tools.

Every way audio enters aekit goes through :func:`read_audio` (files) or :func:`check_wave`
(arrays), so bad input fails the same way: one line that names the file or array, what is
wrong with it and what would work (a silent, too short, too long, non-audio or corrupt file is
a :class:`~aekit.errors.DataError`, never a crash deep in the feature code).

Files: whatever libsndfile reads (WAV in any of its encodings, including GSM 6.10 and
mu-law, FLAC, OGG/Vorbis, ...), plus headerless GSM 6.10 (``.gsm``, 8 kHz mono, 33-byte frames:
the format Asterisk ships prompts in), and ``.npy`` arrays with a rate given by the caller.
Multi-channel audio is mixed to mono; any sample rate is resampled (soxr, through librosa).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..atomic import atomic_file
from ..errors import ConfigError, DataError

#: below this peak amplitude (full scale = 1) a recording counts as silent (-80 dBFS)
SILENCE_PEAK = 1e-4
GSM_RATE = 8000  # headerless .gsm files are 8 kHz mono by definition
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".gsm", ".aiff", ".aif", ".au", ".mp3"}


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """``(wave, sample_rate)`` of an audio file: float32, mono (channels averaged), full scale 1."""
    import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"audio file {str(path)!r} does not exist.")
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a folder; give one audio file (WAV, FLAC, OGG or GSM).")
    if path.stat().st_size == 0:
        raise DataError(f"audio file {str(path)!r} is empty (0 bytes); record or export it again.")
    try:
        if path.suffix.lower() == ".gsm":  # no header: libsndfile needs the format spelled out
            wave, sr = sf.read(path, format="RAW", subtype="GSM610", samplerate=GSM_RATE, channels=1,
                               dtype="float32", always_2d=True)
        else:
            wave, sr = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise DataError(f"cannot read {str(path)!r} as audio ({str(exc).strip() or type(exc).__name__}); give a "
                        "WAV, FLAC, OGG or GSM file (convert others with e.g. ffmpeg -i in.m4a out.wav).") from None
    return wave.mean(axis=1).astype(np.float32), int(sr)


def check_wave(wave, sr, what: str = "the audio", *, min_seconds: float = 0.25, max_seconds: float = 600.0
               ) -> np.ndarray:
    """``wave`` as a float32 mono array after checking it: a 1-D array (or ``(samples, channels)``
    / ``(channels, samples)`` with at most 8 channels, mixed to mono), finite, not silent, with
    ``min_seconds`` to ``max_seconds`` of audio at ``sr`` Hz."""
    sr = _check_rate(sr, what)
    try:
        x = np.asarray(wave, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be an array of audio samples; got {type(wave).__name__} ({exc}).") from None
    if x.ndim == 2 and min(x.shape) <= 8:  # stereo either way round: the short axis is the channels
        x = x.mean(axis=int(np.argmin(x.shape)))
    if x.ndim != 1:
        raise DataError(f"{what} must be mono (samples,) or multi-channel (samples, channels) audio; got shape "
                        f"{tuple(np.shape(wave))}.")
    if not np.all(np.isfinite(x)):
        raise DataError(f"{what} holds NaN or infinite samples; pass finite audio (full scale is 1.0).")
    seconds = len(x) / sr
    if seconds < min_seconds:
        raise DataError(f"{what} is too short: {seconds:.3f} s at {sr} Hz; give at least {min_seconds:g} s of speech.")
    if seconds > max_seconds:
        raise DataError(f"{what} is too long: {seconds:.0f} s; give at most {max_seconds:g} s (split longer "
                        "recordings, e.g. with sox in.wav out.wav trim 0 300 : newfile : restart).")
    peak = float(np.abs(x).max())
    if peak < SILENCE_PEAK:
        raise DataError(f"{what} is silent (peak amplitude {peak:.2g}, below {SILENCE_PEAK:g} of full scale); "
                        "give a recording of speech.")
    if peak > 1.0:  # integer PCM passed as numbers, or a hot mix: bring it to full scale
        x = x / peak
    return x


def _check_rate(sr, what: str) -> int:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer, float)) or not float(sr).is_integer() or \
            not 1000 <= sr <= 384000:
        raise ConfigError(f"the sample rate of {what} ({sr!r}) must be a whole number of Hz between 1000 and "
                          "384000, e.g. 16000.")
    return int(sr)


def resample(wave: np.ndarray, sr: int, target: int) -> np.ndarray:
    """``wave`` from ``sr`` to ``target`` Hz (soxr's high-quality filter; unchanged if equal)."""
    if int(sr) == int(target):
        return np.asarray(wave, dtype=np.float32)
    import librosa

    return librosa.resample(np.asarray(wave, dtype=np.float32), orig_sr=int(sr), target_sr=int(target),
                            res_type="soxr_hq").astype(np.float32)


def load_wave(path: str | os.PathLike, sr: int | None = None, **limits) -> tuple[np.ndarray, int]:
    """A checked mono file (see :func:`check_wave`), resampled to ``sr`` if given: ``(wave, sr)``."""
    wave, file_sr = read_audio(path)
    wave = check_wave(wave, file_sr, repr(str(path)), **limits)
    return (resample(wave, file_sr, sr), int(sr)) if sr else (wave, file_sr)


def write_wav(path: str | os.PathLike, wave: np.ndarray, sr: int) -> Path:
    """16-bit PCM WAV, written atomically (peaks above full scale are scaled down, never clipped)."""
    import soundfile as sf

    path = Path(path)
    if path.suffix.lower() not in (".wav", ".flac", ".ogg"):
        raise ConfigError(f"write audio to a .wav, .flac or .ogg file, not {path.name!r}.")
    x = np.asarray(wave, dtype=np.float32)
    peak = float(np.abs(x).max()) if len(x) else 0.0
    if peak > 0.999:
        x = x * (0.999 / peak)
    fmt = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}[path.suffix.lower()]
    subtype = "VORBIS" if fmt == "OGG" else "PCM_16"
    with atomic_file(path) as tmp:
        sf.write(tmp, x, int(sr), format=fmt, subtype=subtype)
    return path


__all__ = ["AUDIO_SUFFIXES", "SILENCE_PEAK", "check_wave", "load_wave", "read_audio", "resample", "write_wav"]
