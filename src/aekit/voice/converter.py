"""``VoiceConverter``: waveforms in, waveforms out, around a registered voice model.

It owns what sits between audio and the model: resampling to the feature rate, loudness
normalisation, log-mel features and their per-band standardisation (fitted on the training
audio), the Griffin-Lim vocoder, and saving all of it in one checkpoint folder. Training is the
one trainer's (:class:`aekit.train.Trainer`): utterances of any length become a ``Dataset``,
padded per batch by ``pad_collate``; the model's own pipeline step crops the segments.

    vc = VoiceConverter(epochs=40).fit(waves, sr=22050, speakers=labels)
    out = vc.convert(source_wave, target_wave, sr)     # the source's words, the target's voice
    vc.save("models/voice"); VoiceConverter.load("models/voice")
"""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from .._version import __version__
from ..checkpoint import read_checkpoint, write_checkpoint
from ..config import ModelConfig, TrainConfig, from_dict, to_dict
from ..data.batches import DatasetSource
from ..errors import CheckpointError, ConfigError, DataError, NotFittedError
from ..models import MODELS, create_model
from ..threads import using_threads
from ..train import History, Trainer
from .audio import check_wave, resample
from .features import FeatureConfig, griffin_lim, log_mel

VOICE_KIND = "aekit-voice"
TARGET_RMS = 0.05  # -26 dBFS: every utterance is brought to this loudness (over its speech) before features
TRIM_DB = 40.0  # leading/trailing audio this far below the peak is silence

#: the default recipe (``scripts/train_voice_model.py``; ``benchmarks/voice_conversion.py`` measures it)
DEFAULTS: dict[str, Any] = dict(
    model="adain_vc", latent_dim=16, bottleneck="continuous", bottleneck_options={},
    net_options={"channels": [128, 128], "kernel_size": 5, "blocks": 1},
    model_options={"speaker_dim": 64, "speaker_channels": [128, 128], "segment": 128},
)


class MelDataset(Dataset):
    """Standardised log-mel utterances ``(n_mels, T)`` with their speaker labels, for the trainer."""

    def __init__(self, mels: Sequence[np.ndarray], speakers: Sequence[int] | None = None) -> None:
        self.mels = [torch.from_numpy(np.ascontiguousarray(m, dtype=np.float32)) for m in mels]
        self.speakers = None if speakers is None else torch.as_tensor(np.asarray(speakers), dtype=torch.int64)

    def __len__(self) -> int:
        return len(self.mels)

    def __getitem__(self, i: int) -> dict:
        item = {"input": self.mels[i]}
        if self.speakers is not None:
            item["speaker"] = self.speakers[i]
        return item


def normalise_loudness(wave: np.ndarray, target_rms: float = TARGET_RMS) -> tuple[np.ndarray, float]:
    """``wave`` scaled so that its speech (frames within ``TRIM_DB`` of the peak) has RMS
    ``target_rms``; returns the wave and the gain applied."""
    import librosa

    frames = librosa.util.frame(np.pad(wave, (0, max(0, 1024 - len(wave)))), frame_length=1024, hop_length=256)
    rms = np.sqrt((frames ** 2).mean(0))
    loud = rms[rms >= rms.max() * 10 ** (-TRIM_DB / 20)]
    level = float(np.sqrt((loud ** 2).mean())) if len(loud) else float(rms.max())
    gain = target_rms / max(level, 1e-8)
    return (wave * gain).astype(np.float32), gain


def trim(wave: np.ndarray) -> np.ndarray:
    """``wave`` without leading and trailing silence (``TRIM_DB`` below its peak)."""
    import librosa

    out, _ = librosa.effects.trim(wave, top_db=TRIM_DB, frame_length=1024, hop_length=256)
    return out if len(out) else wave


def prepare(wave, sr, features: FeatureConfig = FeatureConfig(), what: str = "the audio", *,
            trim_silence: bool = True, **limits) -> tuple[np.ndarray, float]:
    """``wave`` checked (:func:`~aekit.voice.audio.check_wave`), resampled to ``features.sr``,
    silence trimmed (if asked) and loudness normalised: ``(wave, gain applied)``."""
    x = check_wave(wave, sr, what, **limits)
    x = resample(x, int(sr), features.sr)
    if trim_silence:
        x = trim(x)
    if len(x) < features.n_fft // 2:
        raise DataError(f"{what} holds too little sound after trimming silence ({len(x) / features.sr:.3f} s); "
                        "give a recording with at least 0.25 s of speech.")
    return normalise_loudness(x)


def utterance_log_mel(wave, sr, features: FeatureConfig = FeatureConfig(), what: str = "the audio") -> np.ndarray:
    """Log-mel frames of a training or reference utterance: :func:`prepare` d, then :func:`log_mel`."""
    return log_mel(prepare(wave, sr, features, what)[0], features)


class VoiceConverter:
    """A voice conversion model and everything around it (see the module docstring).

    Parameters: ``model`` (``"adain_vc"`` or ``"vqvc"``), ``latent_dim`` (content code channels),
    ``bottleneck`` / ``bottleneck_options`` (of the content code: ``"continuous"``, ``"gaussian"``,
    ``"vq"``), ``net_options`` (content encoder and decoder, ``conv1d``), ``model_options``
    (:class:`aekit.models.voice.VoiceOptions`), ``features`` (:class:`FeatureConfig`), training
    (``epochs``, ``batch_size``, ``lr``, ``weight_decay``, ``val_fraction``, ``patience``,
    ``random_state``, ``n_threads``, ``verbose``) and ``n_iter`` (Griffin-Lim iterations).
    """

    def __init__(self, *, model: str = DEFAULTS["model"], latent_dim: int = DEFAULTS["latent_dim"],
                 bottleneck: str = DEFAULTS["bottleneck"], bottleneck_options: dict | None = None,
                 net_options: dict | None = None, model_options: dict | None = None,
                 loss_weights: dict | None = None, features: FeatureConfig | None = None, epochs: int = 40,
                 batch_size: int = 32, lr: float = 1e-3, weight_decay: float = 1e-4, val_fraction: float = 0.05,
                 patience: int | None = None, random_state: int = 0, n_threads: int | None = 1,
                 verbose: bool = True, n_iter: int = 48, checkpoint_dir: str | None = None) -> None:
        self.model, self.latent_dim, self.bottleneck = model, latent_dim, bottleneck
        self.bottleneck_options = dict(DEFAULTS["bottleneck_options"] if bottleneck_options is None else bottleneck_options)
        self.net_options = dict(DEFAULTS["net_options"] if net_options is None else net_options)
        self.model_options = dict(DEFAULTS["model_options"] if model_options is None else model_options)
        self.loss_weights = dict(loss_weights or {})
        self.features = features or FeatureConfig()
        self.epochs, self.batch_size, self.lr, self.weight_decay = epochs, batch_size, lr, weight_decay
        self.val_fraction, self.patience, self.random_state = val_fraction, patience, random_state
        self.n_threads, self.verbose, self.n_iter, self.checkpoint_dir = n_threads, verbose, n_iter, checkpoint_dir

    # ------------------------------------------------------------------ features
    def prepare(self, wave, sr, what: str = "the audio", *, trim_silence: bool = True, **limits
                ) -> tuple[np.ndarray, float]:
        """A checked wave at the feature rate, silence trimmed (if asked) and loudness normalised:
        ``(wave, gain)``."""
        return prepare(wave, sr, self.features, what, trim_silence=trim_silence, **limits)

    def mel(self, wave, sr, what: str = "the audio", *, trim_silence: bool = True, **limits) -> np.ndarray:
        """Standardised log-mel frames ``(n_mels, T)`` of a wave at ``sr`` Hz, as the model reads them."""
        x, _ = self.prepare(wave, sr, what, trim_silence=trim_silence, **limits)
        return self.standardise(log_mel(x, self.features))

    def standardise(self, logmel: np.ndarray) -> np.ndarray:
        if not hasattr(self, "mel_mean_"):
            self._check_fitted()
        return ((logmel - self.mel_mean_[:, None]) / self.mel_std_[:, None]).astype(np.float32)

    def unstandardise(self, mel: np.ndarray) -> np.ndarray:
        if not hasattr(self, "mel_mean_"):
            self._check_fitted()
        return (mel * self.mel_std_[:, None] + self.mel_mean_[:, None]).astype(np.float32)

    # ------------------------------------------------------------------ training
    def model_config(self) -> ModelConfig:
        return ModelConfig(input_shape=(self.features.n_mels, None), net="conv1d", net_options=dict(self.net_options),
                           bottleneck=self.bottleneck, bottleneck_options=dict(self.bottleneck_options),
                           latent_dim=self.latent_dim, loss="l1", model=self.model,
                           model_options=dict(self.model_options), loss_weights=dict(self.loss_weights))

    def train_config(self) -> TrainConfig:
        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
                           val_fraction=self.val_fraction, patience=self.patience, seed=self.random_state,
                           n_threads=self.n_threads, progress=bool(self.verbose), warmup_steps=200,
                           checkpoint_dir=self.checkpoint_dir)

    def fit(self, waves: Sequence[np.ndarray], sr: int, speakers: Sequence[int] | None = None, *,
            resume: bool = False) -> "VoiceConverter":
        """Train on utterances ``waves`` (1-D arrays at ``sr`` Hz; no parallel data needed).
        ``speakers``: a label 0..S-1 per utterance, needed only by the adversarial classifier."""
        if len(waves) < 2:
            raise DataError(f"a voice model needs at least 2 training utterances; got {len(waves)}.")
        logmels = [utterance_log_mel(w, sr, self.features, f"training utterance {i}") for i, w in enumerate(waves)]
        return self.fit_features(logmels, speakers, resume=resume)

    def fit_features(self, logmels: Sequence[np.ndarray], speakers: Sequence[int] | None = None, *,
                     resume: bool = False, init: "VoiceConverter | None" = None,
                     callbacks: Sequence | None = None) -> "VoiceConverter":
        """Train on log-mel spectrograms as :func:`aekit.voice.features.log_mel` makes them (of
        trimmed, loudness-normalised waves at ``features.sr``), e.g. a cache of them. ``init``: a
        fitted converter of the same architecture whose weights training starts from (fine-tuning
        to new speakers; the feature standardisation is fitted anew on these spectrograms).
        ``callbacks``: the trainer's ``cb(trainer, epoch, logs)``, called after every epoch; during
        training ``self.model_`` is the model being trained (in training mode), so a callback can
        convert with this converter, e.g. to pick an epoch by a validation conversion."""
        n_mels = self.features.n_mels
        bad = [i for i, m in enumerate(logmels) if np.ndim(m) != 2 or np.shape(m)[0] != n_mels or np.shape(m)[1] < 2]
        if bad:
            raise DataError(f"training spectrograms must be ({n_mels}, frames) arrays; {len(bad)} are not (first: "
                            f"index {bad[0]}, shape {np.shape(logmels[bad[0]])}).")
        if speakers is not None and len(speakers) != len(logmels):
            raise DataError(f"speakers has {len(speakers)} labels for {len(logmels)} utterances: give one per utterance.")
        frames = np.concatenate([np.asarray(m, np.float32) for m in logmels], axis=1)
        if not np.all(np.isfinite(frames)):
            raise DataError("training spectrograms hold NaN or infinite values.")
        self.mel_mean_ = frames.mean(1).astype(np.float32)
        self.mel_std_ = np.maximum(frames.std(1), 1e-3).astype(np.float32)
        data = MelDataset([self.standardise(m) for m in logmels], speakers)
        mcfg, tcfg = self.model_config(), self.train_config()
        MODELS.get(mcfg.model)  # an unknown model name fails here, naming the registered ones
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            model = create_model(mcfg)
            if init is not None:
                init._check_fitted()
                try:
                    model.load_state_dict(init.model_.state_dict())
                except RuntimeError as exc:
                    raise ConfigError(f"init={init!r} does not match this converter's architecture ({exc}); "
                                      "fine-tune with the same model, net and bottleneck settings.") from None
            before = getattr(self, "model_", None)
            self.model_ = model  # what callbacks convert with; set again once trained
            try:
                self.history_ = Trainer(tcfg, list(callbacks or [])).fit(model, DatasetSource(data), resume=resume)
            except BaseException:  # a failed fit leaves the converter as it was, not half-trained
                if before is None:
                    del self.model_
                else:
                    self.model_ = before
                raise
        self.model_ = model.cpu().eval()
        self.model_config_ = mcfg
        return self

    # ------------------------------------------------------------------ using it
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("This VoiceConverter is not fitted yet: call fit(waves, sr) or load a saved one with "
                                 "VoiceConverter.load(path).")

    def _tensor(self, mel: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(mel))[None]

    @torch.no_grad()
    def convert_mel(self, source_mel: np.ndarray, reference_mel: np.ndarray) -> np.ndarray:
        """Standardised log-mels in and out: the source's content with the reference's speaker code."""
        self._check_fitted()
        with using_threads(self.n_threads):
            return self.model_.convert(self._tensor(source_mel), self._tensor(reference_mel))[0].numpy()

    def convert(self, source_wave, target_wave, sr: int, target_sr: int | None = None) -> np.ndarray:
        """The words of ``source_wave`` in the voice of ``target_wave`` (any lengths; mono, or
        multi-channel mixed down), both at ``sr`` Hz (or the target at ``target_sr``). Returns a
        mono float32 wave at ``sr`` Hz as long as the source, at the source's loudness."""
        self._check_fitted()
        source = check_wave(source_wave, sr, "the source")
        x, gain = self.prepare(source, sr, "the source", trim_silence=False)
        ref = self.mel(target_wave, sr if target_sr is None else target_sr, "the target")
        mel = self.convert_mel(self.standardise(log_mel(x, self.features)), ref)
        wave = griffin_lim(self.unstandardise(mel), self.features, n_iter=self.n_iter) / gain
        return _fit_length(resample(wave, self.features.sr, int(sr)), len(source))

    def vocode(self, mel: np.ndarray) -> np.ndarray:
        """A wave at ``features.sr`` from standardised log-mel frames (Griffin-Lim)."""
        return griffin_lim(self.unstandardise(mel), self.features, n_iter=self.n_iter)

    @torch.no_grad()
    def speaker_embedding(self, wave, sr: int) -> np.ndarray:
        """The model's speaker code ``(speaker_dim,)`` of an utterance."""
        self._check_fitted()
        with using_threads(self.n_threads):
            return self.model_.speaker(self._tensor(self.mel(wave, sr, "the utterance")))[0].numpy()

    @torch.no_grad()
    def content_code(self, wave, sr: int) -> np.ndarray:
        """The model's content code ``(frames, channels)`` of an utterance (what the decoder reads)."""
        self._check_fitted()
        with using_threads(self.n_threads):
            out, _ = self.model_.content(self._tensor(self.mel(wave, sr, "the utterance", trim_silence=False)))
        return out.z[0].numpy()

    # ------------------------------------------------------------------ persistence
    def get_params(self) -> dict:
        return {"model": self.model, "latent_dim": self.latent_dim, "bottleneck": self.bottleneck,
                "bottleneck_options": self.bottleneck_options, "net_options": self.net_options,
                "model_options": self.model_options, "loss_weights": self.loss_weights, "epochs": self.epochs,
                "batch_size": self.batch_size, "lr": self.lr, "weight_decay": self.weight_decay,
                "val_fraction": self.val_fraction, "patience": self.patience, "random_state": self.random_state,
                "n_threads": self.n_threads, "verbose": self.verbose, "n_iter": self.n_iter}

    def save(self, path: str | os.PathLike, *, half: bool = False) -> None:
        """One folder: ``config.json`` (features, model config, parameters, history) and the weights.
        ``half``: store the network's weights as float16, half the size (how the bundled model ships);
        :meth:`load` casts them back to float32, so the loaded model is the rounded one."""
        self._check_fitted()
        meta = {"aekit_version": __version__, "params": self.get_params(), "features": asdict(self.features),
                "model_config": to_dict(self.model_config_), "history": self.history_.to_dict()}
        state = self.model_.state_dict()
        if half:
            state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
        weights = {**{f"model.{k}": v for k, v in state.items()},
                   "features.mel_mean": torch.from_numpy(self.mel_mean_), "features.mel_std": torch.from_numpy(self.mel_std_)}
        write_checkpoint(path, VOICE_KIND, meta, {"model.safetensors": weights})

    @classmethod
    def load(cls, path: str | os.PathLike) -> "VoiceConverter":
        """A converter saved by :meth:`save` (checksums verified; never unpickles)."""
        meta, files = read_checkpoint(path, VOICE_KIND)
        tensors = files["model.safetensors"]
        try:
            vc = cls(**{**meta["params"], "features": FeatureConfig(**meta["features"])})
            vc.model_config_ = from_dict(ModelConfig, meta["model_config"])
            vc.history_ = History.from_dict(meta["history"])
            vc.mel_mean_ = tensors["features.mel_mean"].numpy()
            vc.mel_std_ = tensors["features.mel_std"].numpy()
            model = create_model(vc.model_config_)
            model.load_state_dict({k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
        except (KeyError, TypeError, RuntimeError, ConfigError) as exc:
            raise CheckpointError(f"Corrupt or incompatible voice model {str(path)!r} ({exc}). Re-train or re-save it "
                                  "with this aekit version.") from None
        vc.model_ = model.eval()
        return vc

    def __repr__(self) -> str:
        state = "fitted" if hasattr(self, "model_") else "not fitted"
        return f"VoiceConverter(model={self.model!r}, bottleneck={self.bottleneck!r}, {state})"


def _fit_length(wave: np.ndarray, n: int) -> np.ndarray:
    return wave[:n] if len(wave) >= n else np.pad(wave, (0, n - len(wave)))


__all__ = ["DEFAULTS", "MelDataset", "VOICE_KIND", "VoiceConverter", "normalise_loudness", "prepare", "trim",
           "utterance_log_mel"]
