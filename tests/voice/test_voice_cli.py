"""``aekit convert`` and ``aekit speakers`` on files; bad files are one line on stderr, exit code 2."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from aekit.cli import main
from aekit.voice import VoiceConverter, read_audio


@pytest.fixture(scope="module")
def files(tiny_corpus, tmp_path_factory):
    root = tmp_path_factory.mktemp("audio")
    ev = tiny_corpus.select("eval")
    sf.write(root / "src.wav", np.stack([tiny_corpus.wave(ev[0])] * 2, 1), tiny_corpus.sr)  # stereo, 22.05 kHz
    sf.write(root / "ref.flac", tiny_corpus.wave(ev[-1]), tiny_corpus.sr)
    for name in tiny_corpus.train_speakers:  # one folder per speaker
        (root / name).mkdir()
        for i in tiny_corpus.select("train", [name])[:3]:
            sf.write(root / name / f"{i}.wav", tiny_corpus.wave(i), tiny_corpus.sr)
    (root / "bad.wav").write_text("no audio here")
    sf.write(root / "silent.wav", np.zeros(8000, np.float32), 8000)
    return root


def test_convert_writes_the_source_length_at_its_rate(tiny_model_dir, files, tmp_path, capsys):
    out = tmp_path / "out.wav"
    assert main(["convert", "--model", str(tiny_model_dir), "--source", str(files / "src.wav"), "--target",
                 str(files / "ref.flac"), "-o", str(out), "--iterations", "4", "--threads", "1"]) == 0
    wave, sr = read_audio(out)
    src, src_sr = read_audio(files / "src.wav")
    assert sr == src_sr and len(wave) == len(src) and "wrote" in capsys.readouterr().out
    expected = VoiceConverter.load(tiny_model_dir).convert(src, read_audio(files / "ref.flac")[0], sr)
    np.testing.assert_allclose(wave, expected, atol=2 / 32768 + 1e-4 * np.abs(expected).max() / 0.999)


@pytest.mark.parametrize("source, target, output, match", [
    ("bad.wav", "ref.flac", "o.wav", "cannot read .*bad.wav.* as audio"),
    ("silent.wav", "ref.flac", "o.wav", "the source is silent"),
    ("src.wav", "silent.wav", "o.wav", "the target is silent"),
    ("missing.wav", "ref.flac", "o.wav", "does not exist"),
    ("src.wav", "ref.flac", "o.mp3", r"must end in \.wav, \.flac or \.ogg"),
])
def test_convert_errors_are_one_line(tiny_model_dir, files, tmp_path, capsys, source, target, output, match):
    rc = main(["convert", "--model", str(tiny_model_dir), "--source", str(files / source), "--target",
               str(files / target), "-o", str(tmp_path / output)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and err.startswith("aekit convert: error:")
    import re

    assert re.search(match, err), err
    assert not (tmp_path / output).exists()


def test_convert_with_a_model_folder_that_is_not_one(files, tmp_path, capsys):
    assert main(["convert", "--model", str(tmp_path), "--source", str(files / "src.wav"), "--target",
                 str(files / "ref.flac"), "-o", str(tmp_path / "o.wav")]) == 2
    assert "not an aekit checkpoint" in capsys.readouterr().err


def test_speakers_maps_folders_and_skips_bad_files(tiny_model_dir, files, tmp_path, capsys):
    png, csv = tmp_path / "map.png", tmp_path / "emb.csv"
    rc = main(["speakers", "--model", str(tiny_model_dir), *(str(files / s) for s in ("m1", "f1")),
               str(files / "ref.flac"), "-o", str(png), "--embeddings", str(csv)])
    assert rc == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = csv.read_text().splitlines()
    assert rows[0].startswith("label,file,s0") and len(rows) == 1 + 7
    assert {r.split(",")[0] for r in rows[1:]} == {"m1", "f1", files.name}
    assert "7 recordings of 3 speakers" in capsys.readouterr().out
    # a folder with unusable files: they are skipped and counted; a bad file named on its own is an error
    rc = main(["speakers", "--model", str(tiny_model_dir), str(files), "-o", str(png), "--method", "tsne"])
    assert rc == 0 and "skipped 2 unusable" in capsys.readouterr().out
    assert main(["speakers", "--model", str(tiny_model_dir), str(files / "bad.wav"), "-o", str(png)]) == 2
    assert "cannot read" in capsys.readouterr().err
