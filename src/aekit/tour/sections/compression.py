"""Compression: the shipped mnist codec against JPEG, WebP and AVIF, one file per digit, bytes at equal PSNR."""

from __future__ import annotations

import io

import numpy as np

from ..base import Figure, Number, SectionResult, png_of_figure, png_of_grid, pyplot, section

TARGET_DB = 27.0  # the middle of the range every codec covers on these digits


def _psnr(a, b) -> float:
    from ...metrics import psnr

    return psnr(np.asarray(a, np.float64) / 255.0, np.asarray(b, np.float64) / 255.0)


def _pillow_curve(X: np.ndarray, fmt: str, settings: list[dict]) -> list[dict]:
    """Bytes per digit (one file each, every byte counted) and PSNR of the decoded digits, per setting."""
    from PIL import Image

    rows = []
    for kw in settings:
        sizes, dec = [], []
        for img in X:
            buf = io.BytesIO()
            Image.fromarray(img).save(buf, format=fmt, **kw)
            sizes.append(buf.tell())
            buf.seek(0)
            dec.append(np.asarray(Image.open(buf).convert("L")))
        rows.append({"setting": kw, "bytes": float(np.mean(sizes)), "psnr": _psnr(np.stack(dec), X)})
    return _front(rows)


def _front(rows: list[dict]) -> list[dict]:
    """The Pareto front (fewer bytes, higher PSNR), sorted by bytes: a codec at its best settings."""
    out, best = [], -np.inf
    for r in sorted(rows, key=lambda r: (r["bytes"], -r["psnr"])):
        if r["psnr"] > best:
            out.append(r)
            best = r["psnr"]
    return out


def bytes_at(rows: list[dict], db: float) -> float | None:
    """Bytes at PSNR ``db``, log-linear between the curve's neighbouring points (None outside it)."""
    p = np.array([r["psnr"] for r in rows])
    if len(p) < 2 or not p.min() <= db <= p.max():
        return None
    return float(np.exp(np.interp(db, p, np.log([r["bytes"] for r in rows]))))


@section("compression", "Compression: a learned codec against JPEG, WebP and AVIF", order=70)
def run(ctx) -> SectionResult:
    from PIL import features

    from ...compression import load_codec
    from ...metrics import bd_rate

    ds = ctx.mnist
    X = ds.X_test[:ctx.pick(300, 100)].astype(np.uint8)
    codec = load_codec("mnist")  # shipped with the package: nothing to train
    aek, recon = [], {}
    for q in codec.qualities:
        size = np.mean([len(codec.compress(X[i:i + 1], q)) for i in range(len(X))])
        recon[q] = codec.reconstruct(X, q)
        aek.append({"setting": {"quality": q}, "bytes": float(size), "psnr": _psnr(recon[q], X)})
    curves = {"aekit (.aek file)": aek,
              "JPEG": _pillow_curve(X, "JPEG", [{"quality": q, "optimize": True} for q in (5, 10, 20, 30, 50, 70, 90)]),
              "WebP": _pillow_curve(X, "WEBP", [{"quality": q, "method": 6} for q in (0, 5, 10, 20, 40, 60, 80, 95)])}
    if features.check("avif"):
        curves["AVIF"] = _pillow_curve(X, "AVIF", [{"quality": q, "speed": s} for s in (8, 10)
                                                    for q in (0, 20, 40, 60, 80)])
    at = {n: bytes_at(c, TARGET_DB) for n, c in curves.items()}
    bd = {}
    for name, c in curves.items():
        if name.startswith("aekit"):
            continue
        try:
            bd[name] = bd_rate([r["bytes"] for r in c], [r["psnr"] for r in c], [r["bytes"] for r in aek],
                               [r["psnr"] for r in aek])
        except ValueError:
            bd[name] = None  # the curves do not overlap
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.8, 3.8))
    for name, c in curves.items():
        ax.plot([r["bytes"] for r in c], [r["psnr"] for r in c], marker="o", ms=3, label=name,
                lw=2 if name.startswith("aekit") else 1)
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    ticks = [t for t in (20, 30, 50, 100, 200, 300, 500) if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    ax.xaxis.set_major_locator(FixedLocator(ticks))  # plain byte counts; log-scale minor labels overlapped
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("bytes per digit (one file each)")
    ax.set_ylabel("PSNR (dB)")
    ax.axhline(TARGET_DB, color="grey", lw=0.5)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    qs = codec.qualities
    pic = png_of_grid([X[:8] / 255.0] + [recon[q][:8] / 255.0 for q in qs], ["original"] +
                      [f"q{q}: {aek[k]['bytes']:.0f} B, {aek[k]['psnr']:.1f} dB" for k, q in enumerate(qs)],
                      title="the shipped mnist codec at each quality (bytes per digit, PSNR)")
    base = [n for n in ("WebP", "AVIF", "JPEG") if at.get(n) is not None]
    numbers = [Number(f"bytes per digit at {TARGET_DB:g} dB", at["aekit (.aek file)"], at[n], f"{n} file", "lower",
                      ".1f", " B") for n in base if at["aekit (.aek file)"] is not None]
    numbers += [Number(f"BD-rate against {n} (negative = fewer bytes)", bd[n] * 100, 0.0, n, "lower", "+.1f", "%")
                for n in ("WebP",) if bd.get(n) is not None]
    png_bytes = np.mean([len(_png_file(img)) for img in X])
    return SectionResult(
        numbers=numbers,
        figures=[Figure("rate_distortion.png", png_of_figure(fig), "Rate and distortion of every codec on the same "
                        f"{len(X)} test digits, each digit in its own file; the line marks {TARGET_DB:g} dB."),
                 Figure("qualities.png", pic, "Test digits decoded from .aek files at each quality level.")],
        text=(f"The codec that ships with aekit was trained on the mnist training digits: encoder, rounding, a learned "
              f"entropy model and a range coder write real .aek files. On {len(X)} test digits, one file per digit, "
              f"it needs {at['aekit (.aek file)'] or float('nan'):.0f} bytes at {TARGET_DB:g} dB where WebP needs "
              f"{at['WebP'] or float('nan'):.0f} and JPEG {at['JPEG'] or float('nan'):.0f}; a lossless PNG takes "
              f"{png_bytes:.0f}. It only knows digits: other images want a codec of their own (aekit train-codec)."),
        reproduce=["python benchmarks/compression.py",
                   "aekit compress digit.png -o digit.aek --quality 3",
                   "aekit decompress digit.aek -o out/"],
        details={"curves": curves, "bytes_at_db": at, "target_db": TARGET_DB, "bd_rate": bd,
                 "png_bytes_per_digit": float(png_bytes), "n_digits": len(X)})


def _png_file(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", optimize=True)
    return buf.getvalue()
