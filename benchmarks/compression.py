"""Learned lossy compression of the bundled MNIST test split: aekit's codec vs WebP, AVIF, JPEG and PNG.

On the 1,000 test digits (28x28 grey, never seen in training), for every method and setting:
bytes per digit and PSNR (peak 255, from the mean squared error over all test pixels of the
*decoded* uint8 digits).

Headline protocol, per image: one file per digit, every byte of every file counted.

* aekit: the bundled ``mnist`` codec at every quality level, one ``.aek`` file per digit (also
  its payload alone, the file less its 14-byte frame). The pixels of the single files are checked
  to equal those of the batch file and ``Codec.reconstruct`` exactly.
* WebP (Pillow, ``method=6``, its slowest and strongest, a quality sweep): the file, and its
  bitstream alone (the VP8/VP8L chunk's payload, without the RIFF and chunk headers).
* AVIF (Pillow's libavif/aom, one thread, monochrome 4:0:0): a grid of speeds x qualities fixed
  below. For these tiny images the speed changes which qualities are reachable (speeds 0-6 stay
  above ~32 dB even at quality 0; speeds 8 and 10 reach ~22 dB), so AVIF is the Pareto front of
  the whole grid (for every target, the best setting the grid found): AVIF at its best on this
  data. As a file, and as its bitstream alone (the AV1 data in ``mdat``).
* JPEG (Pillow, ``optimize=True``, baseline and ``progressive=True``): the smaller of the two is
  the JPEG curve (both are in the JSON).
* PNG (lossless, ``optimize=True``) as the lossless reference.

Second protocol, amortised: aekit's 1,000 digits in one ``.aek`` file (bytes per digit = file /
1,000). The old acceptance ids are computed on it as before: Bjontegaard delta rate against WebP
files, the highest PSNR, bytes per digit at 23 dB and the worst relative error of the entropy
model's size estimate.

BD-rates are over the PSNR range both curves cover, each curve fitted by a cubic of log-rate in
PSNR on its points in that range plus the nearest one outside each end. Throughput (images/s,
one thread) is reported for one file per digit and for the batch file, and the network alone,
one digit at a time (how aekit codes) against whole 1,000-digit batches: the cost of coding
each image independently of its batch.

    python benchmarks/compression.py          # about 20 minutes on one core (AVIF speed 0 is slow)
    python benchmarks/compression.py --quick  # 200 digits -> benchmarks/results/quick/
"""

from __future__ import annotations

import io
import os
import struct
import time

import numpy as np
import torch
from PIL import Image

import aekit
from aekit.compression import decompress, load_codec
from aekit.compression import format as fmt
from aekit.metrics import bd_rate, psnr

from _common import check, md_table, parse_args, write_results

WEBP_QUALITIES = [0, 2, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100]
AVIF_SPEEDS = [0, 6, 8, 10]
AVIF_QUALITIES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
JPEG_QUALITIES = [2, 5, 10, 20, 30, 50, 70, 90, 95]
FRAME = fmt.FIXED + fmt.CRC_BYTES  # bytes of an .aek file around one digit's payload
TARGETS_DB = (23.0, 27.0, 31.0)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return psnr(np.asarray(a, np.float64) / 255.0, np.asarray(b, np.float64) / 255.0)


def webp_bitstream(blob: bytes) -> int:
    """Bytes of the VP8/VP8L chunk's payload: the WebP bitstream without RIFF and chunk headers."""
    pos = 12  # b"RIFF" size b"WEBP"
    while pos + 8 <= len(blob):
        tag, size = blob[pos:pos + 4], struct.unpack("<I", blob[pos + 4:pos + 8])[0]
        if tag in (b"VP8 ", b"VP8L"):
            return size
        pos += 8 + size + (size & 1)
    raise ValueError("no VP8/VP8L chunk in the WebP file")


def avif_bitstream(blob: bytes) -> int:
    """Bytes of the AV1 data in the top-level ``mdat`` box: the AVIF bitstream without the HEIF boxes."""
    pos = 0
    while pos + 8 <= len(blob):
        size, tag = struct.unpack(">I4s", blob[pos:pos + 8])
        head = 8
        if size == 1:
            size, head = struct.unpack(">Q", blob[pos + 8:pos + 16])[0], 16
        elif size == 0:
            size = len(blob) - pos
        if tag == b"mdat":
            return size - head
        pos += size
    raise ValueError("no mdat box in the AVIF file")


def pillow_codec(X: np.ndarray, fmt_name: str, bitstream=None, **opts) -> dict:
    """One file per digit with Pillow: mean bytes (and bitstream bytes), PSNR, throughput."""
    t0 = time.perf_counter()
    blobs = []
    for x in X:
        buf = io.BytesIO()
        Image.fromarray(x).save(buf, format=fmt_name, **opts)
        blobs.append(buf.getvalue())
    t_enc = time.perf_counter() - t0
    t0 = time.perf_counter()
    dec = np.stack([np.asarray(Image.open(io.BytesIO(b)).convert("L")) for b in blobs])
    t_dec = time.perf_counter() - t0
    out = {"bytes_per_image": sum(map(len, blobs)) / len(X), "psnr_db": _psnr(dec, X),
           "encode_images_per_s": len(X) / t_enc, "decode_images_per_s": len(X) / t_dec}
    if bitstream is not None:
        out["bitstream_bytes_per_image"] = float(np.mean([bitstream(b) for b in blobs]))
    return out


def pareto(rows: list[dict], key: str = "bytes_per_image") -> list[dict]:
    """The rows no other row beats on both counts (fewer bytes and at least the PSNR), by PSNR."""
    front = [r for r in rows if not any(o[key] < r[key] and o["psnr_db"] >= r["psnr_db"] for o in rows)]
    return sorted(front, key=lambda r: r["psnr_db"])


def restrict(rate, p, lo, hi):
    """Points inside [lo, hi] plus the nearest one outside each end (so a fit covers the interval)."""
    order = np.argsort(p)
    rate, p = np.asarray(rate)[order], np.asarray(p)[order]
    keep = (p >= lo) & (p <= hi)
    idx = np.flatnonzero(keep)
    first, last = (idx[0], idx[-1]) if len(idx) else (np.searchsorted(p, lo), np.searchsorted(p, lo) - 1)
    sel = np.arange(max(0, first - 1), min(len(p), last + 2))
    return rate[sel], p[sel]


def bd(ref: list[dict], test: list[dict], ref_key: str = "bytes_per_image", test_key: str = "bytes_per_image") -> dict:
    """BD-rate of ``test`` against ``ref`` over the PSNR range both cover (NaN if they do not overlap)."""
    r_rate, r_psnr = [r[ref_key] for r in ref], [r["psnr_db"] for r in ref]
    t_rate, t_psnr = [r[test_key] for r in test], [r["psnr_db"] for r in test]
    lo, hi = max(min(r_psnr), min(t_psnr)), min(max(r_psnr), max(t_psnr))
    try:
        value = bd_rate(*restrict(r_rate, r_psnr, lo, hi), *restrict(t_rate, t_psnr, lo, hi))
    except ValueError as exc:  # the curves do not overlap: no comparison at equal quality exists
        print(f"no BD-rate: {exc}")
        value = float("nan")
    return {"bd_rate": float(value), "psnr_range_db": [float(lo), float(hi)] if lo < hi else None}


def bytes_at(rows: list[dict], target: float, key: str = "bytes_per_image") -> float:
    """Log-linear interpolation of bytes at PSNR ``target`` between the neighbouring points (NaN outside)."""
    rows = sorted(rows, key=lambda r: r["psnr_db"])
    p = np.array([r["psnr_db"] for r in rows])
    if not p[0] <= target <= p[-1]:
        return float("nan")
    return float(np.exp(np.interp(target, p, np.log([r[key] for r in rows]))))


def aekit_levels(codec, X: np.ndarray) -> tuple[list[dict], list[dict]]:
    """Per quality: one file per digit (per-image table) and all digits in one file (amortised table)."""
    per_image, amortised = [], []
    for q in codec.qualities:
        t0 = time.perf_counter()
        files = [codec.compress(x, q) for x in X]
        t_enc = time.perf_counter() - t0
        t0 = time.perf_counter()
        singles = np.concatenate([decompress(f) for f in files])  # the bundled codec found from the hash
        t_dec = time.perf_counter() - t0
        t0 = time.perf_counter()
        data = codec.compress(X, q)
        tb_enc = time.perf_counter() - t0
        t0 = time.perf_counter()
        dec = codec.decompress(data)
        tb_dec = time.perf_counter() - t0
        exact = bool(np.array_equal(dec, codec.reconstruct(X, q)))
        est = codec.estimate_bits(X, q) / 8
        sizes = np.array([len(f) for f in files])
        per_image.append({"quality": q, "bytes_per_image": float(sizes.mean()),
                          "payload_bytes_per_image": float(sizes.mean() - FRAME),
                          "min_bytes": int(sizes.min()), "max_bytes": int(sizes.max()), "psnr_db": _psnr(singles, X),
                          "equals_batch_file": bool(np.array_equal(singles, dec)),
                          "encode_images_per_s": len(X) / t_enc, "decode_images_per_s": len(X) / t_dec})
        amortised.append({"quality": q, "lmbda": codec.levels[q].config.lmbda, "bytes_per_image": len(data) / len(X),
                          "file_bytes": len(data), "psnr_db": _psnr(dec, X), "bpp": 8 * len(data) / X.size,
                          "estimated_bytes": est, "rate_estimate_error": abs(est - len(data)) / len(data),
                          "decode_equals_reconstruct": exact,
                          "encode_images_per_s": len(X) / tb_enc, "decode_images_per_s": len(X) / tb_dec})
        r, a = per_image[-1], amortised[-1]
        print(f"aekit q{q}: {r['bytes_per_image']:.1f} B per file, {a['bytes_per_image']:.1f} B/digit in one file, "
              f"{r['psnr_db']:.2f} dB, estimate error {a['rate_estimate_error']:.4f}, exact {exact}, "
              f"singles = batch {r['equals_batch_file']}", flush=True)
    return per_image, amortised


def best_rate(fn, count: int, repeats: int = 3) -> float:
    """Items per second of ``fn()`` (which handles ``count`` items): the best of ``repeats`` runs,
    since the machine is shared and a slow run measures the neighbours, not the code."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return count / best


@torch.no_grad()
def throughput(codec, quality: int, webp_quality: int, X: np.ndarray) -> dict:
    """Images/s, one thread, best of 3, on ``X``: aekit one file per digit and one file for all; the
    networks alone (analysis, hyper-synthesis, synthesis) one digit at a time, as aekit codes so
    that an image's result does not depend on its batch, and on all of ``X`` as one batch, as
    format version 1 coded (batch-dependent); WebP, one file per digit."""
    m = codec.level(quality).model
    x = torch.from_numpy(X[:, None] / np.float32(255))
    files = [codec.compress(img, quality) for img in X]
    data = codec.compress(X, quality)

    def networks(batch: torch.Tensor) -> None:
        y = m.analysis(batch)
        mean, _ = m.hyper_synthesis(torch.round(m.side_analysis(y)))
        m.synthesis(torch.round(y - mean) + mean)

    def webp(decode: bool) -> None:
        for img in X:
            buf = io.BytesIO()
            Image.fromarray(img).save(buf, format="WEBP", quality=webp_quality, method=6)
            if decode:
                np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("L"))

    n = len(X)
    out = {"images": n, "aekit_quality": quality, "webp_quality": webp_quality, "threads": torch.get_num_threads(),
           "aekit_one_file_per_image_encode": best_rate(lambda: [codec.compress(img, quality) for img in X], n),
           "aekit_one_file_per_image_decode": best_rate(lambda: [codec.decompress(f) for f in files], n),
           "aekit_one_file_for_all_encode": best_rate(lambda: codec.compress(X, quality), n),
           "aekit_one_file_for_all_decode": best_rate(lambda: codec.decompress(data), n),
           "aekit_networks_one_image_per_call": best_rate(lambda: [networks(x[i:i + 1].clone()) for i in range(n)], n),
           "aekit_networks_whole_batch": best_rate(lambda: networks(x), n),
           "webp_encode": best_rate(lambda: webp(False), n)}
    out["webp_decode"] = 1 / max(1 / best_rate(lambda: webp(True), n) - 1 / out["webp_encode"], 1e-9)
    return out


def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    X = aekit.load_dataset("mnist").X_test.astype(np.uint8)  # (1000, 28, 28), exact 0..255 integers
    if args.quick:
        X = X[:200]
    n = len(X)
    codec = load_codec("mnist")
    codec.compress(X[:8], codec.qualities[0])  # warm-up (lazy imports, first-call allocations)

    aek, aek_batch = aekit_levels(codec, X)
    webp = [{"quality": q, **pillow_codec(X, "WEBP", webp_bitstream, quality=q, method=6)} for q in WEBP_QUALITIES]
    webp_default = [{"quality": q, **pillow_codec(X, "WEBP", webp_bitstream, quality=q)} for q in (0, 10, 50)]
    print(f"webp {[(round(r['bytes_per_image']), round(r['psnr_db'], 1)) for r in webp]}", flush=True)
    avif_grid = []
    for s in AVIF_SPEEDS:
        for q in AVIF_QUALITIES:
            avif_grid.append({"speed": s, "quality": q, **pillow_codec(X, "AVIF", avif_bitstream, quality=q, speed=s,
                                                                       max_threads=1)})
        print(f"avif speed {s}: {[(round(r['bytes_per_image']), round(r['psnr_db'], 1)) for r in avif_grid[-10:]]}",
              flush=True)
    avif = pareto(avif_grid)
    avif_bits = pareto(avif_grid, "bitstream_bytes_per_image")
    jpeg_base = [{"quality": q, **pillow_codec(X, "JPEG", quality=q, optimize=True)} for q in JPEG_QUALITIES]
    jpeg_prog = [{"quality": q, **pillow_codec(X, "JPEG", quality=q, optimize=True, progressive=True)}
                 for q in JPEG_QUALITIES]
    prog_smaller = sum(r["bytes_per_image"] for r in jpeg_prog) < sum(r["bytes_per_image"] for r in jpeg_base)
    jpeg = jpeg_prog if prog_smaller else jpeg_base
    jpeg_mode = "optimize=True, progressive=True" if prog_smaller else "optimize=True, baseline"
    png = pillow_codec(X, "PNG", optimize=True)

    comparisons = {  # name -> (protocol, BD-rate entry)
        "bd_rate_vs_webp_per_image": ("one .aek file per digit vs one WebP file (method 6) per digit", bd(webp, aek)),
        "bd_rate_vs_avif_per_image": ("one .aek file per digit vs one AVIF file per digit (best of the grid)",
                                      bd(avif, aek)),
        "bd_rate_vs_webp_bitstream_per_image": ("one .aek file per digit (frame included) vs WebP's VP8 bitstream "
                                                "alone", bd(webp, aek, "bitstream_bytes_per_image")),
        "bd_rate_vs_avif_bitstream_per_image": ("one .aek file per digit (frame included) vs AVIF's AV1 bitstream "
                                                "alone (best of the grid)",
                                                bd(avif_bits, aek, "bitstream_bytes_per_image")),
        "bd_rate_vs_jpeg_per_image": (f"one .aek file per digit vs one JPEG file ({jpeg_mode}) per digit",
                                      bd(jpeg, aek)),
        "bd_rate_vs_webp": (f"amortised: {n:,} digits in one .aek file vs one WebP file per digit", bd(webp, aek_batch)),
    }
    curves = {"aekit, one file per digit": (aek, "bytes_per_image"),
              "aekit payload alone (file less its 14-byte frame)": (aek, "payload_bytes_per_image"),
              f"aekit, {n:,} digits in one file (amortised)": (aek_batch, "bytes_per_image"),
              "WebP file (method 6)": (webp, "bytes_per_image"),
              "WebP bitstream, no RIFF header": (webp, "bitstream_bytes_per_image"),
              "AVIF file (best of grid)": (avif, "bytes_per_image"),
              "AVIF bitstream, no HEIF boxes (best of grid)": (avif_bits, "bitstream_bytes_per_image"),
              f"JPEG ({jpeg_mode})": (jpeg, "bytes_per_image")}
    at = {name: {f"{t:g}": bytes_at(rows, t, key) for t in TARGETS_DB} for name, (rows, key) in curves.items()}
    at23 = bytes_at(aek_batch, 23.0)
    max_err = max(r["rate_estimate_error"] for r in aek_batch)
    mid = aek[len(aek) // 2]  # throughput at the middle level, against WebP at the setting closest in PSNR
    w_mid = min(webp, key=lambda r: abs(r["psnr_db"] - mid["psnr_db"]))
    speed = throughput(codec, mid["quality"], w_mid["quality"], X[:300])
    plot(args.out_dir / "compression_rd.png", n, aek, aek_batch, webp, avif, avif_bits, jpeg, jpeg_mode, png)

    write_results(args.out_dir, "compression", {
        "n_images": n, "split": "mnist test",
        "protocols": {"per_image": "one file per digit, every byte counted (the headline)",
                      "amortised": f"aekit: all {n} digits in one .aek file, file bytes / {n}"},
        "aekit": aek_batch, "aekit_per_image": aek, "webp": webp, "webp_default_method": webp_default,
        "avif": avif, "avif_bitstream_front": avif_bits, "avif_grid": avif_grid,
        "avif_settings": {"speeds": AVIF_SPEEDS, "qualities": AVIF_QUALITIES, "max_threads": 1,
                          "subsampling": "4:0:0 (Pillow's default for grey)", "encoder": "aom"},
        "jpeg": jpeg, "jpeg_mode": jpeg_mode, "jpeg_baseline": jpeg_base, "jpeg_progressive": jpeg_prog, "png": png,
        "comparisons": {k: {"protocol": p, **v} for k, (p, v) in comparisons.items()},
        "overlap_psnr_db": comparisons["bd_rate_vs_webp"][1]["psnr_range_db"],
        "bd_rate_vs_webp": comparisons["bd_rate_vs_webp"][1]["bd_rate"],
        "bytes_at_db": at, "bytes_at_23db": {"aekit": at23, "webp": at["WebP file (method 6)"]["23"],
                                             "jpeg": at[f"JPEG ({jpeg_mode})"]["23"]},
        "throughput": speed,
    }, [check("bd_rate_vs_webp_per_image", _finite(comparisons["bd_rate_vs_webp_per_image"][1]["bd_rate"]), "<=", -0.5),
        check("bd_rate_vs_avif_per_image", comparisons["bd_rate_vs_avif_per_image"][1]["bd_rate"]),
        check("bd_rate_vs_webp_bitstream_per_image", comparisons["bd_rate_vs_webp_bitstream_per_image"][1]["bd_rate"]),
        check("bd_rate_vs_avif_bitstream_per_image", comparisons["bd_rate_vs_avif_bitstream_per_image"][1]["bd_rate"]),
        check("bd_rate_vs_webp", _finite(comparisons["bd_rate_vs_webp"][1]["bd_rate"]), "<=", -0.5),
        check("max_psnr_db", max(r["psnr_db"] for r in aek_batch), ">=", 30.0),
        check("bytes_at_23db", _finite(at23), "<=", 40.0),
        check("rate_estimate_error", max_err, "<=", 0.03)],
        markdown(n, aek, aek_batch, webp, avif, avif_bits, avif_grid, jpeg, jpeg_mode, png, comparisons, at, speed))


def _avif_note(avif: list[dict], aek: list[dict]) -> str:
    """Which AVIF points the BD-rate against AVIF interpolates between, in aekit's PSNR range."""
    top = max(r["psnr_db"] for r in aek)
    inside = [r for r in avif if r["psnr_db"] <= top]
    above = [r for r in avif if r["psnr_db"] > top][:1]
    pts = ", ".join(f"speed {r['speed']} q{r['quality']} ({r['bytes_per_image']:.0f} B, {r['psnr_db']:.1f} dB)"
                    for r in inside + above)
    return f"Up to aekit's top PSNR ({top:.1f} dB) and the next point above it, the front is: {pts}."


def _finite(v: float) -> float:
    return v if np.isfinite(v) else 1e9  # an unmeasurable figure fails its bar


def _pct(v: float) -> str:
    return "n/a (no common PSNR range)" if not np.isfinite(v) else f"{v:+.1%}"


def markdown(n, aek, aek_batch, webp, avif, avif_bits, avif_grid, jpeg, jpeg_mode, png, comparisons, at, speed) -> str:
    rows = [[f"aekit q{r['quality']}", "", r["bytes_per_image"], r["payload_bytes_per_image"], r["psnr_db"],
             r["encode_images_per_s"], r["decode_images_per_s"]] for r in aek]
    rows += [[f"WebP q{r['quality']}", "method 6", r["bytes_per_image"], r["bitstream_bytes_per_image"], r["psnr_db"],
              r["encode_images_per_s"], r["decode_images_per_s"]] for r in webp]
    rows += [[f"AVIF q{r['quality']}", f"speed {r['speed']}", r["bytes_per_image"], r["bitstream_bytes_per_image"],
              r["psnr_db"], r["encode_images_per_s"], r["decode_images_per_s"]] for r in avif]
    rows += [[f"JPEG q{r['quality']}", jpeg_mode, r["bytes_per_image"], "", r["psnr_db"], r["encode_images_per_s"],
              r["decode_images_per_s"]] for r in jpeg]
    rows += [["PNG (lossless)", "optimize", png["bytes_per_image"], "", "inf", png["encode_images_per_s"],
              png["decode_images_per_s"]]]
    batch_rows = [[f"aekit q{r['quality']}", r["bytes_per_image"], r["psnr_db"], r["rate_estimate_error"],
                   r["encode_images_per_s"], r["decode_images_per_s"]] for r in aek_batch]
    bd_rows = [[f"`{k}`", p, _pct(v["bd_rate"]),
                "" if v["psnr_range_db"] is None else f"{v['psnr_range_db'][0]:.2f}-{v['psnr_range_db'][1]:.2f}"]
               for k, (p, v) in comparisons.items()]
    at_rows = [[name, *[f"{v:.1f}" if np.isfinite(v) else "-" for v in vals.values()]] for name, vals in at.items()]
    return (
        f"# Compression: MNIST test split ({n} digits, 28x28)\n\n"
        "Bytes per digit and PSNR of the decoded digits. **Per image** (the headline): one file per digit, every "
        "byte of every file counted. **Amortised**: aekit's digits all in one .aek file. WebP: `method=6`, a "
        "quality sweep; AVIF: Pillow's libavif (aom), one thread, the Pareto front of speeds "
        f"{AVIF_SPEEDS} x qualities {AVIF_QUALITIES[0]}-{AVIF_QUALITIES[-1]} (speeds 0-6 do not go below ~32 dB on "
        f"these digits); JPEG: {jpeg_mode} (the smaller of baseline and progressive). One run, deterministic "
        "codecs (no seeds).\n\n"
        "## Bytes per digit at equal PSNR (log-linear interpolation; - = outside the curve)\n\n"
        + md_table(["curve", *[f"at {t:g} dB" for t in TARGETS_DB]], at_rows)
        + "\n\n## BD-rate of aekit (negative = fewer bytes at equal PSNR)\n\n"
        + md_table(["id", "protocol", "BD-rate", "PSNR range dB"], bd_rows)
        + "\n\n## Per image: one file per digit\n\n"
        + md_table(["method", "setting", "bytes/digit (file)", "bytes/digit (aekit payload / codec bitstream)",
                    "PSNR dB", "encode img/s", "decode img/s"], rows)
        + f"\n\nAVIF rows are the Pareto front of the {len(avif_grid)}-setting grid (every setting is in the JSON): "
          "every other setting costs more bytes for a lower PSNR than one of them. "
          + _avif_note(avif, aek) + "\n\n"
        + f"## Amortised: aekit, {n} digits in one .aek file\n\n"
        + md_table(["method", "bytes/digit", "PSNR dB", "rate est. error", "encode img/s", "decode img/s"], batch_rows)
        + f"\n\n## Throughput (digits/s, one thread, best of 3 on {speed['images']} digits)\n\n"
        + md_table(["", "encode", "decode"], [
            [f"aekit q{speed['aekit_quality']}, one file per digit", speed["aekit_one_file_per_image_encode"],
             speed["aekit_one_file_per_image_decode"]],
            [f"aekit q{speed['aekit_quality']}, one file for all", speed["aekit_one_file_for_all_encode"],
             speed["aekit_one_file_for_all_decode"]],
            [f"WebP q{speed['webp_quality']} (method 6), one file per digit", speed["webp_encode"],
             speed["webp_decode"]]])
        + "\n\naekit runs its networks one digit at a time so that a digit codes the same alone or in any batch: "
          f"the networks alone (analysis, hyper-synthesis, synthesis) run {speed['aekit_networks_one_image_per_call']:.0f}"
          f" digits/s that way, {speed['aekit_networks_whole_batch']:.0f} on one {speed['images']}-digit batch (how "
          "format version 1 ran them, batch-dependent). The per-row rates in the tables above are single runs on a "
          "shared machine.\n\n![rate-distortion](compression_rd.png)\n")


def plot(path, n, aek, aek_batch, webp, avif, avif_bits, jpeg, jpeg_mode, png) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aekit.plots import _atomic_savefig

    def line(rows, key, *style, **kw):
        rows = sorted(rows, key=lambda r: r["psnr_db"])
        ax.plot([r[key] for r in rows], [r["psnr_db"] for r in rows], *style, **kw)

    fig, ax = plt.subplots(figsize=(6.8, 4.6))
    line(aek, "bytes_per_image", "o-", color="C3", lw=2, label="aekit, one file per digit")
    line(aek_batch, "bytes_per_image", "o--", color="C3", alpha=0.5, label=f"aekit, {n:,} digits per file (amortised)")
    line(webp, "bytes_per_image", "s-", color="C0", label="WebP file (method 6)")
    line(webp, "bitstream_bytes_per_image", "s:", color="C0", alpha=0.6, label="WebP bitstream (no RIFF)")
    line(avif, "bytes_per_image", "D-", color="C4", label="AVIF file (best of grid)")
    line(avif_bits, "bitstream_bytes_per_image", "D:", color="C4", alpha=0.6, label="AVIF bitstream (no HEIF boxes)")
    line(jpeg, "bytes_per_image", "^-", color="C1", label=f"JPEG ({jpeg_mode})")
    ax.axvline(png["bytes_per_image"], color="C2", ls="--", label=f"PNG, lossless ({png['bytes_per_image']:.0f} B)")
    ax.set_xscale("log")
    ax.set_xlim(10, 800)
    ax.set_ylim(15, 45)
    ax.set_xlabel("bytes per digit (log scale)")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title("MNIST test digits (28x28): rate-distortion; solid = one file per digit", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    _atomic_savefig(fig, path)
    plt.close(fig)


if __name__ == "__main__":
    main()
