"""The voice panel's endpoint, POST /api/convert (FastAPI's TestClient, no network): a WAV of the
source's length and rate, in the reference's voice, as the library converts it; every limit with its
one-line message, checked before the model is loaded; the model list and the OpenAPI schema."""

from __future__ import annotations

import base64
import io
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

pytest.importorskip("librosa", reason="pip install -e '.[serve]' brings the voice packages")
sf = pytest.importorskip("soundfile")

from aekit.serve import create_app  # noqa: E402
from aekit.serve.audio import AudioLimits  # noqa: E402
from conftest import png_bytes, wav_bytes  # noqa: E402

LIMITS = AudioLimits(max_bytes=400_000, max_seconds=6.0)


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    """A models folder holding one voice model folder (a copy of the bundled one, under another name)."""
    from aekit.voice import PRETRAINED

    root = tmp_path_factory.mktemp("voices")
    shutil.copytree(PRETRAINED, root / "voices" / "mine")
    return root


@pytest.fixture(scope="module")
def client(voices):
    return TestClient(create_app(voices, audio_limits=LIMITS))


def _post(client, source: bytes, reference: bytes, **data):
    return client.post("/api/convert", files={"source": ("me.wav", source), "reference": ("them.wav", reference)},
                       data=data)


def _wav(url: str) -> tuple[np.ndarray, int, int]:
    head, _, data = url.partition(",")
    assert head == "data:audio/wav;base64"
    info = sf.info(io.BytesIO(base64.b64decode(data)))
    wave, sr = sf.read(io.BytesIO(base64.b64decode(data)), dtype="float32")
    return wave, sr, info.channels


def _cos(a, b) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_the_result_is_the_sources_length_in_the_references_voice(client, speech):
    from aekit.voice import load_converter

    source, reference, sr = speech
    r = _post(client, wav_bytes(source, sr), wav_bytes(reference, sr))
    assert r.status_code == 200, r.text
    body = r.json()
    out, out_sr, channels = _wav(body["audio"])
    assert out_sr == sr and channels == 1 and len(out) == len(source)  # as long as the source, at its rate
    assert body["result"]["seconds"] == pytest.approx(len(source) / sr) and body["audio_bytes"] > 2 * len(source)
    assert body["model"] == "espeak"  # the bundled model is the default
    # what the library gives for the same files (16-bit WAV in and out: within two quantisation steps)
    vc = load_converter()
    src16, ref16 = (sf.read(io.BytesIO(wav_bytes(w, sr)), dtype="float32")[0] for w in (source, reference))
    want = vc.convert(src16, ref16, sr)
    assert np.abs(out - want).max() < 2.5 / 32768
    # a different voice: the model's speaker code of the result is the reference's, not the source's
    e_src, e_ref, e_out = (vc.speaker_embedding(w, sr) for w in (source, reference, out))
    assert _cos(e_out, e_ref) > _cos(e_out, e_src) + 0.3, (_cos(e_out, e_ref), _cos(e_out, e_src))
    assert abs(np.corrcoef(out, source)[0, 1]) < 0.5  # not the source passed through
    for key in ("source", "reference", "result"):
        head, _, png = body[key]["spectrogram"].partition(",")
        assert head == "data:image/png;base64"
        assert Image.open(io.BytesIO(base64.b64decode(png))).size[1] == 80  # the 80 mel bands


def test_any_rate_stereo_and_flac_are_read(client, speech):
    """A 44.1 kHz stereo source comes back mono at 44.1 kHz, as long; a FLAC reference is read too."""
    import librosa

    source, reference, sr = speech
    up = librosa.resample(source, orig_sr=sr, target_sr=44100)
    stereo = np.stack([up, 0.5 * up], axis=1)
    r = _post(client, wav_bytes(stereo, 44100), wav_bytes(reference, sr, subtype="PCM_16", fmt="FLAC"))
    assert r.status_code == 200, r.text
    out, out_sr, channels = _wav(r.json()["audio"])
    assert (out_sr, channels, len(out)) == (44100, 1, len(up))
    assert r.json()["reference"]["sample_rate"] == sr


def test_voice_model_folders_are_listed_and_used(client, speech):
    got = {m["name"]: m for m in client.get("/api/models").json()["models"]}
    assert got["voices/mine"]["kind"] == "voice" and got["voices/mine"]["takes_audio"]
    assert got["espeak"]["kind"] == "voice" and "bundled" in got["espeak"]["description"]
    assert not got["espeak"]["takes_images"] and not got["mnist"]["takes_audio"]
    source, reference, sr = speech
    files = wav_bytes(source, sr), wav_bytes(reference, sr)
    mine = _post(client, *files, model="voices/mine").json()
    assert mine["model"] == "voices/mine"
    assert mine["audio"] == _post(client, *files).json()["audio"]  # the same weights: the same bytes


def _silence(seconds: float, sr: int = 16000) -> np.ndarray:
    return np.zeros(int(seconds * sr), np.float32)


def _tone(seconds: float, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _nan_wav() -> bytes:
    x = _tone(1.0)
    x[100] = np.nan
    return wav_bytes(x, 16000, subtype="FLOAT")


@pytest.mark.parametrize("which, data, status, needles", [
    ("source", b"", 422, ["source file is empty"]),
    ("source", wav_bytes(np.random.default_rng(0).uniform(-.5, .5, 250_000).astype(np.float32), 16000), 413,
     ["source file is too large: 488 KiB, at most 390 KiB"]),
    ("reference", png_bytes(np.zeros((8, 8))), 415, ["reference is not a WAV, FLAC or OGG", "first bytes"]),
    ("source", b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(64), 415, ["not a WAV"]),  # RIFF, but a video
    ("source", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(8), 422, ["cannot read the source as WAV"]),  # cut short
    ("source", wav_bytes(_tone(1.0, 4000), 4000), 422, ["4000 Hz", "8000 to 96000 Hz"]),
    ("reference", wav_bytes(_tone(8.0, 8000), 8000), 422, ["reference is 8.0 s long, at most 6 s"]),
    ("source", wav_bytes(_tone(0.1), 16000), 422, ["0.10 s long, at least 0.25 s"]),
    ("source", wav_bytes(_silence(1.0), 16000), 422, ["source is silent", "peak amplitude 0"]),
    ("reference", _nan_wav(), 422, ["reference holds NaN or infinite samples"]),
    ("source", wav_bytes(np.tile(_tone(0.5)[:, None], (1, 9)), 16000), 422, ["9 channels, at most 8"]),
])
def test_every_limit_has_a_one_line_message(voices, speech, which, data, status, needles):
    """Each bad file is refused with what was wrong (the value) and what is accepted (the limit), and
    before any work: the voice model has not even been loaded."""
    source, reference, sr = speech
    files = {"source": wav_bytes(source, sr), "reference": wav_bytes(reference, sr), which: data}
    app = create_app(voices, audio_limits=LIMITS)
    r = _post(TestClient(app), files["source"], files["reference"])
    detail = r.json()["detail"]
    assert r.status_code == status and all(n in detail for n in needles), r.text
    assert "\n" not in detail and isinstance(detail, str)
    assert app.state.store._loaded == {}  # refused before the model was loaded, let alone run


def test_requests_that_name_no_voice_model_or_miss_a_file(client, speech):
    source, reference, sr = speech
    files = wav_bytes(source, sr), wav_bytes(reference, sr)
    for name in ("nope", "mnist", "../../etc"):  # unknown, a codec, a path: names only, never paths
        r = _post(client, *files, model=name)
        assert r.status_code == 404 and f"no voice model named {name!r}" in r.json()["detail"]
    r = client.post("/api/convert", files={"source": ("me.wav", files[0])})
    assert r.status_code == 422 and r.json()["detail"] == "reference: Field required"
    r = client.post("/api/convert", content=b"x" * 900_000, headers={"content-type": "multipart/form-data; b=x"})
    assert r.status_code == 413 and "at most 390 KiB each" in r.json()["detail"]  # by Content-Length, unread
    assert client.post("/api/reconstruct", content=b"x" * 900_000).status_code != 413  # the image limit stays 4 MiB


def test_without_the_voice_packages_the_page_says_what_to_install(client, speech, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "librosa" else real(name, *a))
    missing = client.get("/api/models").json()["voice_missing"]
    assert missing.startswith("voice conversion needs librosa") and "pip install 'aekit[serve]'" in missing
    source, reference, sr = speech
    r = _post(client, wav_bytes(source, sr), wav_bytes(reference, sr))
    assert r.status_code == 501 and r.json()["detail"] == missing


def test_openapi_describes_the_upload_and_the_result(client):
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/api/convert"]["post"]
    ref = post["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    req = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(req["required"]) == {"source", "reference"} and req["properties"]["model"]["default"] == "espeak"
    out = post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"audio", "source", "reference", "result", "compute_seconds"} <= set(schema["components"]["schemas"][out]
                                                                               ["properties"])
    assert client.get("/api/models").json()["max_audio_seconds"] == 6.0
