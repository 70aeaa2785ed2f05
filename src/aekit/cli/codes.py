"""``aekit codes``: the discrete indices of inputs (VQ entries, categories or bits)."""

from __future__ import annotations

from .common import (add_data_args, add_threads_arg, check_output, formatter, load_autoencoder, load_named,
                     write_output)

EXAMPLES = """examples:
  aekit codes --model models/vq --input mnist:test -o codes.npy     # every sample's indices
  aekit codes --model models/vq --input digit.png                   # prints its index grid
  aekit codes --model models/vq --input mnist:test --show 10        # prints the first 10 grids
"""


def add_parser(sub) -> None:
    p = sub.add_parser("codes", help="print or save the discrete codes of inputs",
                       description="Discrete indices of each input under a model with a vq, categorical or "
                                   "binary bottleneck; with a code grid (conv grid=true) they are shown as a grid. "
                                   "Without -o, prints the first --show samples' codes and how many symbols "
                                   "all of them use.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--model", required=True, metavar="DIR", help="folder written by aekit train")
    add_data_args(p)
    p.add_argument("-o", "--output", metavar="FILE", help=".npy or .csv with every sample's codes (default: print)")
    p.add_argument("--show", type=int, default=4, metavar="N", help="how many samples to print without -o")
    add_threads_arg(p)
    p.set_defaults(func=run)


def _grid_side(ae) -> int | None:
    n = ae.model_.bottleneck.latent_dim
    side = int(round(n ** 0.5))
    return side if ae.model_config_.net_options.get("grid") and side * side == n else None


def run(args) -> int:
    import numpy as np

    if args.output:
        check_output(args.output, ("array",))
    ae = load_autoencoder(args.model, args.n_threads)
    got = load_named(args.input, tuple(args.image_size) if args.image_size else None)
    C = ae.codes(got.X)
    if args.output:
        write_output(args.output, C, names=got.names, columns=[f"c{i}" for i in range(C.shape[1])])
        return 0
    side = _grid_side(ae)
    width = len(str(ae.model_.bottleneck.vocab_size - 1))
    for k, row in enumerate(C[:max(args.show, 0)]):
        print(f"{got.names[k] if got.names else f'sample {k}'}:")
        lines = row.reshape(side, side) if side else row[None]
        for line in lines:
            print("  " + " ".join(f"{v:>{width}d}" for v in line))
    if len(C) > args.show:
        print(f"... {len(C)} samples in all (--show N prints more; -o codes.npy saves them)")
    used = np.unique(C).size
    print(f"{used} of {ae.model_.bottleneck.vocab_size} symbols used")
    return 0
