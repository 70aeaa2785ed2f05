"""``aekit encode``: codes of inputs under a saved model."""

from __future__ import annotations

from .common import (add_data_args, add_threads_arg, check_output, formatter, load_autoencoder, load_named,
                     write_output)

EXAMPLES = """examples:
  aekit encode --model models/mnist8 --input mnist:test -o codes.npy
  aekit encode --model models/tab --input new_rows.csv -o codes.csv      # header z0, z1, ...
  aekit encode --model models/mnist8 --input scans/ -o codes.csv         # a name column: each file's codes
"""


def add_parser(sub) -> None:
    p = sub.add_parser("encode", help="compute codes of inputs with a saved model",
                       description="Encode inputs to codes (one row per sample). A CSV has a header (z0, z1, ...) "
                                   "and, for image files, a first column naming each file.", epilog=EXAMPLES,
                       formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help=".npy or .csv")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    check_output(args.output, ("array",))
    ae = load_autoencoder(args.model, args.n_threads)
    got = load_named(args.input, tuple(args.image_size) if args.image_size else None)
    Z = ae.transform(got.X)
    write_output(args.output, Z, names=got.names, columns=[f"z{i}" for i in range(Z.shape[1])])
    return 0
