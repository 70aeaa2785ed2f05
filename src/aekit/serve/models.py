"""The saved models a web app offers: every folder under ``--models DIR`` that aekit wrote (auto-encoders,
anomaly detectors, codecs, voice converters), plus the bundled codec and voice model. Requests name a
model by its listed name only; no path from a request is ever opened."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

KINDS = {"aekit-model": "autoencoder", "aekit-detector": "detector", "aekit-codec": "codec", "aekit-voice": "voice"}
BUNDLED_VOICE = "espeak"  # the name aekit convert --model gives the shipped voice model


@dataclass
class Entry:
    name: str  # relative to the models folder, e.g. "mnist8" or "tour/models/vae"
    kind: str  # autoencoder | detector | codec | voice
    path: Path | None  # None: a bundled codec
    input_shape: tuple[int, ...]
    description: str
    can_sample: bool = False
    can_interpolate: bool = False
    bundled: bool = False  # shipped with aekit, not from --models

    def public(self) -> dict:
        return {"name": self.name, "kind": self.kind, "input_shape": list(self.input_shape),
                "description": self.description, "can_sample": self.can_sample,
                "can_interpolate": self.can_interpolate, "takes_images": len(self.input_shape) >= 2,
                "takes_audio": self.kind == "voice"}


def _any_size_codec(meta: dict) -> bool:
    """A photo codec (any size, ``latent="conv"``): the page's compress panel codes one digit-sized
    image at the codec's own size, so these are left out of its list for now (``aekit compress`` takes them)."""
    qualities = meta.get("qualities") if meta.get("format") == "aekit-codec" else None
    return bool(qualities) and isinstance(qualities[0], dict) and qualities[0].get("latent") == "conv"


def _describe(meta: dict) -> tuple[tuple[int, ...], str, bool, bool]:
    """(input shape, a one-line description, can sample, can interpolate) from a config.json."""
    if meta.get("format") == "aekit-voice":  # reads recordings, not arrays: no input shape
        params, hist = meta.get("params", {}), meta.get("history", {})
        speakers = (params.get("model_options") or {}).get("speakers")
        return (), (f"voice conversion, {params.get('model', '?')}, content code of {params.get('latent_dim')}"
                    + (f", trained on {speakers} speakers" if speakers else "")
                    + (f", {hist.get('epochs_run')} epochs" if hist.get("epochs_run") else "")), False, False
    if meta.get("format") == "aekit-codec":
        q = [c["quality"] for c in meta.get("qualities", [])]
        shape = tuple(meta["qualities"][0]["image_shape"]) if meta.get("qualities") else ()
        return shape, f"codec {meta.get('name')!r}, qualities {min(q)}-{max(q)}" if q else "codec", False, False
    members = meta.get("members")
    mc = (members[0] if members else meta).get("model_config", {})
    shape = tuple(meta.get("input_shape", ()))
    bottleneck, opts = mc.get("bottleneck", "?"), mc.get("bottleneck_options") or {}
    model = mc.get("model", "autoencoder")
    if members:
        return shape, f"anomaly detector, {len(members)} auto-encoder(s), code {mc.get('latent_dim')}", False, False
    generative = bottleneck == "gaussian" or model == "adversarial" or bool(opts.get("prior") is not None
                                                                              and bottleneck in ("vq", "categorical", "binary"))
    desc = f"{model}, {mc.get('net')} net, {bottleneck} code of {mc.get('latent_dim')}"
    return shape, desc, generative and model != "conditional", model != "conditional"


def _bundled_voice() -> Path | None:
    """The shipped voice model's folder (found without importing aekit.voice, which needs librosa)."""
    folder = Path(__file__).resolve().parents[1] / "voice" / "weights" / BUNDLED_VOICE
    return folder if (folder / "config.json").exists() else None


class ModelStore:
    """Lists and loads (once, then cached) the models under a folder."""

    def __init__(self, root: str | Path | None, max_depth: int = 3, n_threads: int = 1) -> None:
        self.root = Path(root).resolve() if root else None
        self.max_depth = max_depth
        self.n_threads = n_threads  # torch threads of every loaded model (aekit serve --threads)
        self._loaded: dict[str, object] = {}
        self._lock = threading.Lock()

    def entries(self) -> dict[str, Entry]:
        from ..compression import bundled_codecs
        from ..compression.zoo import WEIGHTS

        out: dict[str, Entry] = {}
        if self.root is not None and self.root.is_dir():
            for cfg in sorted(self.root.rglob("config.json")):
                folder = cfg.parent
                rel = folder.relative_to(self.root)
                if len(rel.parts) > self.max_depth or any(p.startswith(".") for p in rel.parts):
                    continue  # temporary folders of atomic writes, checkpoints' internals
                try:
                    meta = json.loads(cfg.read_text())
                except (OSError, ValueError):
                    continue
                kind = KINDS.get(meta.get("format"))
                if kind is None or _any_size_codec(meta):
                    continue
                shape, desc, gen, interp = _describe(meta)
                name = rel.as_posix() or folder.name
                out[name] = Entry(name, kind, folder, shape, desc, gen, interp)
        for codec in bundled_codecs():
            meta = json.loads((WEIGHTS / codec / "config.json").read_text())
            if _any_size_codec(meta):
                continue
            shape, desc, _, _ = _describe(meta)
            out.setdefault(codec, Entry(codec, "codec", None, shape, desc + " (bundled)", bundled=True))
        voice = _bundled_voice()
        if voice is not None:
            meta = json.loads((voice / "config.json").read_text())
            out.setdefault(BUNDLED_VOICE, Entry(BUNDLED_VOICE, "voice", voice, (), _describe(meta)[1]
                                                + " (bundled, eSpeak voices)", bundled=True))
        return out

    def get(self, name: str, kind: str | None = None) -> tuple[Entry, object]:
        """The listed model ``name`` and its loaded object; KeyError (404) for anything else."""
        entry = self.entries().get(name)
        if entry is None or (kind is not None and entry.kind != kind):
            raise KeyError(name)
        with self._lock:
            key = f"{entry.kind}:{entry.path}"
            if key not in self._loaded:
                self._loaded[key] = self._load(entry)
            return entry, self._loaded[key]

    def _load(self, entry: Entry):
        if entry.kind == "codec":
            from ..compression import load_codec

            return load_codec(entry.path or entry.name)
        if entry.kind == "voice":  # needs librosa and soundfile (the serve extra brings them)
            from ..voice import VoiceConverter

            vc = VoiceConverter.load(entry.path)
            vc.n_threads = self.n_threads
            return vc
        if entry.kind == "detector":
            from ..anomaly import AnomalyDetector

            return AnomalyDetector.load(entry.path).set_params(n_threads=self.n_threads)
        from ..estimators import AutoEncoder

        return AutoEncoder.load(entry.path).set_params(n_threads=self.n_threads)
