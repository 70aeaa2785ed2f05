"""Learned compression of real photographs: aekit's ``photo`` codec vs JPEG, WebP, AVIF, HEIC and JPEG XL.

On the held-out test photos of ``scripts/photo_data.py`` (none is a training source: scikit-image's
astronaut, chelsea, coffee, rocket, motorcycle_left, stored as PNG; scikit-learn's china and flower,
matplotlib's grace_hopper and three opencv-doc photos, stored as JPEG), every method writes one
file per photo, as a user meets it (every header counted), at every setting of a grid fixed below;
the file is decoded and scored against the original:

* rate: bits per pixel of the file (8 x bytes / (H x W));
* PSNR over the RGB pixels (peak 255) and MS-SSIM (Wang et al. 2003, 5 scales, 11x11 Gaussian
  windows of sigma 1.5, on each RGB channel, averaged).

Methods (Pillow 13, pillow-heif, imagecodecs, all in this run on the same photos):

* aekit ``photo`` at every quality level (``.aek`` files, format version 2);
* JPEG: Pillow, ``optimize=True``, 4:2:0 (``subsampling=2``);
* WebP: Pillow, ``method=6``;
* AVIF: Pillow's built-in plugin (libavif + aom), ``speed=6``, 4:2:0, one thread;
* HEIC (HEVC intra, the BPG family): pillow-heif (libheif + x265), 4:2:0;
* JPEG XL: imagecodecs (libjxl), ``effort=7``, a grid of butteraugli distances.

BD-rate (Bjontegaard, negative = aekit needs fewer bits at equal PSNR): per photo over the PSNR
range both curves cover (a cubic of log-rate in PSNR), and the mean over photos (the acceptance
figure). Also: encode/decode seconds per megapixel (one thread), the peak memory of compressing and
decompressing a 12-megapixel photo (a separate process; its peak resident set), the exact shapes of
round trips of 1x1, 7x13 grey, 255x257 RGB and 1023x769 RGB images, and the size of the weights.

    python benchmarks/compression_photos.py           # about 30 minutes on one core
    python benchmarks/compression_photos.py --quick   # 2 photos, coarse grids -> results/quick/
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from aekit.compression import load_codec  # noqa: E402
from aekit.compression.zoo import WEIGHTS  # noqa: E402
from aekit.metrics import bd_rate  # noqa: E402

from _common import check, md_table, parse_args, write_results  # noqa: E402

JPEG_QUALITIES = [5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95]
WEBP_QUALITIES = [0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]
AVIF_QUALITIES = [5, 10, 20, 30, 40, 50, 60, 70, 80, 90]
HEIC_QUALITIES = [5, 10, 20, 30, 40, 50, 60, 70, 80, 90]
JXL_DISTANCES = [12.0, 8.0, 6.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.7, 0.5]
ROUNDTRIP_SHAPES = [(1, 1), (1, 1, 3), (7, 13), (255, 257, 3), (1023, 769, 3)]
MEGAPIXELS_12 = (3000, 4000)  # H, W of the peak-memory photo


# -- quality metrics ----------------------------------------------------------------------------
def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def _ssim_parts(a, b):
    from scipy.ndimage import gaussian_filter

    k1, k2, peak = 0.01, 0.03, 255.0
    c1, c2 = (k1 * peak) ** 2, (k2 * peak) ** 2
    f = lambda x: gaussian_filter(x, 1.5, truncate=3.5, mode="reflect")  # noqa: E731  (11x11 window)
    mu_a, mu_b = f(a), f(b)
    s_aa, s_bb, s_ab = f(a * a) - mu_a ** 2, f(b * b) - mu_b ** 2, f(a * b) - mu_a * mu_b
    cs = (2 * s_ab + c2) / (s_aa + s_bb + c2)
    lum = (2 * mu_a * mu_b + c1) / (mu_a ** 2 + mu_b ** 2 + c1)
    return float(np.mean(lum * cs)), float(np.mean(cs))


def ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """MS-SSIM of two uint8 images ``(H, W, 3)``: mean over the RGB channels."""
    weights = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])
    vals = []
    for c in range(a.shape[2]):
        x, y = a[..., c].astype(np.float64), b[..., c].astype(np.float64)
        mcs = []
        for level in range(5):
            ssim, cs = _ssim_parts(x, y)
            if level < 4:
                mcs.append(max(cs, 0.0))
                h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
                x = x[:h, :w].reshape(h // 2, 2, w // 2, 2).mean((1, 3))
                y = y[:h, :w].reshape(h // 2, 2, w // 2, 2).mean((1, 3))
        vals.append(float(np.prod(np.array(mcs) ** weights[:4]) * max(ssim, 0.0) ** weights[4]))
    return float(np.mean(vals))


# -- the codecs: image -> file bytes, file bytes -> image -------------------------------------------
def _pillow(fmt: str, **opts):
    def enc(img):
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format=fmt, **opts)
        return buf.getvalue()
    return enc


def _pillow_dec(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def baselines() -> dict:
    """name -> (settings grid, settings -> encoder, decoder, what the settings are)."""
    import imagecodecs
    import pillow_heif

    pillow_heif.register_heif_opener()
    jxl_enc = lambda d: lambda img: imagecodecs.jpegxl_encode(img, distance=d, effort=7)  # noqa: E731
    return {
        "JPEG": (JPEG_QUALITIES, lambda q: _pillow("JPEG", quality=q, optimize=True, subsampling=2), _pillow_dec,
                 "Pillow quality, optimize=True, 4:2:0"),
        "WebP": (WEBP_QUALITIES, lambda q: _pillow("WEBP", quality=q, method=6), _pillow_dec, "Pillow quality, method=6"),
        "AVIF": (AVIF_QUALITIES, lambda q: _pillow("AVIF", quality=q, speed=6, max_threads=1, subsampling="4:2:0"),
                 _pillow_dec, "Pillow quality (libavif + aom), speed=6, 4:2:0, one thread"),
        "HEIC": (HEIC_QUALITIES, lambda q: _pillow("HEIF", quality=q, chroma=420), _pillow_dec,
                 "pillow-heif quality (libheif + x265), 4:2:0"),
        "JPEG XL": (JXL_DISTANCES, jxl_enc, lambda b: np.asarray(imagecodecs.jpegxl_decode(b))[..., :3],
                    "imagecodecs distance (libjxl), effort=7"),
    }


def measure(img: np.ndarray, encode, decode) -> dict:
    t0 = time.perf_counter()
    data = encode(img)
    t1 = time.perf_counter()
    out = decode(data)
    t2 = time.perf_counter()
    if out.shape != img.shape:
        raise RuntimeError(f"decoded shape {out.shape} != {img.shape}")
    h, w = img.shape[:2]
    return {"bytes": len(data), "bpp": 8.0 * len(data) / (h * w), "psnr_db": psnr(img, out),
            "ms_ssim": ms_ssim(img, out), "encode_s": t1 - t0, "decode_s": t2 - t1}


# -- BD-rate ----------------------------------------------------------------------------------------
def restrict(rate, p, lo, hi):
    """Points inside [lo, hi] plus the nearest one outside each end (so a fit covers the interval)."""
    order = np.argsort(p)
    rate, p = np.asarray(rate)[order], np.asarray(p)[order]
    idx = np.flatnonzero((p >= lo) & (p <= hi))
    first, last = (idx[0], idx[-1]) if len(idx) else (np.searchsorted(p, lo), np.searchsorted(p, lo) - 1)
    sel = np.arange(max(0, first - 1), min(len(p), last + 2))
    return rate[sel], p[sel]


def monotone(rows: list[dict], key: str = "psnr_db") -> list[dict]:
    """The rows no other row beats on both counts (fewer bits and at least the quality), by quality."""
    front = [r for r in rows if not any(o["bpp"] < r["bpp"] and o[key] >= r[key] for o in rows)]
    return sorted(front, key=lambda r: r[key])


def bd(ref: list[dict], test: list[dict], key: str = "psnr_db") -> dict:
    ref, test = monotone(ref, key), monotone(test, key)
    lo = max(min(r[key] for r in ref), min(r[key] for r in test))
    hi = min(max(r[key] for r in ref), max(r[key] for r in test))
    if not lo < hi:
        return {"bd_rate": float("nan"), "range": None}
    r_rate, r_q = [r["bpp"] for r in ref], [r[key] for r in ref]
    t_rate, t_q = [r["bpp"] for r in test], [r[key] for r in test]
    value = bd_rate(*restrict(r_rate, r_q, lo, hi), *restrict(t_rate, t_q, lo, hi))
    return {"bd_rate": float(value), "range": [float(lo), float(hi)]}


# -- the extra figures -------------------------------------------------------------------------------
def roundtrip_sizes(codec, quality: int) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    for shape in ROUNDTRIP_SHAPES:
        x = rng.integers(0, 256, shape, dtype=np.uint8)
        y = codec.decompress(codec.compress(x, quality))
        out["x".join(map(str, shape))] = {"decoded_shape": list(y.shape), "ok": y.shape == x.shape and y.dtype == np.uint8}
    return out


def peak_memory_12mp(quality: int, image: np.ndarray) -> dict:
    """Compress and decompress a 12-megapixel photo (``image`` resized) in a fresh process; its peak RSS."""
    code = f"""
import resource, sys, time, numpy as np, torch
from PIL import Image
torch.set_num_threads(1)
from aekit.compression import load_codec
codec = load_codec("photo")
img = np.asarray(Image.fromarray(np.load(sys.argv[1])).resize(({MEGAPIXELS_12[1]}, {MEGAPIXELS_12[0]}), Image.BICUBIC))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter(); data = codec.compress(img, {quality}); t1 = time.perf_counter()
out = codec.decompress(data); t2 = time.perf_counter()
assert out.shape == img.shape
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(data), t1 - t0, t2 - t1)
"""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "img.npy", image)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "src")}
        res = subprocess.run([sys.executable, "-c", code, str(Path(tmp) / "img.npy")], capture_output=True, text=True,
                             env=env, check=True)
    base, peak, n, t_enc, t_dec = (float(v) for v in res.stdout.split())
    mp = MEGAPIXELS_12[0] * MEGAPIXELS_12[1] / 1e6
    return {"shape": [*MEGAPIXELS_12, 3], "megapixels": mp, "peak_rss_mb": peak, "rss_before_coding_mb": base,
            "bytes": int(n), "bpp": 8 * n / (mp * 1e6), "encode_s_per_mp": t_enc / mp, "decode_s_per_mp": t_dec / mp,
            "quality": quality}


def weights_size(name: str = "photo") -> dict:
    folder = WEIGHTS / name
    files = {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}
    return {"files": files, "total_bytes": sum(files.values())}


# -- main -----------------------------------------------------------------------------------------
def main() -> None:
    args = parse_args(__doc__.splitlines()[0])
    torch.set_num_threads(1)
    from photo_data import test_images

    photos = test_images()
    if args.quick:
        photos = {k: photos[k] for k in ("chelsea", "opencv_butterfly")}
    codec = load_codec("photo")
    grids = baselines()
    if args.quick:
        grids = {k: (v[0][::3], *v[1:]) for k, v in grids.items()}
    results: dict[str, dict[str, list[dict]]] = {}  # method -> photo -> rows
    for name, (img, stored) in photos.items():
        print(f"{name} {img.shape} ({stored})", flush=True)
        rows = []
        for q in codec.qualities:
            rows.append({"setting": q, **measure(img, lambda x, q=q: codec.compress(x, q), codec.decompress)})
        results.setdefault("aekit", {})[name] = rows
        for method, (grid, make, dec, _) in grids.items():
            results.setdefault(method, {})[name] = [{"setting": s, **measure(img, make(s), dec)} for s in grid]
        print("  " + "; ".join(f"{m} {min(r['bpp'] for r in v[name]):.2f}-{max(r['bpp'] for r in v[name]):.2f} bpp"
                               for m, v in results.items()), flush=True)

    names = list(photos)
    comparisons = {}
    for method in grids:
        for key in ("psnr_db", "ms_ssim"):
            per = {n: bd(results[method][n], results["aekit"][n], key) for n in names}
            vals = [v["bd_rate"] for v in per.values() if np.isfinite(v["bd_rate"])]
            comparisons[f"{method}:{key}"] = {"per_image": per, "mean": float(np.mean(vals)) if vals else float("nan"),
                                             "images_with_overlap": len(vals)}
    mean_curves = {m: [{"setting": rows[0]["setting"], **{k: float(np.mean([results[m][n][i][k] for n in names]))
                                                           for k in ("bpp", "psnr_db", "ms_ssim")}}
                       for i, rows in enumerate(zip(*[results[m][n] for n in names]))] for m in results}
    mean_curve_bd = {m: bd(mean_curves[m], mean_curves["aekit"])["bd_rate"] for m in grids}
    mp = sum(img.shape[0] * img.shape[1] for img, _ in photos.values()) / 1e6
    speed = {m: {"encode_s_per_mp": sum(r["encode_s"] for n in names for r in results[m][n]) / (mp * len(results[m][names[0]])),
                 "decode_s_per_mp": sum(r["decode_s"] for n in names for r in results[m][n]) / (mp * len(results[m][names[0]]))}
             for m in results}
    mid_q = codec.qualities[len(codec.qualities) // 2]
    print("round trips ...", flush=True)
    rt = roundtrip_sizes(codec, mid_q)
    print("12 MP peak memory ...", flush=True)
    mem = peak_memory_12mp(mid_q, photos[names[0]][0])
    wsize = weights_size()
    training = json.loads((ROOT / "benchmarks/results/photo_codec_training.json").read_text()) \
        if (ROOT / "benchmarks/results/photo_codec_training.json").exists() else None
    plot(args.out_dir / "compression_photos_rd.png", mean_curves, len(names))

    acceptance = [
        check("photo_bd_rate_vs_jpeg", _finite(comparisons["JPEG:psnr_db"]["mean"]), "<=", -0.25),
        check("photo_bd_rate_vs_webp", _finite(comparisons["WebP:psnr_db"]["mean"]), "<=", 0.0),
        check("photo_peak_memory_mb_12mp", mem["peak_rss_mb"], "<=", 3000),
        check("photo_roundtrip_sizes_ok", float(all(v["ok"] for v in rt.values())), ">=", 1.0),
        check("photo_bd_rate_vs_avif", comparisons["AVIF:psnr_db"]["mean"]),
        check("photo_bd_rate_vs_heic", comparisons["HEIC:psnr_db"]["mean"]),
        check("photo_bd_rate_vs_jpegxl", comparisons["JPEG XL:psnr_db"]["mean"]),
        check("photo_weights_bytes", float(wsize["total_bytes"])),
    ]
    write_results(args.out_dir, "compression_photos", {
        "test_photos": {n: {"shape": list(photos[n][0].shape), "stored_as": photos[n][1]} for n in names},
        "settings": {m: {"grid": g[0], "what": g[3]} for m, g in grids.items()} | {"aekit": {"grid": codec.qualities,
                                                                                             "what": "photo codec quality level"}},
        "bd_rate_protocol": "per photo, over the PSNR (or MS-SSIM) range both curves cover, cubic fit of log-rate; "
                            "acceptance = mean over photos of the PSNR BD-rate",
        "comparisons": comparisons, "bd_rate_of_mean_curves_psnr": mean_curve_bd,
        "mean_curves": mean_curves, "results": results, "speed_s_per_megapixel_one_thread": speed,
        "peak_memory_12mp": mem, "roundtrip_sizes": rt, "weights": wsize, "training": training,
        "threads": 1,
    }, acceptance, markdown(names, photos, mean_curves, comparisons, mean_curve_bd, speed, mem, rt, wsize, training))


def _finite(v: float) -> float:
    return v if np.isfinite(v) else 1e9  # an unmeasurable figure fails its bar


def _pct(v: float) -> str:
    return "n/a" if not np.isfinite(v) else f"{v:+.1%}"


def markdown(names, photos, mean_curves, comparisons, mean_curve_bd, speed, mem, rt, wsize, training) -> str:
    methods = [m for m in mean_curves if m != "aekit"]
    bd_rows = [[n, f"{photos[n][0].shape[1]}x{photos[n][0].shape[0]}", photos[n][1],
                *[_pct(comparisons[f"{m}:psnr_db"]["per_image"][n]["bd_rate"]) for m in methods]] for n in names]
    bd_rows.append(["**mean over photos**", "", "", *[f"**{_pct(comparisons[f'{m}:psnr_db']['mean'])}**" for m in methods]])
    bd_rows.append(["mean, MS-SSIM", "", "", *[_pct(comparisons[f"{m}:ms_ssim"]["mean"]) for m in methods]])
    bd_rows.append(["BD-rate of the mean curves (PSNR)", "", "", *[_pct(mean_curve_bd[m]) for m in methods]])
    curve_rows = [[m, r["setting"], r["bpp"], r["psnr_db"], r["ms_ssim"]] for m in mean_curves for r in mean_curves[m]]
    speed_rows = [[m, v["encode_s_per_mp"], v["decode_s_per_mp"]] for m, v in speed.items()]
    train_line = "" if not training else (
        f"Training (scripts/train_photo_codec.py): {training['train_seconds'] / 60:.0f} min on "
        f"{training['threads']} thread(s) of a shared 2-core machine, after {training['data_seconds']:.0f} s of data "
        "preparation.\n\n")
    return (
        f"# Compression of photographs: {len(names)} held-out test photos\n\n"
        "One file per photo, every byte counted; bits per pixel against PSNR (RGB, peak 255) and MS-SSIM. "
        "BD-rate of aekit's `photo` codec against each baseline (negative = aekit needs fewer bits for the same "
        "PSNR), per photo over the PSNR range both cover:\n\n"
        + md_table(["photo", "size", "stored as", *methods], bd_rows)
        + "\n\n## Mean over the photos, per setting\n\n"
        + md_table(["method", "setting", "bpp", "PSNR dB", "MS-SSIM"], curve_rows)
        + "\n\n## Speed (seconds per megapixel, one thread, mean over the settings)\n\n"
        + md_table(["method", "encode s/MP", "decode s/MP"], speed_rows)
        + f"\n\n12-megapixel photo ({mem['shape'][1]}x{mem['shape'][0]}, quality {mem['quality']}): peak memory "
          f"{mem['peak_rss_mb']:.0f} MB (resident set of the whole process, {mem['rss_before_coding_mb']:.0f} MB "
          f"before coding), encode {mem['encode_s_per_mp']:.2f} s/MP, decode {mem['decode_s_per_mp']:.2f} s/MP.\n\n"
          f"Round trips (decoded shape): "
        + ", ".join(f"{k} -> {tuple(v['decoded_shape'])}" for k, v in rt.items())
        + f".\n\nShipped weights: {wsize['total_bytes'] / 1e6:.2f} MB ("
        + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in wsize["files"].items()) + ").\n\n"
        + train_line + TRIED + "![rate-distortion](compression_photos_rd.png)\n")


TRIED = """## What was tried (CPU only, one thread of a shared 2-core machine)

- A GDN transform (Ballé et al.: four 5x5 stride-2 convolutions with GDN, 48 channels, a 96-channel
  latent at 1/16, mean-scale hyperprior; 0.71 M parameters), trained 3 epochs of 675 steps (batches
  of 4 crops of 128x128, lr 6e-4) at lambda 1000 in 25 minutes: on chelsea 28.8 dB at 0.47 bpp by
  its own rate estimate, where JPEG reaches about 31 dB. Such transforms need orders of magnitude
  more steps (GPU-days in the literature) than this budget allows.
- The shipped DCT transform: an orthonormal colour transform and 8x8 block DCT whose coefficient
  mixing starts as the high-rate optimal uniform step for each lambda, so it reconstructs well
  before any training; the hyperprior and a residual de-blocking post-filter are learned, and each
  lower level is warm-started from the level above with its step rescaled to its own lambda.
  Untrained, with an ideal static per-coefficient entropy coder, it gives 33.1 dB at 1.1 bpp on
  chelsea; the learned hyperprior brings the rate down from there, but in these minutes not below
  JPEG's. Coding zeros cheaply needs the hyperprior to learn tiny scales for most coefficients,
  which the training budget only partly reaches (the scale biases move about lr per step).

"""


def plot(path, mean_curves, n) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aekit.plots import _atomic_savefig

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    styles = {"aekit": ("o-", "C3"), "JPEG": ("^-", "C1"), "WebP": ("s-", "C0"), "AVIF": ("D-", "C4"),
              "HEIC": ("v-", "C5"), "JPEG XL": ("P-", "C2")}
    for ax, key, label in ((axes[0], "psnr_db", "PSNR (dB)"), (axes[1], "ms_ssim", "MS-SSIM")):
        for m, rows in mean_curves.items():
            rows = sorted(rows, key=lambda r: r["bpp"])
            style, color = styles.get(m, ("x-", "k"))
            ax.plot([r["bpp"] for r in rows], [r[key] for r in rows], style, color=color, lw=2 if m == "aekit" else 1,
                    label="aekit photo" if m == "aekit" else m)
        ax.set_xlim(0, 2.0)
        ax.set_xlabel("bits per pixel")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[1].set_ylim(0.85, 1.0)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{n} held-out photos: mean over photos per setting, one file per photo", fontsize=10)
    _atomic_savefig(fig, path)
    plt.close(fig)


if __name__ == "__main__":
    main()
