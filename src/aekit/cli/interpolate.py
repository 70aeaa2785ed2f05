"""``aekit interpolate``: decode points on the line between the codes of two inputs."""

from __future__ import annotations

from ..errors import ConfigError
from .common import add_data_args, add_threads_arg, formatter, load_autoencoder, load_input, write_output

EXAMPLES = """examples:
  aekit interpolate --model models/vae --input mnist:test --pair 0 1 --steps 10 -o morph.png
  aekit interpolate --model models/vae --input two_digits/ -o morph.npy
"""


def add_parser(sub) -> None:
    p = sub.add_parser("interpolate", help="morph between two inputs through the code space",
                       description="Encode two inputs, walk the straight line between their codes and decode "
                                   "each step; the ends are the two reconstructions.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.add_argument("--pair", nargs=2, type=int, default=[0, 1], metavar=("I", "J"),
                   help="which two samples of the input to join (default 0 1)")
    p.add_argument("--steps", type=int, default=8, help="points on the line, ends included (default 8)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help=".png strip, .npy or .csv")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    ae = load_autoencoder(args.model, args.n_threads)
    X, _ = load_input(args.input, tuple(args.image_size) if args.image_size else None)
    i, j = args.pair
    if not (0 <= i < len(X) and 0 <= j < len(X)):
        raise ConfigError(f"--pair {i} {j} is out of range: the input has {len(X)} samples (0 to {len(X) - 1}).")
    write_output(args.output, ae.interpolate(X[i], X[j], steps=args.steps), max_images=args.steps)
    return 0
