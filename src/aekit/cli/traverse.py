"""``aekit traverse``: a latent traversal grid, one row per code dimension."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .common import add_data_args, add_threads_arg, formatter, load_autoencoder, load_input

EXAMPLES = """examples:
  aekit traverse --model models/vae -o traversal.png                      # from the prior's centre
  aekit traverse --model models/vae --input mnist:test --index 3 -o traversal.png --range -3 3 --steps 11
"""


def add_parser(sub) -> None:
    p = sub.add_parser("traverse", help="decode codes with one dimension swept: a row per dimension",
                       description="Take one sample's code (or zeros), set one code dimension at a time to values "
                                   "across --range and decode: a grid with one row per dimension, which shows what "
                                   "each dimension controls.", epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.set_defaults(input=None)
    for a in p._actions:  # --input is optional here: without it the code starts at zeros
        if a.dest == "input":
            a.required = False
    p.add_argument("--index", type=int, default=0, help="which sample of --input starts the traversal (default 0)")
    p.add_argument("--dims", type=int, nargs="+", metavar="D", help="code dimensions to sweep (default: all)")
    p.add_argument("--range", type=float, nargs=2, default=[-2.5, 2.5], metavar=("LO", "HI"),
                   help="values each dimension takes (default -2.5 2.5)")
    p.add_argument("--steps", type=int, default=9, help="values per row (default 9)")
    p.add_argument("--label", type=int, metavar="K", help="the class of a conditional model")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help=".png grid")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..plots import latent_traversal

    if not args.output.lower().endswith(".png"):
        raise ConfigError(f"-o {args.output!r}: a traversal is a picture; give a .png path.")
    if args.steps < 2:
        raise ConfigError(f"--steps {args.steps} must be at least 2.")
    ae = load_autoencoder(args.model, args.n_threads)
    if ae.model_.takes_condition and args.label is None:
        raise ConfigError("this conditional model decodes a class too: give it with --label K.")
    x = None
    if args.input is not None:
        X, _ = load_input(args.input, tuple(args.image_size) if args.image_size else None)
        if not 0 <= args.index < len(X):
            raise ConfigError(f"--index {args.index} is out of range: the input has {len(X)} samples.")
        x = X[args.index]
    values = np.linspace(args.range[0], args.range[1], args.steps)
    latent_traversal(ae, args.output, x, values=values, dims=args.dims, y=args.label)
    rows = len(args.dims) if args.dims else ae.model_.bottleneck.code_dim
    print(f"wrote {args.output} ({rows} rows of {args.steps})")
    return 0
