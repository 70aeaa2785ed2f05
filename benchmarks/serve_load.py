"""A bounded load test of ``aekit serve`` on loopback: N concurrent clients for a fixed time.

The server runs in its own process (``python -m aekit serve``, 127.0.0.1, a free port) over a
models folder with one auto-encoder; each client loops over the page's real requests (the model
list, a reconstruction with anomaly score and error map, the image at every codec quality) and
stops by itself when the time is up. Reported: requests per second, latency percentiles per
endpoint, errors (any status but 200, any exception) and the server's resident memory before,
after a warm-up round and after the measured rounds (a leak would grow round after round).

    python benchmarks/serve_load.py              # 8 clients, 3 rounds of 20 s -> results/serve_load.json
    python benchmarks/serve_load.py --quick      # 4 clients, 2 rounds of 4 s -> results/quick/
"""

from __future__ import annotations

import base64
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from _common import check, md_table, parse_args, write_results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def digit_urls(n: int) -> list[str]:
    import aekit
    from PIL import Image

    out = []
    for img in aekit.load_dataset("mnist").X_test[:n].astype(np.uint8):
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="PNG")
        out.append("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode())
    return out


def client_loop(base: str, images: list[str], stop: float, seed: int, log: list, lock: threading.Lock) -> None:
    import httpx

    rng = np.random.default_rng(seed)
    with httpx.Client(base_url=base, timeout=60) as http:
        while time.monotonic() < stop:
            img = images[int(rng.integers(len(images)))]
            for name, call in (("models", lambda: http.get("/api/models")),
                               ("reconstruct", lambda: http.post("/api/reconstruct", json={"model": "ae", "image": img})),
                               ("compress", lambda: http.post("/api/compress", json={"image": img}))):
                if time.monotonic() >= stop:
                    break
                t0 = time.perf_counter()
                try:
                    ok = call().status_code == 200
                except Exception:  # a refused or dropped connection counts as an error
                    ok = False
                with lock:
                    log.append((name, time.perf_counter() - t0, ok))


def run_round(base: str, images: list[str], clients: int, seconds: float) -> dict:
    log, lock = [], threading.Lock()
    stop = time.monotonic() + seconds
    threads = [threading.Thread(target=client_loop, args=(base, images, stop, k, log, lock)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = np.array([d for _, d, _ in log])
    per = {}
    for name in ("models", "reconstruct", "compress"):
        d = np.array([x for n, x, _ in log if n == name])
        per[name] = {"requests": int(len(d)), "p50_ms": float(np.percentile(d, 50) * 1e3) if len(d) else None,
                     "p95_ms": float(np.percentile(d, 95) * 1e3) if len(d) else None}
    return {"requests": len(log), "errors": sum(not ok for *_, ok in log), "seconds": wall,
            "requests_per_s": len(log) / wall, "p50_ms": float(np.percentile(lat, 50) * 1e3),
            "p95_ms": float(np.percentile(lat, 95) * 1e3), "per_endpoint": per}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    clients, seconds, rounds = (4, 4.0, 2) if args.quick else (8, 20.0, 3)
    import aekit

    with tempfile.TemporaryDirectory() as tmp:
        ds = aekit.load_dataset("mnist")
        ae = aekit.AutoEncoder(8, net_options=dict(channels=[16, 32], kernel_size=4, fc_hidden=[128]), loss="mse",
                               epochs=2, verbose=False, n_threads=1).fit(ds.X_train)
        ae.save(Path(tmp) / "ae")
        port = free_port()
        env = dict(os.environ, OMP_NUM_THREADS="1")
        server = subprocess.Popen([sys.executable, "-m", "aekit", "serve", "--models", tmp, "--port", str(port)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            deadline = time.monotonic() + 60
            while True:  # wait for the server to answer
                try:
                    if httpx.get(base + "/api/models", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start:\n" + (server.stdout.read() if server.poll() is not None else ""))
                time.sleep(0.2)
            images = digit_urls(50)
            load = {"before": round(os.getloadavg()[0], 2)}  # the machine is shared: how busy it was
            mem = {"started": rss_mb(server.pid)}
            warm = run_round(base, images, clients, seconds / 2)  # loads the model and the codec
            mem["after_warm_up"] = rss_mb(server.pid)
            results = []
            for k in range(rounds):
                results.append(run_round(base, images, clients, seconds))
                mem[f"after_round_{k + 1}"] = rss_mb(server.pid)
                print(f"round {k + 1}: {results[-1]['requests_per_s']:.1f} req/s, p95 {results[-1]['p95_ms']:.0f} ms, "
                      f"{results[-1]['errors']} errors, server {mem[f'after_round_{k + 1}']:.0f} MB", flush=True)
            load["after"] = round(os.getloadavg()[0], 2)
        finally:
            server.terminate()
            server.wait(10)
    total = sum(r["requests"] for r in results)
    errors = sum(r["errors"] for r in results) + warm["errors"]
    growth = mem[f"after_round_{rounds}"] - mem["after_round_1"]
    rps = float(np.mean([r["requests_per_s"] for r in results]))
    p95 = float(max(r["p95_ms"] for r in results))
    acceptance = [check("errors", errors, "<=", 0), check("memory_growth_mb", growth, "<=", 50),
                  check("requests_per_s", rps), check("p95_ms", p95)]
    rows = [[f"round {k + 1}", r["requests"], round(r["requests_per_s"], 1), round(r["p50_ms"]), round(r["p95_ms"]),
             r["errors"], round(mem[f"after_round_{k + 1}"])] for k, r in enumerate(results)]
    md = (f"# aekit serve under load (loopback, {clients} clients, {rounds} rounds of {seconds:g} s)\n\n"
          "Each client loops over the page's requests: the model list, a reconstruction (code, anomaly score, "
          "error map) and the image at all 7 codec qualities. The server answers one inference at a time "
          "(one thread).\n\n"
          + md_table(["", "requests", "req/s", "p50 ms", "p95 ms", "errors", "server MB after"], rows)
          + f"\n\nServer memory: {mem['started']:.0f} MB at start, {mem['after_warm_up']:.0f} MB after the warm-up, "
            f"{growth:+.1f} MB from the end of round 1 to the end of round {rounds}. 1-minute load average of "
            f"the machine ({os.cpu_count()} CPUs, server and clients included) before and after: {load['before']}, "
            f"{load['after']}.\n\n"
          + md_table(["endpoint", "requests", "p50 ms", "p95 ms"],
                     [[n, v["requests"], round(v["p50_ms"] or 0), round(v["p95_ms"] or 0)]
                      for n, v in results[-1]["per_endpoint"].items()]) + "\n")
    write_results(args.out_dir, "serve_load", {"quick": args.quick, "clients": clients, "seconds_per_round": seconds,
                                               "rounds": results, "warm_up": warm, "memory_mb": mem, "load_avg_1min": load,
                                               "total_requests": total}, acceptance, md)


if __name__ == "__main__":
    main()
