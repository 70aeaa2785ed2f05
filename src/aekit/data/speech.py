"""Speech for the voice tools: a synthesised multi-speaker corpus and folders of recorded speakers.

**Synthesised corpus** (:func:`synthesize_corpus`). English sentences from a grammar written
here (:func:`sentences`: over a million distinct ones) are spoken by eSpeak NG, called in-process
through the library and voice data that the PyPI package ``espeakng-loader`` ships (no system
install). A :class:`Speaker` is a voice variant (its formant scaling, breathiness, base pitch)
plus a pitch, a pitch range and a speaking rate. :data:`SPEAKERS` are 16 of them across the
variant families (``m``, ``f``, ``klatt``, ``croak``, named ones): 12 for training and 4 held
out for one-shot conversion. Distinctness was measured, not assumed: pitch alone does not make a
speaker (see ``benchmarks/voice_conversion.py``, oracle verification).

- Training utterances are **non-parallel**: every sentence is spoken by one speaker only.
- The evaluation set is **parallel**: every speaker (training and held out) says the same
  sentences, none of them in the training set, so a conversion can be compared with the truth.
- The rate varies per utterance around the speaker's own (+-8 %), as a person's does.

The corpus is cached on disk after the first build (one ``.npy`` of samples and a JSON manifest,
written atomically; a progress bar while it is made). Its folder name is a hash of everything that
shapes it (speakers, sentence counts, seed, grammar and eSpeak versions).

**Recorded speakers** (:func:`load_speaker_folders`): one folder of WAV/FLAC/OGG/GSM files per
speaker. The benchmark uses the prompts five Debian packages ship (see :data:`ASTERISK_SPEAKERS`;
``apt-get install asterisk-core-sounds-en-wav asterisk-core-sounds-fr-wav
asterisk-prompt-it-menardi-wav asterisk-prompt-fr-armelle asterisk-prompt-es-co``).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import random
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from ..atomic import atomic_file, write_text
from ..errors import ConfigError, DataError

GRAMMAR_VERSION = 2


# ---------------------------------------------------------------------------- eSpeak NG
class ESpeak:
    """eSpeak NG in this process, through ``espeakng-loader``'s library (one per process: the
    library keeps global state, so calls are serialised by a lock)."""

    _instance: "ESpeak | None" = None
    _lock = threading.Lock()
    # espeak_SetParameter ids (speak_lib.h)
    RATE, PITCH, RANGE = 1, 3, 4

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError:
            raise ConfigError("the synthesised speech corpus needs eSpeak NG from PyPI: pip install espeakng-loader "
                              "(or pip install 'aekit[voice]').") from None
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.variants = {p.name for p in (Path(espeakng_loader.get_data_path()) / "voices" / "!v").iterdir()}
        # espeak_Initialize wants the folder that *contains* espeak-ng-data; 2 = synchronous output
        data_parent = os.path.dirname(espeakng_loader.get_data_path())
        self.sample_rate = int(self.lib.espeak_Initialize(2, 0, data_parent.encode(), 0))
        if self.sample_rate <= 0:
            raise ConfigError(f"eSpeak NG failed to initialise from {data_parent!r} (code {self.sample_rate}); "
                              "reinstall espeakng-loader.")
        self.version = getattr(espeakng_loader, "__version__", "") or _package_version("espeakng-loader")
        self._chunks: list[np.ndarray] = []
        callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
        self._callback = callback_type(self._collect)  # kept referenced: the library calls it later
        self.lib.espeak_SetSynthCallback(self._callback)
        self.lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                          ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]

    @classmethod
    def get(cls) -> "ESpeak":
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _collect(self, samples, n, events) -> int:
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(samples, shape=(n,)).copy())
        return 0  # 0: go on synthesising

    def synth(self, text: str, voice: str, rate: int = 175, pitch: int = 50, pitch_range: int = 50) -> np.ndarray:
        """``text`` spoken by ``voice`` (e.g. ``"en-us+m3"``): float32 samples at :attr:`sample_rate`."""
        variant = voice.partition("+")[2]
        with self._lock:
            if (variant and variant not in self.variants) or self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ConfigError(f"eSpeak NG has no voice {voice!r}; use a language plus a variant, e.g. 'en-us+m3' "
                                  "(variants: m1-m8, f1-f5, klatt, klatt2-6, croak, whisper, Andy, belinda, ...).")
            for param, value in ((self.RATE, rate), (self.PITCH, pitch), (self.RANGE, pitch_range)):
                self.lib.espeak_SetParameter(param, int(value), 0)
            self._chunks = []
            data = text.encode("utf-8")
            # position 0, POS_CHARACTER (1), no end, flags espeakCHARS_UTF8 (1)
            self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None)
            self.lib.espeak_Synchronize()
            chunks, self._chunks = self._chunks, []
        if not chunks:
            return np.zeros(0, np.float32)
        return (np.concatenate(chunks).astype(np.float32) / 32768.0)


def _package_version(name: str) -> str:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # noqa: BLE001 - a version is only part of a cache key
        return "unknown"


# ---------------------------------------------------------------------------- speakers
@dataclass(frozen=True)
class Speaker:
    """A synthetic speaker: an eSpeak NG voice (language + variant) with its pitch (0-100, within
    the variant's own range), pitch range (0-100: monotone to lively) and rate (words per minute)."""

    name: str
    voice: str
    pitch: int = 50
    pitch_range: int = 50
    rate: int = 170

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name:
            raise ConfigError(f"speaker name {self.name!r} must be a non-empty name without '/'.")
        for field, lo, hi in (("pitch", 0, 100), ("pitch_range", 0, 100), ("rate", 80, 450)):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ConfigError(f"speaker {self.name!r}: {field}={value!r} must be a whole number in [{lo}, {hi}].")


#: 16 speakers across eSpeak NG's variant families; the first 12 train, the last 4 are held out.
SPEAKERS: tuple[Speaker, ...] = (
    Speaker("m1", "en-us+m1", 40, 50, 165),
    Speaker("m3", "en-us+m3", 55, 70, 180),
    Speaker("m5", "en-us+m5", 50, 40, 170),
    Speaker("m7", "en-us+m7", 45, 60, 175),
    Speaker("f1", "en-us+f1", 50, 60, 170),
    Speaker("f3", "en-us+f3", 45, 50, 180),
    Speaker("f5", "en-us+f5", 55, 70, 165),
    Speaker("klatt", "en-us+klatt", 50, 50, 175),
    Speaker("klatt3", "en-us+klatt3", 40, 60, 170),
    Speaker("croak", "en-us+croak", 50, 50, 170),
    Speaker("andy", "en-us+Andy", 50, 50, 180),
    Speaker("belinda", "en-us+belinda", 45, 60, 170),
    # held out: never heard in training, converted one-shot
    Speaker("m2", "en-us+m2", 50, 60, 175),
    Speaker("f2", "en-us+f2", 50, 50, 170),
    Speaker("klatt2", "en-us+klatt2", 45, 60, 175),
    Speaker("m8", "en-us+m8", 50, 50, 165),
)
N_TRAIN_SPEAKERS = 12
RATE_JITTER = 0.08  # per-utterance rate, +- this fraction of the speaker's


# ---------------------------------------------------------------------------- sentences
#: the grammar's word lists, by slot; a pattern names its slots in braces (see :func:`grammar_jsgf`)
SLOTS: dict[str, tuple[str, ...]] = {
    "NAME": ("Anna", "Peter", "Maria", "David", "Laura", "Thomas", "Susan", "Robert", "Emily", "Daniel", "Helen",
             "Michael", "Sarah", "George", "Julia", "Kevin", "Alice", "Frank", "Nancy", "Oliver"),
    "ADJ": ("old", "small", "yellow", "heavy", "quiet", "bright", "wooden", "broken", "famous", "empty", "narrow",
            "golden", "dusty", "gentle", "shiny", "purple", "frozen", "tiny", "silver", "strange", "cheap", "warm"),
    "NOUN": ("basket", "letter", "window", "garden", "bottle", "picture", "bicycle", "table", "candle", "blanket",
             "ladder", "jacket", "kettle", "pencil", "carpet", "guitar", "mirror", "bucket", "lamp", "parcel",
             "drawer", "umbrella", "notebook"),
    "PLURAL": ("apples", "horses", "boats", "children", "birds", "stones", "students", "farmers", "dogs", "sailors",
               "flowers", "engines", "rabbits", "clocks", "tourists", "workers"),
    "VERB_PAST": ("painted", "carried", "cleaned", "moved", "found", "sold", "hid", "dropped", "fixed", "borrowed",
                  "opened", "washed", "bought", "wrapped", "checked", "lifted"),
    "VERB_BASE": ("paint", "carry", "clean", "move", "find", "sell", "hide", "drop", "fix", "borrow", "open", "wash",
                  "buy", "wrap", "check", "lift"),
    "VERB_I": ("waited", "rested", "walked", "slept", "gathered", "played", "stopped", "danced", "worked", "shouted",
               "wandered", "appeared"),
    "PLACE": ("near the river", "in the kitchen", "behind the station", "under the bridge", "at the market",
              "beside the church", "on the hill", "in the old library", "by the harbor", "across the street",
              "inside the barn", "next to the school", "in the forest", "at the corner shop", "on the balcony"),
    "TIME": ("this morning", "last night", "after lunch", "before the storm", "on Sunday", "in the evening",
             "every winter", "at midnight", "yesterday", "two weeks ago", "during the summer", "at dawn"),
    "NUMBER": ("two", "three", "four", "five", "seven", "nine", "twelve", "several", "many", "some"),
    "SAID": ("said", "thought", "told us", "noticed", "believed", "wrote"),
    "STATE": ("too expensive", "already broken", "still missing", "very dirty", "quite heavy", "almost new",
              "much bigger", "really old", "far too small", "completely empty"),
}
PATTERNS: tuple[str, ...] = (
    "{NAME} {VERB_PAST} the {ADJ} {NOUN} {PLACE}.",
    "The {ADJ} {NOUN} was {STATE} {TIME}.",
    "Did {NAME} {VERB_BASE} the {NOUN} {TIME}?",
    "{NUMBER} {ADJ} {PLURAL} {VERB_I} {PLACE}.",
    "{NAME} {SAID} that the {NOUN} was {STATE}.",
    "Please {VERB_BASE} the {ADJ} {NOUN} {TIME}.",
    "{TIME}, {NAME} and {NAME} {VERB_I} {PLACE}.",
    "Why was the {NOUN} {PLACE} {STATE}?",
)
_SLOT = re.compile(r"{([A-Z_]+)}")


def _fill(pattern: str, rng: random.Random) -> str:
    text = _SLOT.sub(lambda m: rng.choice(SLOTS[m.group(1)]), pattern)
    return text[:1].upper() + text[1:]


def sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct English sentences (5 to 12 words) from the grammar above, in a seeded order."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 200_000:
        raise ConfigError(f"n={n!r} sentences must be a whole number in [1, 200000].")
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        text = _fill(rng.choice(PATTERNS), rng)
        names = [w.strip(",.?") for w in text.split() if w.strip(",.?") in SLOTS["NAME"]]
        if len(set(names)) == len(names):  # not "Anna and Anna"
            out.setdefault(text, None)
    return list(out)


def grammar_jsgf(name: str = "sentences") -> str:
    """The sentence grammar as a JSGF grammar (lower case, no punctuation), for a speech recogniser
    that should only consider the sentences the corpus can hold (the benchmark's pocketsphinx)."""
    rules = [f"<{slot.lower()}> = {' | '.join(w.lower() for w in words)};" for slot, words in SLOTS.items()]
    alts = [re.sub(r"[.,?]", "", _SLOT.sub(lambda m: f"<{m.group(1).lower()}>", p)).lower() for p in PATTERNS]
    return "\n".join([f"#JSGF V1.0;", f"grammar {name};", *rules,
                      f"public <{name}> = {' | '.join(f'( {a} )' for a in alts)};"]) + "\n"


def parallel_sentences(n_train_speakers: int = N_TRAIN_SPEAKERS, train_sentences: int = 150,
                       eval_sentences: int = 8, seed: int = 0) -> list[str]:
    """The held-out parallel sentences of :func:`synthesize_corpus` with these settings (the defaults:
    the benchmark's and the bundled model's corpus), without synthesising anything: no training
    utterance says them, so a model trained on the corpus has never heard them."""
    n_train = n_train_speakers * train_sentences
    return sentences(n_train + eval_sentences, seed=seed)[n_train:]


# ---------------------------------------------------------------------------- the corpus
@dataclass(frozen=True)
class Utterance:
    speaker: str
    text: str
    split: str  # "train" (non-parallel) or "eval" (parallel)
    sentence: int  # index of the sentence in the corpus's sentence list
    rate: int  # words per minute this rendering was spoken at


class SpeechCorpus:
    """Utterances with their waveforms (``wave(i)``, float32 at :attr:`sr`), speakers and splits."""

    def __init__(self, root: Path, utterances: list[Utterance], speakers: Sequence[Speaker], n_train_speakers: int,
                 sr: int, samples: np.ndarray, offsets: np.ndarray, texts: list[str]) -> None:
        self.root, self.utterances, self.sr = root, utterances, int(sr)
        self.speakers = tuple(speakers)
        self.train_speakers = tuple(s.name for s in self.speakers[:n_train_speakers])
        self.held_out_speakers = tuple(s.name for s in self.speakers[n_train_speakers:])
        self.texts = texts
        self._samples, self._offsets = samples, offsets

    def __len__(self) -> int:
        return len(self.utterances)

    def wave(self, i: int) -> np.ndarray:
        a, b = self._offsets[i], self._offsets[i + 1]
        return self._samples[a:b].astype(np.float32) / 32768.0

    def select(self, split: str | None = None, speakers: Sequence[str] | None = None) -> list[int]:
        """Indices of the utterances of ``split`` (``"train"``/``"eval"``) by ``speakers`` (None: all)."""
        keep = None if speakers is None else set(speakers)
        return [i for i, u in enumerate(self.utterances)
                if (split is None or u.split == split) and (keep is None or u.speaker in keep)]

    def log_mels(self, features=None, progress: bool = True) -> list[np.ndarray]:
        """Log-mel frames of every utterance as voice models train on them
        (:func:`aekit.voice.converter.utterance_log_mel`), computed once and cached beside the corpus."""
        from tqdm.auto import tqdm

        from ..voice.converter import utterance_log_mel
        from ..voice.features import FeatureConfig

        features = features or FeatureConfig()
        key = hashlib.sha256(json.dumps(features.to_dict(), sort_keys=True).encode()).hexdigest()[:10]
        path = self.root / f"logmel-{key}.npz"
        if path.exists():
            with np.load(path) as z:
                frames, offsets = z["frames"], z["offsets"]
            if len(offsets) == len(self) + 1:
                return [frames[:, offsets[i]:offsets[i + 1]] for i in range(len(self))]
        mels = [utterance_log_mel(self.wave(i), self.sr, features, f"utterance {i}")
                for i in tqdm(range(len(self)), desc="log-mel features", unit="utt", disable=not progress)]
        offsets = np.concatenate([[0], np.cumsum([m.shape[1] for m in mels])]).astype(np.int64)
        with atomic_file(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, frames=np.concatenate(mels, axis=1), offsets=offsets)
        return mels

    def speaker_index(self, name: str) -> int:
        return [s.name for s in self.speakers].index(name)

    def __repr__(self) -> str:
        n_train = sum(u.split == "train" for u in self.utterances)
        return (f"SpeechCorpus({len(self.speakers)} speakers, {n_train} training + {len(self) - n_train} "
                f"evaluation utterances at {self.sr} Hz, {str(self.root)!r})")


def cache_dir() -> Path:
    """Where aekit caches built data: ``$AEKIT_CACHE``, else ``$XDG_CACHE_HOME/aekit`` or ``~/.cache/aekit``."""
    if os.environ.get("AEKIT_CACHE"):
        return Path(os.environ["AEKIT_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aekit"


def synthesize_corpus(root: str | os.PathLike | None = None, *, speakers: Sequence[Speaker] = SPEAKERS,
                      n_train_speakers: int = N_TRAIN_SPEAKERS, train_sentences: int = 150,
                      eval_sentences: int = 8, seed: int = 0, progress: bool = True) -> SpeechCorpus:
    """The synthesised corpus, built once and then read from ``root`` (default ``cache_dir()/speech``).

    Each of the first ``n_train_speakers`` speakers says ``train_sentences`` sentences of its own
    (non-parallel); every speaker says the same ``eval_sentences`` further sentences (parallel).
    """
    speakers = tuple(speakers)
    names = [s.name for s in speakers]
    if len(set(names)) != len(names) or not speakers:
        raise ConfigError(f"speakers need distinct names; got {names}.")
    for value, name, lo in ((n_train_speakers, "n_train_speakers", 1), (train_sentences, "train_sentences", 1),
                            (eval_sentences, "eval_sentences", 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            raise ConfigError(f"{name}={value!r} must be a whole number >= {lo}.")
    if n_train_speakers > len(speakers):
        raise ConfigError(f"n_train_speakers={n_train_speakers} exceeds the {len(speakers)} speakers given.")
    engine = ESpeak.get()
    spec = {"speakers": [asdict(s) for s in speakers], "n_train_speakers": n_train_speakers,
            "train_sentences": train_sentences, "eval_sentences": eval_sentences, "seed": seed,
            "grammar": GRAMMAR_VERSION, "espeak": engine.version, "rate_jitter": RATE_JITTER}
    texts, _ = _plan(spec, speakers)  # the sentences themselves are part of the key: a grammar edit rebuilds
    spec["texts_sha256"] = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    folder = Path(root) if root is not None else cache_dir() / "speech"
    folder = folder / f"corpus-{key}"
    if not (folder / "manifest.json").exists():
        _build(folder, spec, speakers, engine, progress)
    return _read(folder)


def _plan(spec: dict, speakers: Sequence[Speaker]) -> tuple[list[str], list[Utterance]]:
    n_train = spec["n_train_speakers"] * spec["train_sentences"]
    texts = sentences(n_train + spec["eval_sentences"], seed=spec["seed"])
    rng = random.Random(spec["seed"] + 1)
    plan = []
    for k, spk in enumerate(speakers[:spec["n_train_speakers"]]):
        for j in range(spec["train_sentences"]):
            s = k * spec["train_sentences"] + j  # disjoint blocks: no sentence is said by two speakers
            plan.append(Utterance(spk.name, texts[s], "train", s, _jitter(spk.rate, rng)))
    for spk in speakers:
        for s in range(n_train, len(texts)):
            plan.append(Utterance(spk.name, texts[s], "eval", s, _jitter(spk.rate, rng)))
    return texts, plan


def _jitter(rate: int, rng: random.Random) -> int:
    return int(round(rate * (1 + rng.uniform(-RATE_JITTER, RATE_JITTER))))


def _build(folder: Path, spec: dict, speakers: Sequence[Speaker], engine: ESpeak, progress: bool) -> None:
    from tqdm.auto import tqdm

    texts, plan = _plan(spec, speakers)
    by_name = {s.name: s for s in speakers}
    waves = []
    for u in tqdm(plan, desc="synthesising speech", unit="utt", disable=not progress):
        spk = by_name[u.speaker]
        w = engine.synth(u.text, spk.voice, u.rate, spk.pitch, spk.pitch_range)
        if len(w) == 0:
            raise DataError(f"eSpeak NG produced no audio for {u.text!r} by {spk.voice!r}.")
        waves.append(np.clip(np.round(w * 32768.0), -32768, 32767).astype(np.int16))
    offsets = np.concatenate([[0], np.cumsum([len(w) for w in waves])]).astype(np.int64)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_file(folder / "samples.npy") as tmp:
        with open(tmp, "wb") as f:
            np.save(f, np.concatenate(waves))
    with atomic_file(folder / "offsets.npy") as tmp:
        with open(tmp, "wb") as f:
            np.save(f, offsets)
    manifest = {"spec": spec, "sr": engine.sample_rate, "texts": texts,
                "utterances": [asdict(u) for u in plan]}
    write_text(folder / "manifest.json", json.dumps(manifest, indent=1))  # last: marks the cache complete


def _read(folder: Path) -> SpeechCorpus:
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        samples = np.load(folder / "samples.npy", mmap_mode="r")
        offsets = np.load(folder / "offsets.npy")
        spec = manifest["spec"]
        speakers = [Speaker(**s) for s in spec["speakers"]]
        utts = [Utterance(**u) for u in manifest["utterances"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"the speech corpus cache {str(folder)!r} is corrupt ({exc}); delete the folder and it is "
                        "built again.") from None
    if len(offsets) != len(utts) + 1 or offsets[-1] != len(samples):
        raise DataError(f"the speech corpus cache {str(folder)!r} is incomplete; delete it and it is built again.")
    return SpeechCorpus(folder, utts, speakers, spec["n_train_speakers"], manifest["sr"], samples, offsets,
                        manifest["texts"])


# ---------------------------------------------------------------------------- recorded speakers
@dataclass(frozen=True)
class RecordedSpeaker:
    """A folder of one speaker's recordings, searched recursively for audio files."""

    name: str
    folder: str
    language: str = ""


_ASTERISK = "/usr/share/asterisk/sounds"
#: Real prompts that Debian packages ship (about 8 kHz, one speaker each); the benchmark's five voices.
ASTERISK_SPEAKERS: tuple[RecordedSpeaker, ...] = (
    RecordedSpeaker("en_allison", f"{_ASTERISK}/en_US_f_Allison", "en"),  # asterisk-core-sounds-en-wav (US)
    RecordedSpeaker("fr_june", f"{_ASTERISK}/fr_CA_f_June", "fr"),  # asterisk-core-sounds-fr-wav (Canadian)
    RecordedSpeaker("it_menardi", f"{_ASTERISK}/it_IT_f_Menardi", "it"),  # asterisk-prompt-it-menardi-wav
    RecordedSpeaker("fr_armelle", f"{_ASTERISK}/fr", "fr"),  # asterisk-prompt-fr-armelle (raw GSM)
    RecordedSpeaker("es_co", f"{_ASTERISK}/es", "es"),  # asterisk-prompt-es-co (raw GSM)
)
ASTERISK_TRANSCRIPTS = "/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"  # asterisk-core-sounds-en
ASTERISK_INSTALL = ("apt-get install asterisk-core-sounds-en-wav asterisk-core-sounds-fr-wav "
                    "asterisk-prompt-it-menardi-wav asterisk-prompt-fr-armelle asterisk-prompt-es-co")


def asterisk_transcripts(path: str | os.PathLike = ASTERISK_TRANSCRIPTS) -> dict[str, str]:
    """``{prompt: text}`` of the English core sounds (``"digits/1"``, ``"agent-pass"``, ...); prompts
    whose text is a description in brackets (tones, silence) are left out."""
    import gzip

    out = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            key, sep, text = line.partition(":")
            text = text.strip()
            if sep and not line.startswith(";") and text and not text.startswith("["):
                out[key.strip()] = text
    return out


def audio_files(folder: str | os.PathLike) -> list[Path]:
    """The audio files under ``folder`` (recursively), sorted; one format per prompt (WAV preferred
    when a prompt exists as both ``x.wav`` and ``x.gsm``)."""
    from ..voice.audio import AUDIO_SUFFIXES

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"speaker folder {str(folder)!r} does not exist.")
    by_stem: dict[Path, Path] = {}
    rank = {".wav": 0, ".flac": 1, ".ogg": 2, ".gsm": 3}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES:
            stem = p.with_suffix("")
            if stem not in by_stem or rank.get(p.suffix.lower(), 9) < rank.get(by_stem[stem].suffix.lower(), 9):
                by_stem[stem] = p
    return sorted(by_stem.values())


def load_speaker_folders(speakers: Sequence[RecordedSpeaker] | dict[str, str], *, sr: int = 16000,
                         min_seconds: float = 0.5, max_seconds: float = 30.0, max_files: int | None = None,
                         progress: bool = True) -> Iterator[tuple[str, Path, np.ndarray]]:
    """``(speaker, path, wave at sr)`` for every usable recording of every speaker folder.

    ``speakers``: :class:`RecordedSpeaker` s or ``{name: folder}``. Recordings shorter than
    ``min_seconds`` or longer than ``max_seconds``, silent, or unreadable are skipped (counted in
    the progress bar), so one bad prompt does not stop a corpus.
    """
    from tqdm.auto import tqdm

    from ..voice.audio import load_wave

    if isinstance(speakers, dict):
        speakers = [RecordedSpeaker(k, str(v)) for k, v in speakers.items()]
    missing = [s.folder for s in speakers if not Path(s.folder).is_dir()]
    if missing:
        raise FileNotFoundError(f"speaker folder(s) {missing} do not exist; for the Asterisk prompts run: "
                                f"{ASTERISK_INSTALL}")
    for spk in speakers:
        files = audio_files(spk.folder)[:max_files]
        if not files:
            raise DataError(f"speaker folder {spk.folder!r} holds no audio files (WAV, FLAC, OGG, GSM).")
        skipped = 0
        bar = tqdm(files, desc=f"reading {spk.name}", unit="file", disable=not progress, leave=False)
        for path in bar:
            try:
                wave, _ = load_wave(path, sr, min_seconds=min_seconds, max_seconds=max_seconds)
            except DataError:
                skipped += 1
                bar.set_postfix(skipped=skipped, refresh=False)
                continue
            yield spk.name, path, wave


__all__ = ["ASTERISK_INSTALL", "ASTERISK_SPEAKERS", "ASTERISK_TRANSCRIPTS", "asterisk_transcripts", "ESpeak", "N_TRAIN_SPEAKERS", "RecordedSpeaker", "SPEAKERS",
           "parallel_sentences", "Speaker", "SpeechCorpus", "Utterance", "audio_files", "cache_dir", "load_speaker_folders", "sentences",
           "synthesize_corpus"]
