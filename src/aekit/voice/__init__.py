"""Voice conversion: the words of one utterance in the voice of another, by separate content and
speaker codes (AdaIN-VC, :mod:`aekit.models.voice`), trained without parallel data.

    from aekit.voice import convert, read_audio
    src, sr = read_audio("me.wav"); ref, ref_sr = read_audio("them.wav")
    out = convert(src, ref, sr, target_sr=ref_sr)   # the bundled model, trained on eSpeak voices

- :mod:`aekit.voice.audio`: reading (WAV/FLAC/OGG/GSM), checks with clear errors, resampling, writing;
- :mod:`aekit.voice.features`: log-mel spectrograms and the Griffin-Lim vocoder;
- :mod:`aekit.voice.converter`: :class:`VoiceConverter` (fit, convert, save, load);
- :mod:`aekit.voice.metrics`: mel-cepstral distortion with DTW, speaker verification, median F0.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .audio import check_wave, load_wave, read_audio, resample, write_wav
from .converter import VoiceConverter
from .features import FeatureConfig, griffin_lim, log_mel

#: the small model ``scripts/train_voice_model.py`` trains on the synthesised corpus (ships with aekit)
PRETRAINED = Path(__file__).resolve().parent / "weights" / "espeak"


def load_converter(model: str | os.PathLike | VoiceConverter | None = None) -> VoiceConverter:
    """``model`` as a converter: one already loaded, a folder saved by ``VoiceConverter.save``, or
    ``None`` / ``"espeak"`` for the bundled pretrained model."""
    from ..checkpoint import load_bundled

    return load_bundled(model, VoiceConverter, name="espeak", folder=PRETRAINED, what="voice", script="scripts/train_voice_model.py")


def convert(source_wave, target_wave, sr: int, *, target_sr: int | None = None,
            model: str | os.PathLike | VoiceConverter | None = None) -> np.ndarray:
    """The words of ``source_wave`` spoken with the voice of ``target_wave``; both at ``sr`` Hz (the
    target at ``target_sr`` if given), any length, mono or multi-channel. Returns mono float32 at
    ``sr``. ``model``: see :func:`load_converter` (default: the bundled pretrained model)."""
    return load_converter(model).convert(source_wave, target_wave, sr, target_sr=target_sr)


__all__ = ["FeatureConfig", "PRETRAINED", "VoiceConverter", "check_wave", "convert", "griffin_lim", "load_converter",
           "load_wave", "log_mel", "read_audio", "resample", "write_wav"]
