"""``aekit train-codec``: learn a lossy codec for your images (one network per quality level)."""

from __future__ import annotations

from .common import add_threads_arg, formatter, parse_options

EXAMPLES = """examples:
  aekit train-codec my_icons/ -o models/icons --name icons             # 6 quality levels
  aekit train-codec mnist -o models/mnist2 --lmbdas 40 120 400 --epochs 30
  aekit compress icon.png -o icon.aek --model models/icons --quality 2
  aekit train-codec ~/Pictures/ -o models/myphotos --photos --lmbdas 120 500 --first-epochs 3 --epochs 2
  aekit compress ~/Pictures/beach.jpg -o beach.aek --model models/myphotos --quality 1
"""

# Small images (one size, up to ~64x64): the bundled mnist codec's first stage
# (scripts/train_mnist_codec.py); its 7th level, lambda 4000, was trained in a second stage from these.
DEFAULTS = {"lmbdas": [12.0, 25.0, 50.0, 110.0, 300.0, 1000.0], "first_epochs": 60, "epochs": 25, "batch_size": 64,
            "lr": 2e-3}
# --photos: the shipped photo codec's network and training (scripts/train_photo_codec.py uses the same)
PHOTO_CONFIG = {"latent": "conv", "activation": "gdn", "entropy": "hyperprior", "transform": "dct", "channels": 16,
                "hyper_channels": 48, "tile": 1024}
PHOTO_DEFAULTS = {"lmbdas": [120.0, 250.0, 500.0, 1000.0], "first_epochs": 2, "epochs": 1, "batch_size": 4,
                  "lr": 1e-3}


def _default(key: str) -> str:
    """How a default reads in --help: the small-image value, then the --photos one."""
    show = (lambda v: f"{len(v)} levels, " + " ".join(f"{x:g}" for x in v)) if key == "lmbdas" else (lambda v: f"{v:g}")
    return f"default {show(DEFAULTS[key])}; with --photos {show(PHOTO_DEFAULTS[key])}"


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
    p.add_argument("--lmbdas", nargs="+", type=float, default=None, metavar="L",
                   help="rate-distortion weights, one per quality level (loss = bits/pixel + L * MSE); "
                        f"{_default('lmbdas')}")
    p.add_argument("--first-epochs", type=int, default=None,
                   help=f"epochs of the highest quality, trained first from scratch ({_default('first_epochs')})")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"epochs of every other level, each warm-started from the level above ({_default('epochs')})")
    p.add_argument("--batch-size", type=int, default=None, help=f"images (or crops) per step ({_default('batch_size')})")
    p.add_argument("--lr", type=float, default=None, help=f"learning rate ({_default('lr')})")
    p.add_argument("--seed", type=int, default=0, help="random seed of initialisation and batches")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="codec network option, e.g. --option latent_dim=96 --option channels=48 (repeatable)")
    p.add_argument("--photos", action="store_true",
                   help="train the fully convolutional photo codec (any size, grey or colour) on random 128x128 "
                        "crops of photos of any sizes (a folder of PNG/JPEG files); defaults: the shipped photo "
                        "codec's network, lambdas and training (scripts/train_photo_codec.py)")
    p.add_argument("--crops", type=int, default=1600, help="--photos: random crops drawn from the photos")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    add_threads_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    import re
    from pathlib import Path

    from ..compression import train_codec
    from ..config import TrainConfig
    from .compress import gather

    name = args.name or re.sub(r"[^A-Za-z0-9_.-]", "-", Path(args.output).resolve().name)[:64] or "codec"
    options = parse_options(args.option, "--option")
    d = PHOTO_DEFAULTS if args.photos else DEFAULTS

    def pick(key):
        value = getattr(args, key)
        return d[key] if value is None else value

    if args.photos:
        from ..compression.photos import photo_files, read_photo

        X = [read_photo(f) for f in photo_files(args.inputs)]
        options = {**PHOTO_CONFIG, **options}
        train = TrainConfig(epochs=pick("epochs"), batch_size=pick("batch_size"), lr=pick("lr"), seed=args.seed,
                            patience=None, warmup_steps=200, progress=not args.no_progress, n_threads=args.n_threads)
        codec = train_codec(X, args.output, name, pick("lmbdas"), config=options, train=train,
                            first_epochs=pick("first_epochs"), crops=args.crops)
    else:
        X = gather(args.inputs)
        train = TrainConfig(epochs=pick("epochs"), batch_size=pick("batch_size"), lr=pick("lr"), seed=args.seed,
                            grad_clip=None, progress=not args.no_progress, n_threads=args.n_threads)
        codec = train_codec(X, args.output, name, pick("lmbdas"), config=options, train=train,
                            first_epochs=pick("first_epochs"))
    print(f"wrote {args.output}: {codec!r}")
    return 0
