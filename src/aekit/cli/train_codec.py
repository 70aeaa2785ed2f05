"""``aekit train-codec``: learn a lossy codec for your images (one network per quality level)."""

from __future__ import annotations

from .common import add_threads_arg, formatter, parse_options

# The bundled mnist codec's first stage (scripts/train_mnist_codec.py); its 7th level, lambda 4000,
# was trained in a second stage from these.
DEFAULT_LMBDAS = [12.0, 25.0, 50.0, 110.0, 300.0, 1000.0]

EXAMPLES = """examples:
  aekit train-codec my_icons/ -o models/icons --name icons             # 6 quality levels
  aekit train-codec mnist -o models/mnist2 --lmbdas 40 120 400 --epochs 30
  aekit compress icon.png -o icon.aek --model models/icons --quality 2
"""


def add_parser(sub) -> None:
    p = sub.add_parser("train-codec", help="train a learned lossy codec on your images",
                       description="Train one codec network per rate-distortion weight lambda (quality 1 = the "
                                   "smallest lambda = the smallest files) and save them as a codec folder for "
                                   "'aekit compress --model'. All images must share one size (up to ~64x64).",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("inputs", nargs="+", metavar="DATA", help="image files, folders, .npy arrays (values 0..255) or mnist")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="codec folder to write")
    p.add_argument("--name", default=None, help="codec name stored in every .aek file (default: the folder name)")
    p.add_argument("--lmbdas", nargs="+", type=float, default=DEFAULT_LMBDAS,
                   metavar="L", help="rate-distortion weights, one per quality level (loss = bits/pixel + L * MSE); "
                                     f"default: {len(DEFAULT_LMBDAS)} levels, "
                                     f"{' '.join(f'{v:g}' for v in DEFAULT_LMBDAS)}, the first {len(DEFAULT_LMBDAS)} "
                                     "of the bundled mnist codec's 7 (its 7th, 4000, came from a second stage)")
    p.add_argument("--first-epochs", type=int, default=60,
                   help="epochs of the highest quality, trained first from scratch (default 60)")
    p.add_argument("--epochs", type=int, default=25,
                   help="epochs of every other level, each warm-started from the level above (default 25)")
    p.add_argument("--batch-size", type=int, default=64, help="images per step")
    p.add_argument("--lr", type=float, default=2e-3, help="learning rate")
    p.add_argument("--seed", type=int, default=0, help="random seed of initialisation and batches")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="codec network option, e.g. --option latent_dim=96 --option channels=48 (repeatable)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import re
    from pathlib import Path

    from ..compression import train_codec
    from ..config import TrainConfig
    from .compress import gather

    X = gather(args.inputs)
    name = args.name or re.sub(r"[^A-Za-z0-9_.-]", "-", Path(args.output).resolve().name)[:64] or "codec"
    train = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                        grad_clip=None, progress=not args.no_progress, n_threads=args.n_threads)
    codec = train_codec(X, args.output, name, args.lmbdas, config=parse_options(args.option, "--option"), train=train,
                        first_epochs=args.first_epochs)
    print(f"wrote {args.output}: {codec!r}")
    return 0
