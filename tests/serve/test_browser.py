"""End to end: the page in headless Chromium (Debian's chromium through Playwright's Python package;
never 'playwright install'). Draw, upload and click as a person would, and check what appears.

Skipped, with the reason, only where chromium is not installed and this is not CI (CI installs it
and fails without it). ``AEKIT_SCREENSHOTS=docs/screenshots`` keeps the screenshots.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install Debian's chromium (.ci/run does)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI installs it",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' brings playwright")

from conftest import png_bytes, wav_bytes  # noqa: E402


@pytest.fixture(scope="module")
def server(models_dir):
    import uvicorn

    from aekit.serve import create_app

    srv = uvicorn.Server(uvicorn.Config(create_app(models_dir), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    pg = browser.new_page(viewport={"width": 1200, "height": 1000})
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server + "/")
    pg.wait_for_function("document.querySelectorAll('#model option').length > 0")
    yield pg
    assert not errors, errors  # no JavaScript error on the way
    pg.close()


def _shot(pg, name: str, selector: str | None = None) -> None:
    folder = os.environ.get("AEKIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = str(Path(folder) / f"{name}.png")
        if selector:  # one panel, not the whole page
            pg.locator(selector).screenshot(path=path)
        else:
            pg.screenshot(path=path, full_page=True)


def _decode(src: str) -> np.ndarray:
    head, _, data = src.partition(",")
    assert head == "data:image/png;base64", head
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data))))


def _draw_seven(pg) -> None:
    box = pg.locator("#canvas").bounding_box()
    x0, y0 = box["x"], box["y"]
    pg.mouse.move(x0 + 70, y0 + 60)
    pg.mouse.down()
    for x, y in [(140, 58), (210, 60), (180, 130), (150, 200), (130, 240)]:  # a 7: across, then down
        pg.mouse.move(x0 + x, y0 + y, steps=6)
    pg.mouse.up()


def test_draw_a_digit_and_see_every_result(page):
    assert page.locator("#model option").all_inner_texts() == ["detectors/zero (detector)", "vae (autoencoder)"]
    page.select_option("#model", "vae")
    _draw_seven(page)
    page.wait_for_function("document.querySelector('#recon-img').src.startsWith('data:')")
    page.wait_for_function("document.querySelectorAll('#compress-table tbody tr').length === 7")
    seen = _decode(page.get_attribute("#input-img", "src"))
    assert seen.shape == (28, 28) and seen.max() > 200 and seen[:3].max() == 0  # the stroke, centred like MNIST
    assert _decode(page.get_attribute("#recon-img", "src")).std() > 5
    assert "anomaly score" in page.inner_text("#score") and "typical" in page.inner_text("#score")
    assert len(page.inner_text("#code").split(",")) == 8  # the 8-d code
    rows = page.locator("#compress-table tbody tr")
    sizes = [int(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(7)]
    assert sizes == sorted(sizes) and sizes[0] > 10  # bytes grow with quality
    assert all(rows.nth(i).locator("img").get_attribute("src").startswith("data:image/png") for i in range(7))
    assert "PNG (lossless)" in page.inner_text("#compress-note")
    assert page.locator("#error").is_hidden()
    _shot(page, "serve_draw")


def test_upload_a_digit_and_switch_to_the_detector(page, tmp_path, test_digit):
    digit, _ = test_digit
    path = tmp_path / "seven.png"
    path.write_bytes(png_bytes(digit))
    page.set_input_files("#upload", str(path))
    page.wait_for_function("document.querySelectorAll('#compress-table tbody tr').length === 7")
    assert "uploaded: seven.png" in page.inner_text("#source")
    page.select_option("#model", "detectors/zero")  # re-analyses the same image with the detector
    page.wait_for_function("document.querySelector('#score').textContent.includes('threshold')")
    text = page.inner_text("#score")
    assert ("abnormal" in text) or ("normal" in text)
    assert page.is_disabled("#sample")  # a detector does not generate
    _shot(page, "serve_upload_detector")


def test_a_wrong_file_gets_a_clear_message_on_the_page(page, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"GIF89a" + b"\0" * 64)  # named .png, but not a PNG
    page.set_input_files("#upload", str(bad))
    page.wait_for_selector("#error:not([hidden])")
    assert "PNG or JPEG" in page.inner_text("#error")


def test_sample_and_interpolate(page):
    page.select_option("#model", "vae")
    page.fill("#seed", "4")
    page.click("#sample")
    page.wait_for_function("document.querySelectorAll('#samples img').length === 16")
    imgs = page.locator("#samples img")
    firsts = [_decode(imgs.nth(i).get_attribute("src")) for i in range(2)]
    assert firsts[0].shape == (28, 28) and not np.array_equal(firsts[0], firsts[1])  # different samples
    page.click("#interpolate")
    page.wait_for_function("document.querySelectorAll('#morph img').length === 8")
    _shot(page, "serve_generate")


def test_upload_two_recordings_and_hear_the_conversion(page, tmp_path, speech):
    """The voice panel: the bundled model is chosen, two WAVs are uploaded and previewed, Convert gives
    a player of the result (as long as the source) and a download link; a bad file gets its message."""
    source, reference, sr = speech
    (tmp_path / "anna.wav").write_bytes(wav_bytes(source, sr))
    (tmp_path / "lamp.wav").write_bytes(wav_bytes(reference, sr))
    assert page.input_value("#voice-model") == "espeak" and "bundled" in page.inner_text("#voice-info")
    assert page.is_disabled("#convert")  # nothing to convert yet
    page.set_input_files("#voice-source", str(tmp_path / "anna.wav"))
    page.set_input_files("#voice-reference", str(tmp_path / "lamp.wav"))
    assert page.get_attribute("#source-audio", "src").startswith("blob:")  # the uploads play before converting
    page.click("#convert")
    page.wait_for_function("(document.querySelector('#result-audio').src || '').startsWith('data:audio/wav')",
                           timeout=60_000)
    # the browser itself decodes the result: its duration is the source's
    page.wait_for_function("document.querySelector('#result-audio').readyState >= 1")
    seconds = page.evaluate("document.querySelector('#result-audio').duration")
    assert seconds == pytest.approx(len(source) / sr, abs=0.01)
    assert "result: %.2f s at %d Hz" % (len(source) / sr, sr) in page.inner_text("#voice-status")
    link = page.locator("#voice-download")
    assert link.is_visible() and link.get_attribute("download") == "anna_as_lamp.wav"
    assert link.get_attribute("href") == page.get_attribute("#result-audio", "src")
    for key in ("source", "reference", "result"):
        spec = f"#{key}-spec"
        assert page.is_visible(spec) and page.get_attribute(spec, "src").startswith("data:image/png")
    assert page.locator("#voice-error").is_hidden()
    _shot(page, "serve_voice", "#voice-panel")

    (tmp_path / "notes.wav").write_bytes(b"ID3\x03" + bytes(64))
    page.set_input_files("#voice-reference", str(tmp_path / "notes.wav"))
    assert page.get_attribute("#result-audio", "src") is None and link.is_hidden()  # not the new inputs' result
    page.click("#convert")  # an MP3 named .wav: refused by its first bytes, and the page says so
    page.wait_for_selector("#voice-error:not([hidden])")
    assert "reference is not a WAV, FLAC or OGG" in page.inner_text("#voice-error")
