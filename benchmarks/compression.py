"""Learned lossy compression of the bundled MNIST test split: aekit's codec vs WebP, JPEG and PNG.

On the 1,000 test digits (28x28 grey, never seen in training), for every method and setting:
bytes per image and PSNR (peak 255, from the mean squared error over all test pixels of the
*decoded* uint8 images).

* aekit: the bundled ``mnist`` codec at every quality level. Bytes are every byte of the
  ``.aek`` file (header amortised over the 1,000-image batch), and also the mean size of 1,000
  single-image files. The decoded file is checked to equal ``Codec.reconstruct`` exactly, and
  the entropy model's estimated payload size is compared with the real file size.
* WebP and JPEG (Pillow, one file per digit, a sweep of qualities; WebP at its slowest,
  strongest ``method=6``), PNG (lossless, ``optimize=True``) as the lossless reference.

Acceptance: Bjontegaard delta rate of aekit (batched files) against WebP over the PSNR range both
cover (each curve fitted by a cubic of log-rate in PSNR on its points in that range plus the
nearest one outside each end), the highest PSNR aekit reaches, aekit's bytes per digit at 23 dB
(log-linear interpolation between its two neighbouring levels), and the worst relative error
of the rate estimate. Encode / decode throughput (images/s, one thread, 1,000-image batch for
aekit, one file per image for Pillow) is reported against WebP.

    python benchmarks/compression.py          # about 2 minutes on one core
    python benchmarks/compression.py --quick  # 200 digits -> benchmarks/results/quick/
"""

from __future__ import annotations

import io
import os
import time

import numpy as np
import torch
from PIL import Image

import aekit
from aekit.compression import load_codec
from aekit.metrics import bd_rate, psnr

from _common import check, md_table, parse_args, write_results

WEBP_QUALITIES = [0, 2, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100]
JPEG_QUALITIES = [5, 10, 20, 30, 50, 70, 90, 95]


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return psnr(np.asarray(a, np.float64) / 255.0, np.asarray(b, np.float64) / 255.0)


def pillow_codec(X: np.ndarray, fmt: str, **opts) -> dict:
    t0 = time.perf_counter()
    blobs = []
    for x in X:
        buf = io.BytesIO()
        Image.fromarray(x).save(buf, format=fmt, **opts)
        blobs.append(buf.getvalue())
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    dec = np.stack([np.asarray(Image.open(io.BytesIO(b)).convert("L")) for b in blobs])
    t_dec = time.perf_counter() - t0
    return {"bytes_per_image": sum(map(len, blobs)) / len(X), "psnr_db": _psnr(dec, X),
            "encode_images_per_s": len(X) / t_enc, "decode_images_per_s": len(X) / t_dec}


def restrict(rate, p, lo, hi):
    """Points inside [lo, hi] plus the nearest one outside each end (so a fit covers the interval)."""
    order = np.argsort(p)
    rate, p = np.asarray(rate)[order], np.asarray(p)[order]
    keep = (p >= lo) & (p <= hi)
    idx = np.flatnonzero(keep)
    first, last = (idx[0], idx[-1]) if len(idx) else (np.searchsorted(p, lo), np.searchsorted(p, lo) - 1)
    sel = np.arange(max(0, first - 1), min(len(p), last + 2))
    return rate[sel], p[sel]


def bytes_at(rate, p, target: float) -> float:
    """Log-linear interpolation of bytes at PSNR ``target`` between the neighbouring points (nan outside)."""
    order = np.argsort(p)
    rate, p = np.asarray(rate, np.float64)[order], np.asarray(p, np.float64)[order]
    if not p[0] <= target <= p[-1]:
        return float("nan")
    return float(np.exp(np.interp(target, p, np.log(rate))))


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    X = aekit.load_dataset("mnist").X_test.astype(np.uint8)  # (1000, 28, 28), exact 0..255 integers
    if args.quick:
        X = X[:200]
    n = len(X)
    codec = load_codec("mnist")
    codec.compress(X[:8], codec.qualities[0])  # warm-up (lazy imports, first-call allocations)

    aek = []
    for q in codec.qualities:
        t0 = time.perf_counter()
        data = codec.compress(X, q)
        t_enc = time.perf_counter() - t0
        t0 = time.perf_counter()
        dec = codec.decompress(data)
        t_dec = time.perf_counter() - t0
        exact = bool(np.array_equal(dec, codec.reconstruct(X, q)))
        est = codec.estimate_bits(X, q) / 8
        single = [len(codec.compress(X[i:i + 1], q)) for i in range(n)]
        aek.append({"quality": q, "lmbda": codec.levels[q].config.lmbda, "bytes_per_image": len(data) / n,
                    "file_bytes": len(data), "single_file_bytes_per_image": float(np.mean(single)),
                    "psnr_db": _psnr(dec, X), "bpp": 8 * len(data) / (n * 28 * 28),
                    "estimated_bytes": est, "rate_estimate_error": abs(est - len(data)) / len(data),
                    "decode_equals_reconstruct": exact,
                    "encode_images_per_s": n / t_enc, "decode_images_per_s": n / t_dec})
        print(f"aekit q{q}: {aek[-1]['bytes_per_image']:.1f} B/img ({aek[-1]['single_file_bytes_per_image']:.1f} "
              f"single) {aek[-1]['psnr_db']:.2f} dB, estimate error {aek[-1]['rate_estimate_error']:.4f}, "
              f"exact {exact}", flush=True)
    webp = [{"quality": q, **pillow_codec(X, "WEBP", quality=q, method=6)} for q in WEBP_QUALITIES]
    webp_default = [{"quality": q, **pillow_codec(X, "WEBP", quality=q)} for q in (0, 10, 50)]
    jpeg = [{"quality": q, **pillow_codec(X, "JPEG", quality=q)} for q in JPEG_QUALITIES]
    png = pillow_codec(X, "PNG", optimize=True)
    print(f"webp {[(round(r['bytes_per_image']), round(r['psnr_db'], 1)) for r in webp]}", flush=True)

    a_rate = [r["bytes_per_image"] for r in aek]
    a_psnr = [r["psnr_db"] for r in aek]
    w_rate = [r["bytes_per_image"] for r in webp]
    w_psnr = [r["psnr_db"] for r in webp]
    lo, hi = max(min(a_psnr), min(w_psnr)), min(max(a_psnr), max(w_psnr))
    try:
        bd = bd_rate(*restrict(w_rate, w_psnr, lo, hi), *restrict(a_rate, a_psnr, lo, hi))
    except ValueError as exc:  # the curves do not overlap: no comparison at equal quality exists
        print(f"no BD-rate: {exc}")
        bd = float("nan")
    at23 = bytes_at(a_rate, a_psnr, 23.0)
    webp_at23, jpeg_at23 = bytes_at(w_rate, w_psnr, 23.0), bytes_at(
        [r["bytes_per_image"] for r in jpeg], [r["psnr_db"] for r in jpeg], 23.0)
    max_err = max(r["rate_estimate_error"] for r in aek)
    # throughput against WebP at the setting closest in PSNR to aekit's middle level
    mid = aek[len(aek) // 2]
    w_mid = min(webp, key=lambda r: abs(r["psnr_db"] - mid["psnr_db"]))
    speed = {"aekit_quality": mid["quality"], "aekit_encode_images_per_s": mid["encode_images_per_s"],
             "aekit_decode_images_per_s": mid["decode_images_per_s"], "webp_quality": w_mid["quality"],
             "webp_encode_images_per_s": w_mid["encode_images_per_s"],
             "webp_decode_images_per_s": w_mid["decode_images_per_s"], "threads": torch.get_num_threads()}
    plot(args.out_dir / "compression_rd.png", aek, webp, jpeg, png)

    rows = [[f"aekit q{r['quality']}", r["bytes_per_image"], r["single_file_bytes_per_image"], r["psnr_db"],
             r["rate_estimate_error"], r["encode_images_per_s"], r["decode_images_per_s"]] for r in aek]
    rows += [[f"WebP q{r['quality']}", r["bytes_per_image"], r["bytes_per_image"], r["psnr_db"], "",
              r["encode_images_per_s"], r["decode_images_per_s"]] for r in webp]
    rows += [[f"JPEG q{r['quality']}", r["bytes_per_image"], r["bytes_per_image"], r["psnr_db"], "",
              r["encode_images_per_s"], r["decode_images_per_s"]] for r in jpeg]
    rows += [["PNG (lossless)", png["bytes_per_image"], png["bytes_per_image"], "inf", "",
              png["encode_images_per_s"], png["decode_images_per_s"]]]
    md = (f"# Compression: MNIST test split ({n} digits, 28x28)\n\n"
          f"Bytes per digit (aekit: the whole {n}-image .aek file / {n}; also one file per digit) and PSNR of the "
          f"decoded digits. BD-rate vs WebP over {lo:.2f}-{hi:.2f} dB: **{bd:+.1%}**. At 23 dB: aekit "
          f"{at23:.1f} B, WebP {webp_at23:.1f} B, JPEG {jpeg_at23:.1f} B.\n\n"
          + md_table(["method", "bytes/image (batch)", "bytes/image (single file)", "PSNR dB", "rate est. error",
                      "encode img/s", "decode img/s"], rows)
          + f"\n\nThroughput, one thread: aekit q{speed['aekit_quality']} encodes "
            f"{speed['aekit_encode_images_per_s']:.0f} and decodes {speed['aekit_decode_images_per_s']:.0f} images/s "
            f"(1,000-image file); WebP q{speed['webp_quality']} {speed['webp_encode_images_per_s']:.0f} / "
            f"{speed['webp_decode_images_per_s']:.0f} images/s.\n\n![rate-distortion](compression_rd.png)\n")
    write_results(args.out_dir, "compression", {
        "n_images": n, "split": "mnist test", "aekit": aek, "webp": webp, "webp_default_method": webp_default,
        "jpeg": jpeg, "png": png, "overlap_psnr_db": [lo, hi], "bd_rate_vs_webp": bd,
        "bytes_at_23db": {"aekit": at23, "webp": webp_at23, "jpeg": jpeg_at23}, "throughput": speed,
    }, [check("bd_rate_vs_webp", bd if np.isfinite(bd) else 1e9, "<=", -0.5), check("max_psnr_db", max(a_psnr), ">=", 30.0),
        check("bytes_at_23db", at23 if np.isfinite(at23) else 1e9, "<=", 40.0),
        check("rate_estimate_error", max_err, "<=", 0.03)], md)


def plot(path, aek, webp, jpeg, png) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aekit.plots import _atomic_savefig

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.plot([r["bytes_per_image"] for r in aek], [r["psnr_db"] for r in aek], "o-", color="C3", lw=2,
            label="aekit (1,000 digits per file)")
    ax.plot([r["single_file_bytes_per_image"] for r in aek], [r["psnr_db"] for r in aek], "o:", color="C3",
            alpha=0.6, label="aekit (one file per digit)")
    ax.plot([r["bytes_per_image"] for r in webp], [r["psnr_db"] for r in webp], "s-", color="C0", label="WebP")
    ax.plot([r["bytes_per_image"] for r in jpeg], [r["psnr_db"] for r in jpeg], "^-", color="C1", label="JPEG")
    ax.axvline(png["bytes_per_image"], color="C2", ls="--", label=f"PNG, lossless ({png['bytes_per_image']:.0f} B)")
    ax.set_xscale("log")
    ax.set_xlim(10, 800)
    ax.set_ylim(15, 45)
    ax.set_xlabel("bytes per digit (log scale)")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title("MNIST test digits (28x28): rate-distortion", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    _atomic_savefig(fig, path)
    plt.close(fig)


if __name__ == "__main__":
    main()
