"""A short version of benchmarks/serve_load.py in the suite: concurrent clients on loopback for a few
seconds; every request succeeds and the server's memory does not grow from round to round."""

from __future__ import annotations

import resource
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
serve_load = pytest.importorskip("serve_load")


@pytest.fixture(scope="module")
def server(models_dir, tmp_path_factory):
    import shutil

    import uvicorn

    from aekit.serve import create_app

    root = tmp_path_factory.mktemp("load")
    shutil.copytree(models_dir / "vae", root / "ae")  # the name the load script asks for
    srv = uvicorn.Server(uvicorn.Config(create_app(root), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}"
    srv.should_exit = True
    thread.join(10)


def test_concurrent_clients_all_succeed_and_memory_settles(server):
    images = serve_load.digit_urls(10)
    serve_load.run_round(server, images, clients=4, seconds=2)  # warm-up: models and codec load
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # noqa: E731  (MB; server in-process)
    first = serve_load.run_round(server, images, clients=4, seconds=3)
    after_first = rss()
    second = serve_load.run_round(server, images, clients=4, seconds=3)
    assert first["errors"] == 0 and second["errors"] == 0
    assert first["requests"] > 10 and second["requests"] > 10
    assert first["per_endpoint"]["reconstruct"]["requests"] > 0 and first["per_endpoint"]["compress"]["requests"] > 0
    assert rss() - after_first < 50  # the peak does not keep climbing: nothing accumulates per request
