"""VoiceConverter: a tiny model trained on a tiny synthesised corpus in seconds; conversion at any
length, rate and channel count; the save/load round trip; bad input."""

from __future__ import annotations

import numpy as np
import pytest

import aekit.voice
from aekit.errors import CheckpointError, DataError, NotFittedError
from aekit.voice import VoiceConverter, convert, load_converter


def test_training_ran_through_the_one_trainer(tiny_converter):
    h = tiny_converter.history_
    assert h.epochs_run == 3 and len(h.terms) == 3 and "recon" in h.terms[-1]
    assert tiny_converter.model_config_.model == "adain_vc" and tiny_converter.mel_mean_.shape == (80,)


def test_convert_keeps_the_source_length_rate_and_loudness(tiny_converter, tiny_corpus):
    ev = tiny_corpus.select("eval")
    src, ref, sr = tiny_corpus.wave(ev[0]), tiny_corpus.wave(ev[-1]), tiny_corpus.sr
    out = tiny_converter.convert(src, ref, sr)
    assert out.dtype == np.float32 and out.shape == src.shape and np.isfinite(out).all()
    rms = lambda w: np.sqrt(np.mean(w ** 2))  # noqa: E731
    assert 0.2 < rms(out) / rms(src) < 5
    # another rate and stereo in, any lengths: the output follows the source
    import librosa

    src8 = librosa.resample(src, orig_sr=sr, target_sr=8000)
    out8 = tiny_converter.convert(np.stack([src8, src8], 1), ref[: sr // 2], 8000, target_sr=sr)
    assert out8.shape == src8.shape
    long = np.tile(src, 8)  # ~20 s
    assert tiny_converter.convert(long, ref, sr).shape == long.shape


def test_codes_of_an_utterance(tiny_converter, tiny_corpus):
    w = tiny_corpus.wave(0)
    assert tiny_converter.speaker_embedding(w, tiny_corpus.sr).shape == (8,)
    code = tiny_converter.content_code(w, tiny_corpus.sr)
    assert code.ndim == 2 and code.shape[1] == 4


def test_save_load_round_trip_and_the_module_function(tiny_converter, tiny_model_dir, tiny_corpus):
    back = VoiceConverter.load(tiny_model_dir)
    src, ref = tiny_corpus.wave(1), tiny_corpus.wave(2)
    np.testing.assert_array_equal(back.convert(src, ref, tiny_corpus.sr), tiny_converter.convert(src, ref, tiny_corpus.sr))
    np.testing.assert_array_equal(convert(src, ref, tiny_corpus.sr, model=tiny_model_dir),
                                  back.convert(src, ref, tiny_corpus.sr))
    assert load_converter(back) is back


def test_half_storage_halves_the_file_and_loads_as_float32(tiny_converter, tiny_corpus, tmp_path):
    """save(half=True), as the bundled model ships: float16 on disk, float32 once loaded, converting
    nearly as the float32 model does."""
    from safetensors.torch import load_file

    tiny_converter.save(tmp_path / "full")
    tiny_converter.save(tmp_path / "half", half=True)
    full, half = (tmp_path / "full" / "model.safetensors"), (tmp_path / "half" / "model.safetensors")
    stored = load_file(str(half))
    assert {str(v.dtype) for k, v in stored.items() if k.startswith("model.") and v.is_floating_point()} == {"torch.float16"}
    assert half.stat().st_size < 0.6 * full.stat().st_size
    back = VoiceConverter.load(tmp_path / "half")
    assert all(p.dtype.is_floating_point and str(p.dtype) == "torch.float32" for p in back.model_.parameters())
    src, ref = tiny_corpus.wave(1), tiny_corpus.wave(2)
    a, b = tiny_converter.convert_mel(back.mel(src, tiny_corpus.sr), back.mel(ref, tiny_corpus.sr)), \
        back.convert_mel(back.mel(src, tiny_corpus.sr), back.mel(ref, tiny_corpus.sr))
    assert np.abs(a - b).max() < 0.05 * np.abs(a).max()


def test_bad_input_is_one_clear_error(tiny_converter):
    sr = 16000
    speech = (0.2 * np.sin(np.arange(sr) * 0.05)).astype(np.float32)
    cases = [(np.zeros(sr), speech, "the source is silent"), (speech, np.zeros(sr), "the target is silent"),
             (speech[:800], speech, r"the source is too short: 0\.050 s"),
             (speech, np.full(sr, np.inf), "the target holds NaN or infinite"),
             (np.zeros(sr * 601, np.float32) + 0.1, speech, "the source is too long: 601 s; give at most 600 s")]
    for src, ref, match in cases:
        with pytest.raises(DataError, match=match):
            tiny_converter.convert(src, ref, sr)
    with pytest.raises(DataError, match="at least 2 training utterances"):
        VoiceConverter().fit([speech], sr)
    with pytest.raises(NotFittedError, match="not fitted"):
        VoiceConverter().convert(speech, speech, sr)
    with pytest.raises(DataError, match=r"training spectrograms must be \(80, frames\)"):
        VoiceConverter().fit_features([np.zeros((80, 10)), np.zeros((40, 10))])


def test_broken_model_folders_are_clear_errors(tiny_model_dir, tmp_path, monkeypatch):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(tiny_model_dir, bad)
    with open(bad / "model.safetensors", "r+b") as f:
        f.seek(200)
        f.write(b"\0\0\0\0")
    with pytest.raises(CheckpointError, match="does not match the SHA-256"):
        VoiceConverter.load(bad)
    with pytest.raises(FileNotFoundError):
        VoiceConverter.load(tmp_path / "nothing")
    monkeypatch.setattr(aekit.voice, "PRETRAINED", tmp_path / "no-weights")
    with pytest.raises(FileNotFoundError, match="scripts/train_voice_model.py"):
        load_converter(None)


def test_fine_tuning_starts_from_the_given_weights(tiny_converter, tiny_corpus):
    TINY = tiny_converter.get_params()  # the shared tiny recipe
    idx = tiny_corpus.select("train")
    mels = [tiny_converter.unstandardise(tiny_converter.mel(tiny_corpus.wave(i), tiny_corpus.sr)) for i in idx]
    # zero epochs of training would be the initial weights: one epoch at a tiny rate stays close to them
    tuned = VoiceConverter(**{**TINY, "epochs": 1, "lr": 1e-7}).fit_features(mels, init=tiny_converter)
    fresh = VoiceConverter(**{**TINY, "epochs": 1, "lr": 1e-7}).fit_features(mels)
    a, b = tiny_converter.model_.state_dict(), tuned.model_.state_dict()
    near = max(float((a[k] - b[k]).abs().max()) for k in a)
    far = max(float((a[k] - fresh.model_.state_dict()[k]).abs().max()) for k in a)
    assert near < 1e-3 < far
    other = VoiceConverter(**{**TINY, "latent_dim": 6})
    with pytest.raises(Exception, match="does not match this converter's architecture"):
        other.fit_features(mels, init=tiny_converter)


def test_callbacks_convert_with_the_model_in_training_and_a_failed_fit_leaves_no_model(tiny_converter, tiny_corpus):
    """A callback sees the model being trained (it can convert with the converter each epoch, as the
    benchmark's epoch choice does); an error raised from one stops training and leaves a converter
    that was not fitted before still unfitted, not half-trained."""
    idx = tiny_corpus.select("train")
    mels = [tiny_converter.unstandardise(tiny_converter.mel(tiny_corpus.wave(i), tiny_corpus.sr)) for i in idx]
    src, ref = tiny_converter.mel(tiny_corpus.wave(idx[0]), tiny_corpus.sr), mels[-1]
    TINY = tiny_converter.get_params()  # the shared tiny recipe
    vc = VoiceConverter(**{**TINY, "epochs": 2})
    seen = []

    def record(trainer, epoch, logs):
        seen.append((epoch, vc.model_.training, vc.convert_mel(src, vc.standardise(ref)).shape))

    vc.fit_features(mels, callbacks=[record])
    assert seen == [(1, True, src.shape), (2, True, src.shape)] and not vc.model_.training

    def fail(trainer, epoch, logs):
        raise RuntimeError("stop here")

    broken = VoiceConverter(**{**TINY, "epochs": 2})
    with pytest.raises(RuntimeError, match="stop here"):
        broken.fit_features(mels, callbacks=[fail])
    with pytest.raises(NotFittedError):
        broken.convert_mel(src, src)


def test_the_bundled_model_steers_the_voice(tiny_corpus):
    """Quality, on real (synthesised) speech: with the bundled model, a man's new sentence decoded
    with a woman's reference comes out with a spectral colouring nearer hers than when decoded with
    his own reference, and the other way round (log-mels, before the vocoder; margins of 20 %)."""
    vc = load_converter(None)
    names = [s.name for s in tiny_corpus.speakers]
    ev = {(tiny_corpus.utterances[i].speaker, tiny_corpus.utterances[i].sentence): i
          for i in tiny_corpus.select("eval")}
    (man, woman), (k0, k1) = names[:2], sorted({k for _, k in ev})
    mel = lambda spk, k: vc.mel(tiny_corpus.wave(ev[(spk, k)]), tiny_corpus.sr)  # noqa: E731
    src = mel(man, k0)
    to_woman, to_man = vc.convert_mel(src, mel(woman, k1)).mean(1), vc.convert_mel(src, mel(man, k1)).mean(1)
    pm, pw = mel(man, k0).mean(1), mel(woman, k0).mean(1)  # each voice's average spectrum, this sentence
    d = lambda p, q: float(np.linalg.norm(p - q))  # noqa: E731
    assert d(to_woman, pw) < 0.8 * d(to_man, pw)
    assert d(to_man, pm) < 0.8 * d(to_woman, pm)
