"""``aekit compress``: images -> one ``.aek`` file with a learned codec."""

from __future__ import annotations

from ..errors import DataError
from .common import add_threads_arg, formatter, load_input

EXAMPLES = """examples:
  aekit compress digit.png -o digit.aek --quality 3           # the bundled mnist codec
  aekit compress a.png b.png scans/ -o batch.aek --quality 5  # many images share one frame and stream
  aekit compress digits.npy -o digits.aek --quality 1         # an (n, 28, 28) array, values 0..255
  aekit compress mnist:test -o test.aek --quality 2 --model models/mycodec
"""


def add_parser(sub) -> None:
    p = sub.add_parser("compress", help="compress images into an .aek file with a learned codec",
                       description="Compress images (PNG/JPEG files, folders of images, .npy arrays with values "
                                   "0..255, or mnist:test) into one .aek file; prints its size and bits per pixel.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders, .npy arrays or mnist[:test]")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the .aek file to write")
    p.add_argument("--quality", type=int, default=3, metavar="Q",
                   help="quality level, 1 = smallest files (the bundled mnist codec has 1 to 7; default 3)")
    p.add_argument("--model", default="mnist", metavar="M",
                   help="bundled codec name (default mnist) or a folder written by aekit train-codec")
    add_threads_arg(p)
    p.set_defaults(func=run)


def gather(inputs: list[str]):
    """Every input as one ``(n, H, W)`` / ``(n, C, H, W)`` batch, in the order given."""
    import numpy as np

    parts = []
    for spec in inputs:
        X, _ = load_input(spec)
        X = np.asarray(X)
        if X.ndim == 2:  # one grey image (a single PNG loads as (1, H, W); an .npy may hold (H, W))
            X = X[None]
        parts.append(X)
    shapes = {p.shape[1:] for p in parts}
    if len(shapes) > 1:
        raise DataError(f"inputs have different image shapes {sorted(shapes)}; one .aek file holds images "
                        "of the codec's one size.")
    return np.concatenate(parts)


def run(args) -> int:
    from ..atomic import write_bytes
    from ..compression import load_codec
    from ..compression.codec import bits_per_pixel

    import sys
    import warnings

    from ..compression.domain import DomainWarning

    codec = load_codec(args.model)
    X = gather(args.inputs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DomainWarning)
        data = codec.compress(X, args.quality)
    for w in caught:
        if issubclass(w.category, DomainWarning):
            print(f"aekit compress: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    write_bytes(args.output, data)
    n = len(X)
    print(f"wrote {args.output}: {n} image(s), {len(data)} bytes ({len(data) / n:.1f} bytes/image, "
          f"{bits_per_pixel(len(data), n, codec.image_shape):.3f} bpp), codec {codec.name!r} quality {args.quality}")
    return 0


__all__ = ["add_parser", "gather", "run"]
