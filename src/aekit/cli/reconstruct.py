"""``aekit reconstruct``: encode and decode inputs with a saved model."""

from __future__ import annotations

import numpy as np

from .common import add_data_args, add_threads_arg, formatter, load_autoencoder, load_input, write_output

EXAMPLES = """examples:
  aekit reconstruct --model models/mnist8 --input mnist:test -o recon.npy
  aekit reconstruct --model models/mnist8 --input digit.png -o recon.png
"""


def add_parser(sub) -> None:
    p = sub.add_parser("reconstruct", help="rebuild inputs with a saved model",
                       description="Reconstruct inputs (encode then decode); prints the mean squared error.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help=".npy, .csv, or .png (grid of the first 16 reconstructions)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    ae = load_autoencoder(args.model, args.n_threads)
    X, _ = load_input(args.input, tuple(args.image_size) if args.image_size else None)
    R = ae.reconstruct(X)
    print(f"mean squared error (input units): {float(np.mean((R - X.astype(np.float32)) ** 2)):.6g}")
    write_output(args.output, R)
    return 0
