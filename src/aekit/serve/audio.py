"""Recordings sent to the web app's voice panel: read under limits, and audio sent back.

Every limit is checked before the work it guards, with a one-line message that names the file,
the value and what is accepted, as :mod:`aekit.serve.images` does for images: the bytes of the
upload (413), its type, by its first bytes rather than its name (415), then from the header alone,
before any sample is decoded, its sample rate, channels and duration (422); last, once decoded,
the samples themselves (NaN, silence: 422, by :func:`aekit.voice.audio.check_wave`).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np

from .images import ImageError

MAX_AUDIO_BYTES = 4 * 1024 * 1024  # each upload; 20 s of 48 kHz 16-bit stereo is 3.7 MiB
MAX_SECONDS = 20.0  # conversion (Griffin-Lim) takes ~0.1-0.2 s of CPU per second of audio
MIN_SECONDS = 0.25  # what check_wave asks of any recording: shorter holds no word
MIN_RATE, MAX_RATE = 8000, 96000  # telephone to studio; the model itself works at 16 kHz
MAX_CHANNELS = 8  # check_wave mixes up to 8 channels to mono
# what libsndfile reads, recognised by the container's first bytes (WAV, its 64-bit form, FLAC, OGG)
TYPES = {b"RIFF": "WAV", b"RF64": "WAV", b"fLaC": "FLAC", b"OggS": "OGG"}


class AudioError(ImageError):
    """A bad recording: ``status`` is the HTTP status, the message says what to send instead."""


@dataclass
class AudioLimits:
    max_bytes: int = MAX_AUDIO_BYTES
    max_seconds: float = MAX_SECONDS
    min_seconds: float = MIN_SECONDS
    min_rate: int = MIN_RATE
    max_rate: int = MAX_RATE


def _kind(data: bytes) -> str | None:
    kind = TYPES.get(data[:4])
    if kind == "WAV" and data[8:12] != b"WAVE":  # RIFF is also AVI, WebP, ...
        return None
    return kind


def read_upload(data: bytes, what: str, limits: AudioLimits, size: int | None = None) -> tuple[np.ndarray, int]:
    """A WAV, FLAC or OGG file's bytes -> ``(mono float32 wave, sample rate)``, every limit checked;
    ``what`` names the file in messages ("the source"); ``size``: the whole file's, where ``data``
    is only its start (read no further than the limit)."""
    size = len(data) if size is None else size
    if size == 0:
        raise AudioError(422, f"{what} file is empty (0 bytes); choose a WAV recording.")
    if size > limits.max_bytes or len(data) > limits.max_bytes:
        raise AudioError(413, f"{what} file is too large: {max(size, len(data)) // 1024} KiB, at most "
                              f"{limits.max_bytes // 1024} KiB; send a shorter or mono recording.")
    kind = _kind(data)
    if kind is None:
        raise AudioError(415, f"{what} is not a WAV, FLAC or OGG file (by its first bytes, whatever its name); "
                              "convert it, e.g. ffmpeg -i in.m4a out.wav.")
    import soundfile as sf

    try:
        info = sf.info(io.BytesIO(data))  # the header only: nothing decoded yet
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(422, f"cannot read {what} as {kind} ({str(exc).strip() or type(exc).__name__}); is the "
                              "file complete?") from None
    sr, channels, seconds = int(info.samplerate), int(info.channels), info.frames / max(info.samplerate, 1)
    if not limits.min_rate <= sr <= limits.max_rate:
        raise AudioError(422, f"{what} is sampled at {sr} Hz; the page takes {limits.min_rate} to {limits.max_rate} "
                              "Hz (resample it, e.g. sox in.wav -r 16000 out.wav).")
    if channels > MAX_CHANNELS:
        raise AudioError(422, f"{what} has {channels} channels, at most {MAX_CHANNELS}; mix it down to mono.")
    if seconds > limits.max_seconds:
        raise AudioError(422, f"{what} is {seconds:.1f} s long, at most {limits.max_seconds:g} s; cut it, e.g. "
                              f"sox in.wav out.wav trim 0 {limits.max_seconds:g}.")
    if seconds < limits.min_seconds:
        raise AudioError(422, f"{what} is {seconds:.2f} s long, at least {limits.min_seconds:g} s; give a recording "
                              "of a word or more.")
    try:
        wave, _ = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(422, f"cannot decode {what} ({str(exc).strip() or type(exc).__name__}); is the file "
                              "complete?") from None
    from ..errors import AekitError
    from ..voice.audio import check_wave

    try:  # NaN or infinite samples, silence: check_wave's one-line messages
        return check_wave(wave.mean(axis=1), sr, what, min_seconds=limits.min_seconds,
                          max_seconds=limits.max_seconds), sr
    except AekitError as exc:
        raise AudioError(422, str(exc)) from None


def wav_bytes(wave: np.ndarray, sr: int) -> bytes:
    """Mono 16-bit PCM WAV (peaks above full scale scaled down, never clipped, as write_wav does)."""
    import soundfile as sf

    x = np.asarray(wave, dtype=np.float32)
    peak = float(np.abs(x).max()) if len(x) else 0.0
    if peak > 0.999:
        x = x * (0.999 / peak)
    buf = io.BytesIO()
    sf.write(buf, x, int(sr), format="WAV", subtype="PCM_16")
    return buf.getvalue()


def data_url(data: bytes, mime: str = "audio/wav") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def spectrogram_png(wave: np.ndarray, sr: int, height: int = 80, max_width: int = 640) -> str:
    """A small log-mel picture of a wave (low pitches at the bottom, magma colours) as a PNG data URL:
    the 80 bands the model reads, one column per 16 ms frame (at most ``max_width`` columns)."""
    import matplotlib
    from PIL import Image

    from ..voice.audio import resample
    from ..voice.features import FeatureConfig, log_mel

    cfg = FeatureConfig()
    mel = log_mel(resample(np.asarray(wave, np.float32), sr, cfg.sr), cfg)[::-1]  # (80, frames), high bands first
    lo, hi = np.percentile(mel, 2), mel.max()
    rgb = matplotlib.colormaps["magma"](np.clip((mel - lo) / max(hi - lo, 1e-6), 0, 1))[..., :3]
    im = Image.fromarray(np.rint(rgb * 255).astype(np.uint8))
    width = min(im.width, max_width)
    im = im.resize((width, height), Image.BILINEAR)
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=True)
    return data_url(buf.getvalue(), "image/png")
