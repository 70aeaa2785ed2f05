"""The synthesised corpus (eSpeak NG in-process) and folders of recorded speakers."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

from aekit.data import speech
from aekit.data.speech import (SPEAKERS, ESpeak, Speaker, audio_files, grammar_jsgf, load_speaker_folders, sentences,
                               synthesize_corpus)
from aekit.errors import ConfigError, DataError


def test_grammar_makes_thousands_of_distinct_sentences_reproducibly():
    s = sentences(2000)
    assert len(set(s)) == 2000 and s == sentences(2000) and s != sentences(2000, seed=1)
    assert all(5 <= len(x.split()) <= 12 and x[0].isupper() and x[-1] in ".?" for x in s)
    assert not any(re.search(r"\b(\w+) and \1\b", x) for x in s)
    jsgf = grammar_jsgf()
    assert jsgf.startswith("#JSGF V1.0;") and "public <sentences> =" in jsgf and "<noun> = basket |" in jsgf


def test_speakers_are_sixteen_distinct_variants_and_checked():
    assert len(SPEAKERS) == 16 and speech.N_TRAIN_SPEAKERS == 12
    assert len({s.voice for s in SPEAKERS}) == 16  # distinct variants: pitch alone does not make a speaker
    with pytest.raises(ConfigError, match=r"pitch=120 must be a whole number in \[0, 100\]"):
        Speaker("x", "en-us+m1", pitch=120)
    with pytest.raises(ConfigError, match="has no voice 'en-us\\+nobody'"):
        ESpeak.get().synth("hello", "en-us+nobody")


def test_espeak_speaks_in_process():
    engine = ESpeak.get()
    w = engine.synth("Hello there.", "en-us+f3")
    assert engine.sample_rate == 22050 and w.dtype == np.float32 and 0.3 < len(w) / 22050 < 3
    assert 0.05 < np.abs(w).max() <= 1.0


def test_tiny_corpus_is_non_parallel_for_training_and_parallel_for_evaluation(tiny_corpus):
    c = tiny_corpus
    train = [c.utterances[i] for i in c.select("train")]
    assert len(train) == 10 and {u.speaker for u in train} == set(c.train_speakers)
    by_speaker = {}
    for u in train:
        by_speaker.setdefault(u.speaker, set()).add(u.text)
    a, b = by_speaker.values()
    assert not a & b  # nobody says another speaker's training sentence
    evals = [c.utterances[i] for i in c.select("eval")]
    texts = {s: {u.text for u in evals if u.speaker == s} for s in [x.name for x in c.speakers]}
    assert len(set(map(frozenset, texts.values()))) == 1 and len(next(iter(texts.values()))) == 2
    assert not next(iter(texts.values())) & (a | b)  # evaluation sentences are never trained on
    assert c.held_out_speakers == ("m2",)
    w = c.wave(0)
    assert w.dtype == np.float32 and len(w) / c.sr > 0.5


def test_parallel_sentences_are_the_corpus_evaluation_sentences_without_synthesis(tiny_corpus):
    """The tour renders the held-out sentences itself: they must be the corpus's evaluation sentences,
    none of which any training utterance says."""
    held = speech.parallel_sentences(n_train_speakers=2, train_sentences=5, eval_sentences=2)
    evals = [tiny_corpus.utterances[i].text for i in tiny_corpus.select("eval")]
    assert held == list(dict.fromkeys(evals))
    assert not set(held) & {tiny_corpus.utterances[i].text for i in tiny_corpus.select("train")}
    # the defaults are the benchmark's corpus: 12 speakers x 150 training sentences, then 8 held out
    assert speech.parallel_sentences() == sentences(12 * 150 + 8)[-8:]


def test_corpus_is_cached_and_not_synthesised_again(tiny_corpus, monkeypatch):
    def fail(*a, **k):
        raise AssertionError("synthesised again")

    monkeypatch.setattr(ESpeak, "synth", fail)
    again = synthesize_corpus(tiny_corpus.root.parent, speakers=tiny_corpus.speakers, n_train_speakers=2,
                              train_sentences=5, eval_sentences=2, progress=False)
    assert again.root == tiny_corpus.root and len(again) == len(tiny_corpus)
    np.testing.assert_array_equal(again.wave(3), tiny_corpus.wave(3))
    mels = tiny_corpus.log_mels(progress=False)
    assert len(mels) == len(tiny_corpus) and mels[0].shape[0] == 80
    np.testing.assert_array_equal(tiny_corpus.log_mels(progress=False)[4], mels[4])  # from the cache


def test_corrupt_cache_is_a_clear_error(tmp_path):
    c = synthesize_corpus(tmp_path, speakers=SPEAKERS[:2], n_train_speakers=1, train_sentences=1, eval_sentences=2,
                          progress=False)
    (c.root / "offsets.npy").write_bytes(b"garbage")
    with pytest.raises(DataError, match="corrupt.*delete the folder"):
        synthesize_corpus(tmp_path, speakers=SPEAKERS[:2], n_train_speakers=1, train_sentences=1, eval_sentences=2,
                          progress=False)


def test_bad_corpus_settings_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="n_train_speakers=5 exceeds the 2 speakers"):
        synthesize_corpus(tmp_path, speakers=SPEAKERS[:2], n_train_speakers=5, progress=False)
    with pytest.raises(ConfigError, match="distinct names"):
        synthesize_corpus(tmp_path, speakers=(SPEAKERS[0], SPEAKERS[0]), progress=False)


def test_speaker_folders_skip_bad_recordings(tmp_path):
    sr = 8000
    t = np.arange(sr) / sr
    voice = (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    a, b = tmp_path / "a", tmp_path / "b" / "sub"
    b.mkdir(parents=True)
    a.mkdir()
    sf.write(a / "one.wav", voice, sr)
    sf.write(a / "one.gsm", voice, sr, format="RAW", subtype="GSM610")  # the same prompt twice: WAV wins
    sf.write(a / "quiet.wav", np.zeros(sr, np.float32), sr)  # silent: skipped
    (a / "broken.wav").write_text("not audio")  # corrupt: skipped
    sf.write(b / "two.gsm", voice, sr, format="RAW", subtype="GSM610")
    assert [p.name for p in audio_files(a)] == ["broken.wav", "one.wav", "quiet.wav"]
    got = list(load_speaker_folders({"a": a, "b": tmp_path / "b"}, sr=16000, progress=False))
    assert [(s, p.name) for s, p, _ in got] == [("a", "one.wav"), ("b", "two.gsm")]
    assert all(abs(len(w) - 16000) < 800 for _, _, w in got)
    with pytest.raises(FileNotFoundError, match="apt-get install asterisk"):
        list(load_speaker_folders({"x": tmp_path / "missing"}))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no audio files"):
        list(load_speaker_folders({"x": tmp_path / "empty"}, progress=False))
