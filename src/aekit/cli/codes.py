"""``aekit codes``: the discrete indices of inputs (VQ entries, categories or bits)."""

from __future__ import annotations

import numpy as np

from ..estimators import AutoEncoder
from .common import add_data_args, add_threads_arg, formatter, load_autoencoder, load_input, write_output

EXAMPLES = """examples:
  aekit codes --model models/vq --input mnist:test -o codes.npy
  aekit codes --model models/vq --input digit.png          # prints the index grid
"""


def add_parser(sub) -> None:
    p = sub.add_parser("codes", help="print or save the discrete codes of inputs",
                       description="Discrete indices of each input under a model with a vq, categorical or "
                                   "binary bottleneck; with a code grid (conv grid=true) they are shown as a grid.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.add_argument("-o", "--output", metavar="FILE", help=".npy or .csv (default: print the first 4)")
    add_threads_arg(p)
    p.set_defaults(func=run)


def _grid_side(ae: AutoEncoder) -> int | None:
    n = ae.model_.bottleneck.latent_dim
    side = int(round(n ** 0.5))
    return side if ae.model_config_.net_options.get("grid") and side * side == n else None


def run(args) -> int:
    ae = load_autoencoder(args.model, args.n_threads)
    X, _ = load_input(args.input, tuple(args.image_size) if args.image_size else None)
    C = ae.codes(X)
    if args.output:
        write_output(args.output, C)
        return 0
    side = _grid_side(ae)
    width = len(str(ae.model_.bottleneck.vocab_size - 1))
    for k, row in enumerate(C[:4]):
        print(f"sample {k}:")
        lines = row.reshape(side, side) if side else row[None]
        for line in lines:
            print("  " + " ".join(f"{v:>{width}d}" for v in line))
    if len(C) > 4:
        print(f"... {len(C)} samples in all; -o codes.npy saves them")
    used = np.unique(C).size
    print(f"{used} of {ae.model_.bottleneck.vocab_size} symbols used")
    return 0
