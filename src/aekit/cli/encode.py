"""``aekit encode``: codes of inputs under a saved model."""

from __future__ import annotations

from .common import add_data_args, add_threads_arg, formatter, load_autoencoder, load_input, write_output

EXAMPLES = """examples:
  aekit encode --model models/mnist8 --input mnist:test -o codes.npy
  aekit encode --model models/tab --input new_rows.csv -o codes.csv
"""


def add_parser(sub) -> None:
    p = sub.add_parser("encode", help="compute codes of inputs with a saved model",
                       description="Encode inputs to codes (one row per sample).", epilog=EXAMPLES,
                       formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help=".npy or .csv")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    ae = load_autoencoder(args.model, args.n_threads)
    X, _ = load_input(args.input, tuple(args.image_size) if args.image_size else None)
    write_output(args.output, ae.transform(X))
    return 0
