"""Audio in and out: every kind of bad input is one clear error, never a crash."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from aekit.errors import ConfigError, DataError
from aekit.voice.audio import check_wave, load_wave, read_audio, resample, write_wav

SR = 16000


def tone(seconds=1.0, sr=SR, f=220.0):
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * f * t)).astype(np.float32)


def test_stereo_either_way_round_is_mixed_to_mono():
    x = tone()
    assert check_wave(np.stack([x, x], 1), SR).shape == x.shape
    assert check_wave(np.stack([x, x], 0), SR).shape == x.shape


def test_int16_scaled_samples_are_brought_to_full_scale():
    y = check_wave(tone() * 30000, SR)
    assert np.abs(y).max() == pytest.approx(1.0)


@pytest.mark.parametrize("wave, sr, match", [
    (np.zeros(SR), SR, r"is silent \(peak amplitude 0"),
    (tone(0.1), SR, r"too short: 0\.100 s at 16000 Hz; give at least 0\.25 s"),
    (np.full(SR, np.nan), SR, "NaN or infinite"),
    (np.zeros((3, 3, 3)), SR, "must be mono"),
    ("not audio", SR, "must be an array of audio samples"),
])
def test_bad_arrays_are_clear_errors(wave, sr, match):
    with pytest.raises(DataError, match=match):
        check_wave(wave, sr, "the source")


def test_extreme_lengths_and_rates_are_clear_errors():
    with pytest.raises(DataError, match=r"too long: 20 s; give at most 10 s"):
        check_wave(np.broadcast_to(np.float32(0.1), (20 * 1000,)), 1000, max_seconds=10)
    for sr in (0, 44.1, "16k", True, 10**7):
        with pytest.raises(ConfigError, match="sample rate"):
            check_wave(tone(), sr)


def test_files_any_rate_and_channels(tmp_path):
    sf.write(tmp_path / "a.wav", np.stack([tone(sr=44100)] * 2, 1), 44100)
    wave, sr = load_wave(tmp_path / "a.wav", SR)
    assert sr == SR and wave.ndim == 1 and abs(len(wave) - SR) <= 1
    sf.write(tmp_path / "b.flac", tone(sr=8000), 8000)
    assert read_audio(tmp_path / "b.flac")[1] == 8000


def test_raw_gsm_prompts_read_as_8khz(tmp_path):
    # headerless GSM 6.10, as Asterisk ships its prompts
    sf.write(tmp_path / "p.gsm", tone(sr=8000), 8000, format="RAW", subtype="GSM610")
    wave, sr = read_audio(tmp_path / "p.gsm")
    assert sr == 8000 and abs(len(wave) - 8000) < 400 and np.abs(wave).max() > 0.1


def test_bad_files_are_clear_errors(tmp_path):
    (tmp_path / "text.wav").write_text("this is not audio at all")
    (tmp_path / "empty.wav").write_bytes(b"")
    sf.write(tmp_path / "good.wav", tone(), SR)
    data = (tmp_path / "good.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[:30])  # a header cut short
    sf.write(tmp_path / "silent.wav", np.zeros(SR, np.float32), SR)
    with pytest.raises(DataError, match=r"cannot read .*text\.wav.* as audio .*give a WAV, FLAC, OGG or GSM"):
        read_audio(tmp_path / "text.wav")
    with pytest.raises(DataError, match="is empty"):
        read_audio(tmp_path / "empty.wav")
    with pytest.raises(DataError, match="cannot read .*cut.wav"):
        read_audio(tmp_path / "cut.wav")
    with pytest.raises(DataError, match="silent.wav.* is silent"):
        load_wave(tmp_path / "silent.wav")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_audio(tmp_path / "missing.wav")
    with pytest.raises(DataError, match="is a folder"):
        read_audio(tmp_path)


def test_resample_and_atomic_write(tmp_path):
    y = resample(tone(sr=22050), 22050, SR)
    assert abs(len(y) - SR) <= 1
    write_wav(tmp_path / "o.wav", 2 * tone(), SR)  # too loud: scaled, not clipped
    back, sr = read_audio(tmp_path / "o.wav")
    assert sr == SR and np.abs(back).max() < 1.0 and list(tmp_path.iterdir()) == [tmp_path / "o.wav"]
    with pytest.raises(ConfigError, match=r"\.wav, \.flac or \.ogg"):
        write_wav(tmp_path / "o.mp4", tone(), SR)
