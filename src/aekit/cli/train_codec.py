"""``aekit train-codec``: learn a lossy codec for your images (one network per quality level)."""

from __future__ import annotations

from ..config import TrainConfig
from .common import add_threads_arg, formatter, parse_options

EXAMPLES = """examples:
  aekit train-codec my_icons/ -o models/icons --name icons             # 5 quality levels
  aekit train-codec mnist -o models/mnist2 --lmbdas 40 120 400 --epochs 30
  aekit compress icon.png -o icon.aek --model models/icons --quality 2
  aekit train-codec ~/Pictures/ -o models/myphotos --photos --lmbdas 120 500 --first-epochs 3 --epochs 2
  aekit compress ~/Pictures/beach.jpg -o beach.aek --model models/myphotos --quality 1
"""


# the shipped photo codec's network and training (scripts/train_photo_codec.py uses the same)
PHOTO_CONFIG = {"latent": "conv", "activation": "gdn", "entropy": "hyperprior", "transform": "dct", "channels": 16,
                "hyper_channels": 48, "tile": 1024}
PHOTO_DEFAULTS = {"lmbdas": [120.0, 250.0, 500.0, 1000.0], "first_epochs": 2, "epochs": 1, "batch_size": 4,
                  "lr": 1e-3}


def add_parser(sub) -> None:
    p = sub.add_parser("train-codec", help="train a learned lossy codec on your images",
                       description="Train one codec network per rate-distortion weight lambda (quality 1 = the "
                                   "smallest lambda = the smallest files) and save them as a codec folder for "
                                   "'aekit compress --model'. All images must share one size (up to ~64x64), or, with "
                                   "--photos, photos of any sizes.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("inputs", nargs="+", metavar="DATA", help="image files, folders, .npy arrays (values 0..255) or mnist")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="codec folder to write")
    p.add_argument("--name", default=None, help="codec name stored in every .aek file (default: the folder name)")
    p.add_argument("--lmbdas", nargs="+", type=float, default=None,
                   metavar="L", help="rate-distortion weights, one per quality level (loss = bits/pixel + L * MSE); "
                                     "default: the bundled mnist codec's (12 25 50 110 300 1000), with --photos the "
                                     "photo codec's (120 250 500 1000)")
    p.add_argument("--first-epochs", type=int, default=None,
                   help="epochs of the highest quality, trained first from scratch (default 60; --photos 3)")
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs of every other level, each warm-started from the level above (default 25; --photos 2)")
    p.add_argument("--batch-size", type=int, default=None, help="default 64; --photos 4 crops")
    p.add_argument("--lr", type=float, default=None, help="default 2e-3; --photos 6e-4")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="codec network option, e.g. --option latent_dim=96 --option channels=48 (repeatable)")
    p.add_argument("--photos", action="store_true",
                   help="train the fully convolutional photo codec (any size, grey or colour) on random 128x128 "
                        "crops of photos of any sizes (a folder of PNG/JPEG files); defaults: the shipped photo "
                        "codec's network, lambdas and training (scripts/train_photo_codec.py)")
    p.add_argument("--crops", type=int, default=1600, help="--photos: random crops drawn from the photos (default 1600)")
    p.add_argument("--no-progress", action="store_true")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import re
    from pathlib import Path

    from ..compression import train_codec
    from .compress import gather

    name = args.name or re.sub(r"[^A-Za-z0-9_.-]", "-", Path(args.output).resolve().name)[:64] or "codec"
    options = parse_options(args.option, "--option")
    if args.photos:
        from ..compression.photos import photo_files, read_photo

        X = [read_photo(f) for f in photo_files(args.inputs)]
        options = {**PHOTO_CONFIG, **options}
        d = PHOTO_DEFAULTS
        train = TrainConfig(epochs=args.epochs or d["epochs"], batch_size=args.batch_size or d["batch_size"],
                            lr=args.lr or d["lr"], seed=args.seed, patience=None, warmup_steps=200,
                            progress=not args.no_progress, n_threads=args.n_threads)
        codec = train_codec(X, args.output, name, args.lmbdas or d["lmbdas"], config=options, train=train,
                            first_epochs=args.first_epochs or d["first_epochs"], crops=args.crops)
        print(f"wrote {args.output}: {codec!r}")
        return 0
    X = gather(args.inputs)
    train = TrainConfig(epochs=args.epochs or 25, batch_size=args.batch_size or 64, lr=args.lr or 2e-3,
                        seed=args.seed, grad_clip=None, progress=not args.no_progress, n_threads=args.n_threads)
    codec = train_codec(X, args.output, name, args.lmbdas or [12.0, 25.0, 50.0, 110.0, 300.0, 1000.0],
                        config=options, train=train, first_epochs=args.first_epochs or 60)
    print(f"wrote {args.output}: {codec!r}")
    return 0
