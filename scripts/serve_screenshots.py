"""Screenshots of ``aekit serve`` for the docs, with the tour's models: draw a digit, upload one to an
anomaly detector, sample and interpolate. Drives Debian's chromium headless through Playwright.

    aekit tour -o aekit-tour && python scripts/serve_screenshots.py --models aekit-tour/models
"""

from __future__ import annotations

import argparse
import io
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", required=True, help="the tour's models folder")
    p.add_argument("--out", default="docs/screenshots", help="where the PNGs go")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    args = p.parse_args()

    import uvicorn
    from PIL import Image
    from playwright.sync_api import sync_playwright

    import aekit
    from aekit.serve import create_app

    srv = uvicorn.Server(uvicorn.Config(create_app(args.models), host="127.0.0.1", port=0, log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}/"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        b = pw.chromium.launch(executable_path=args.chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = b.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(base)
        page.wait_for_function("document.querySelectorAll('#model option').length > 0")
        page.select_option("#model", "mnist8")
        box = page.locator("#canvas").bounding_box()
        page.mouse.move(box["x"] + 70, box["y"] + 60)
        page.mouse.down()
        for x, y in [(140, 58), (210, 60), (180, 130), (150, 200), (130, 240)]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
        page.mouse.up()
        page.wait_for_function("document.querySelectorAll('#compress-table tbody tr').length > 0")
        page.screenshot(path=str(out / "serve_draw.png"), full_page=True)

        digit = aekit.load_dataset("mnist").X_test[3].astype(np.uint8)  # an 8: abnormal to a detector of 0s
        path = Path(tmp) / "test_digit_3.png"
        buf = io.BytesIO()
        Image.fromarray(digit).save(buf, format="PNG")
        path.write_bytes(buf.getvalue())
        page.select_option("#model", "detector0")
        page.set_input_files("#upload", str(path))
        page.wait_for_function("document.querySelector('#score').textContent.includes('threshold')")
        page.screenshot(path=str(out / "serve_detector.png"), full_page=True)

        page.select_option("#model", "vae")
        page.click("#sample")
        page.wait_for_function("document.querySelectorAll('#samples img').length === 16")
        page.click("#interpolate")
        page.wait_for_function("document.querySelectorAll('#morph img').length === 8")
        page.screenshot(path=str(out / "serve_generate.png"), full_page=True)
        b.close()
    srv.should_exit = True
    print(f"wrote {out}/serve_draw.png, serve_detector.png, serve_generate.png")


if __name__ == "__main__":
    main()
