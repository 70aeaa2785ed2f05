"""The web app's JSON endpoints (FastAPI's TestClient, no network): what they return for real digits,
their limits and their error messages, and the OpenAPI schema."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

import aekit
from aekit.serve import create_app
from aekit.serve.images import Limits, as_digit
from conftest import data_url, png_bytes


@pytest.fixture(scope="module")
def client(models_dir):
    return TestClient(create_app(models_dir, Limits(max_bytes=200_000, max_pixels=1_000_000)))


def _img(url: str) -> np.ndarray:
    head, _, data = url.partition(",")
    assert head == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


def test_models_lists_the_folder_and_the_bundled_codec(client):
    got = {m["name"]: m for m in client.get("/api/models").json()["models"]}
    assert set(got) == {"vae", "detectors/zero", "mnist", "espeak"}  # the broken config.json is skipped
    assert got["vae"]["kind"] == "autoencoder" and got["vae"]["can_sample"] and got["vae"]["takes_images"]
    assert got["detectors/zero"]["kind"] == "detector" and not got["detectors/zero"]["can_sample"]
    assert got["mnist"]["kind"] == "codec"
    assert got["espeak"]["kind"] == "voice" and got["espeak"]["takes_audio"]  # the bundled voice model


def test_any_size_photo_codecs_are_left_out_of_the_digit_page(tmp_path):
    """The page codes one image at a codec's own size, so a photo codec (the bundled one, or a user's
    folder trained with --photos) is not offered there; a fixed-size codec folder still is."""
    import shutil

    from aekit.compression.zoo import WEIGHTS

    shutil.copytree(WEIGHTS / "photo", tmp_path / "myphotos")
    shutil.copytree(WEIGHTS / "mnist", tmp_path / "mydigits")
    names = {m["name"] for m in TestClient(create_app(tmp_path)).get("/api/models").json()["models"]}
    assert names == {"mydigits", "mnist", "espeak"}


def test_reconstruct_returns_the_apis_numbers(client, models_dir, test_digit):
    digit, _ = test_digit
    r = client.post("/api/reconstruct", json={"model": "vae", "image": data_url(digit), "digit": False})
    assert r.status_code == 200, r.text
    body = r.json()
    ae = aekit.AutoEncoder.load(models_dir / "vae")
    x = digit[None].astype(np.float32)
    np.testing.assert_allclose(body["code"], ae.transform(x)[0], rtol=1e-4, atol=1e-4)
    rec = _img(body["reconstruction"])
    assert rec.shape == (28, 28)
    assert np.abs(rec.astype(float) - np.clip(np.rint(ae.reconstruct(x)[0]), 0, 255)).max() <= 1
    assert np.array_equal(_img(body["input"]), digit)  # digit=False: the image as sent
    assert body["anomaly"]["typical"] > 0 and body["anomaly"]["score"] == pytest.approx(body["mse"])


def test_a_detector_scores_against_its_threshold(client, models_dir, test_digit):
    digit, label = test_digit
    det = aekit.AnomalyDetector.load(models_dir / "detectors" / "zero")
    body = client.post("/api/reconstruct", json={"model": "detectors/zero", "image": data_url(digit),
                                                 "digit": False}).json()
    score = float(det.anomaly_score(digit[None].astype(np.float32))[0])
    assert body["anomaly"]["score"] == pytest.approx(score, rel=1e-5)
    assert body["anomaly"]["is_anomaly"] == (score > det.threshold_)
    assert _img(body["anomaly"]["error_map"]).shape == (28, 28)


def test_compress_gives_every_quality_with_the_codecs_pixels(client, test_digit):
    from aekit.compression import load_codec

    digit, _ = test_digit
    body = client.post("/api/compress", json={"image": data_url(digit), "digit": False}).json()
    codec = load_codec("mnist")
    assert [lv["quality"] for lv in body["levels"]] == codec.qualities
    for lv in body["levels"]:
        assert lv["bytes"] == len(codec.compress(digit[None], lv["quality"]))
        assert np.array_equal(_img(lv["image"]), codec.reconstruct(digit[None], lv["quality"])[0])
    sizes = [lv["bytes"] for lv in body["levels"]]
    assert sizes == sorted(sizes) and body["png_bytes"] > sizes[-1] and body["warning"] is None


def test_sample_and_interpolate(client, models_dir):
    r = client.post("/api/sample", json={"model": "vae", "n": 5, "seed": 3})
    imgs = [_img(u) for u in r.json()["images"]]
    ae = aekit.AutoEncoder.load(models_dir / "vae")
    want = np.clip(np.rint(ae.sample(5, random_state=3)), 0, 255)
    assert len(imgs) == 5 and all(np.abs(i.astype(float) - w).max() <= 1 for i, w in zip(imgs, want))
    path = client.post("/api/interpolate", json={"model": "vae", "a": 0, "b": 3, "steps": 6}).json()["images"]
    assert len(path) == 6
    r = client.post("/api/sample", json={"model": "detectors/zero"})
    assert r.status_code == 404 and "GET /api/models" in r.json()["detail"]  # a detector is not an autoencoder


@pytest.mark.parametrize("payload, status, needle", [
    ({"model": "nope", "image": "x"}, 404, "no model named 'nope'"),
    ({"model": "../../etc", "image": "x"}, 404, "no model named"),  # names, never paths
    ({"model": "vae", "image": "not base64!"}, 422, "not valid base64"),
    ({"model": "vae", "image": base64.b64encode(b"GIF89a....").decode()}, 415, "PNG or JPEG"),
    ({"model": "vae", "image": base64.b64encode(b"\x89PNG\r\n\x1a\ngarbage").decode()}, 422, "cannot read"),
    ({"model": "mnist", "image": "x"}, 422, "is a codec"),
])
def test_bad_requests_get_clear_messages(client, payload, status, needle):
    r = client.post("/api/reconstruct", json=payload)
    assert r.status_code == status and needle in r.json()["detail"], r.text


def test_size_and_pixel_limits(client):
    big = np.random.default_rng(0).integers(0, 255, (400, 400), dtype=np.uint8)  # noise: ~160 KB as PNG ...
    huge = base64.b64encode(png_bytes(np.tile(big, (2, 1)))).decode()  # ... twice that is over 200 KB
    r = client.post("/api/reconstruct", json={"model": "vae", "image": huge})
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    wide = base64.b64encode(png_bytes(np.zeros((1100, 1000), np.uint8))).decode()  # small file, 1.1 M pixels
    r = client.post("/api/reconstruct", json={"model": "vae", "image": wide})
    assert r.status_code == 422 and "1,100,000 pixels" in r.json()["detail"]
    r = client.post("/api/reconstruct", content=b"x" * (5 * 1024 * 1024), headers={"content-type": "application/json"})
    assert r.status_code == 413  # refused on its Content-Length, before the body is read
    r = client.post("/api/sample", json={"model": "vae", "n": 1000})
    assert r.status_code == 422 and "n:" in r.json()["detail"] and "64" in r.json()["detail"]


def test_openapi_schema_covers_the_json_endpoints(client):
    schema = client.get("/openapi.json").json()
    assert {"/api/models", "/api/reconstruct", "/api/compress", "/api/sample", "/api/interpolate",
            "/api/convert"} <= set(schema["paths"])  # /api/convert: tests/serve/test_api_voice.py
    rec = schema["components"]["schemas"]["Reconstruction"]["properties"]
    assert {"reconstruction", "code", "anomaly", "mse"} <= set(rec)
    assert client.get("/").status_code == 200 and "<canvas" in client.get("/").text
    assert client.get("/static/app.js").status_code == 200


def test_a_drawing_is_fitted_like_an_mnist_digit():
    """A big dark-on-light drawing, off centre: inverted, cropped, scaled to 20 px, centred by mass."""
    paper = np.full((300, 300), 250, np.uint8)
    paper[40:160, 200:215] = 10  # a thick vertical stroke (a "1") near the top right
    x = as_digit(paper)
    assert x.shape == (28, 28) and x.max() > 200 and x[0].max() == 0  # light on black, nothing at the border
    ys, xs = np.nonzero(x > 50)
    assert 18 <= ys.max() - ys.min() + 1 <= 21  # the longer side is about 20 pixels
    cy, cx = (x * np.arange(28)[:, None]).sum() / x.sum(), (x * np.arange(28)).sum() / x.sum()
    assert abs(cy - 13.5) < 1 and abs(cx - 13.5) < 1


def test_an_out_of_domain_image_comes_with_a_warning(client):
    photo = np.clip(np.random.default_rng(1).normal(160, 30, (28, 28)), 0, 255).astype(np.uint8)
    body = client.post("/api/compress", json={"image": data_url(photo), "digit": False}).json()
    assert "do not look like" in body["warning"]


def test_threads_reach_every_loaded_model(models_dir, test_digit):
    """aekit serve --threads N: each model the page loads computes with N torch threads (it was fixed at 1)."""
    from aekit.errors import ConfigError

    app = create_app(models_dir, n_threads=2)
    r = TestClient(app).post("/api/reconstruct", json={"model": "vae", "image": data_url(test_digit[0])})
    assert r.status_code == 200, r.text
    assert app.state.store.get("vae")[1].n_threads == 2
    assert app.state.store.get("detectors/zero")[1].n_threads == 2
    with pytest.raises(ConfigError, match="n_threads"):
        create_app(models_dir, n_threads=0)
