"""``aekit reconstruct``: encode and decode inputs with a saved model."""

from __future__ import annotations

from .common import (add_data_args, add_threads_arg, check_output, formatter, load_autoencoder, load_named,
                     model_value_range, write_output)

EXAMPLES = """examples:
  aekit reconstruct --model models/mnist8 --input mnist:test -o recon.npy
  aekit reconstruct --model models/mnist8 --input digit.png -o recon.png   # the input above its rebuild
  aekit reconstruct --model models/mnist8 --input scans/ -o recon.csv      # a name column per file
"""


def add_parser(sub) -> None:
    p = sub.add_parser("reconstruct", help="rebuild inputs with a saved model",
                       description="Reconstruct inputs (encode then decode); prints the mean squared error.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help=".npy, .csv, or .png (the first 16 inputs above their reconstructions)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np

    suffix = check_output(args.output, ("array", "image"))  # before any work
    ae = load_autoencoder(args.model, args.n_threads)
    got = load_named(args.input, tuple(args.image_size) if args.image_size else None)
    if suffix == ".png" and len(ae.input_shape_) < 2:
        raise _not_images(args.output, ae.input_shape_)
    R = ae.reconstruct(got.X)
    print(f"mean squared error (input units): {float(np.mean((R - got.X.astype(np.float32)) ** 2)):.6g}")
    cols = None if R.ndim > 2 else [f"x{i}" for i in range(R.shape[1])]
    write_output(args.output, R, inputs=got.X, names=got.names, columns=cols, label="rebuilt",
                 value_range=model_value_range(ae))
    return 0


def _not_images(path: str, shape):
    from ..errors import ConfigError

    return ConfigError(f"-o {path!r}: a .png needs images, but this model rebuilds rows of {shape[0]} features; "
                       "write .npy or .csv instead.")
