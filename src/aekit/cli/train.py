"""``aekit train``: fit an auto-encoder and save it."""

from __future__ import annotations

import json

from ..estimators import AutoEncoder
from .common import add_data_args, formatter, load_input, parse_options

EXAMPLES = """examples:
  aekit train --data mnist -o models/mnist8 --latent-dim 8
  aekit train --data my_table.csv -o models/tab --latent-dim 4 --epochs 200
  aekit train --data photos/ --image-size 64 64 -o models/photos --net conv --net-option channels=[32,64,128]
  torchrun --nproc_per_node 2 -m aekit.cli.train --data mnist -o models/ddp   # data-parallel
"""


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train an auto-encoder on a dataset or your files",
                       description="Train an auto-encoder and save it as a folder (config.json + "
                                   "model.safetensors).", epilog=EXAMPLES, formatter_class=formatter)
    configure(p)


def configure(p) -> None:
    add_data_args(p, "--data")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to save the model in")
    p.add_argument("--latent-dim", type=int, default=8, help="code size (default 8)")
    p.add_argument("--net", default="auto", help="auto | mlp | conv (default auto: conv for images)")
    p.add_argument("--net-option", action="append", metavar="KEY=VALUE",
                   help="network option, JSON value (repeatable), e.g. channels=[32,64]")
    p.add_argument("--bottleneck", default="continuous", help="bottleneck name (default continuous)")
    p.add_argument("--bottleneck-option", action="append", metavar="KEY=VALUE", help="bottleneck option")
    p.add_argument("--image-shape", nargs="+", type=int, metavar="N",
                   help="treat flat rows as images of H W or C H W")
    p.add_argument("--loss", default="auto", help="auto | mse | bce | l1")
    p.add_argument("--scaling", default="auto", help="auto | standard | minmax | global | none")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--batch-size", default="auto", help="int or auto (default: 128, less on small data)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--augment", default=None, help="e.g. shift:2 or shift:2,rotate:10 (images)")
    p.add_argument("--noise", default=None,
                   help="corrupt the input only and rebuild the clean data (de-noising), e.g. shift:2,rotate:10")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--checkpoint-dir", default=None, help="write resumable training state here every epoch")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint-dir if it holds state")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run, command="train")


def run(args) -> int:
    from .. import distributed

    X, _ = load_input(args.data, tuple(args.image_size) if args.image_size else None)
    ae = AutoEncoder(
        args.latent_dim, net=args.net, bottleneck=args.bottleneck,
        net_options=parse_options(args.net_option, "--net-option"),
        bottleneck_options=parse_options(args.bottleneck_option, "--bottleneck-option"),
        image_shape=tuple(args.image_shape) if args.image_shape else None, loss=args.loss, scaling=args.scaling,
        epochs=args.epochs,
        batch_size=args.batch_size if args.batch_size == "auto" else int(args.batch_size), lr=args.lr, weight_decay=args.weight_decay,
        val_fraction=args.val_fraction, patience=args.patience, augment=args.augment, noise=args.noise, random_state=args.seed,
        device=args.device, verbose=not args.no_progress, checkpoint_dir=args.checkpoint_dir,
    )
    ae.fit(X, resume=args.resume)
    if distributed.is_main():
        ae.save(args.output)
        h = ae.history_
        print(json.dumps({"saved": args.output, "samples": int(len(X)), "epochs_run": h.epochs_run,
                          "best_val_loss": h.best_val, "stopped_early": h.stopped_early,
                          "samples_per_s": round(h.samples_per_second, 1)}))
    return 0


def main(argv=None) -> int:
    """Entry for ``torchrun -m aekit.cli.train``."""
    import argparse
    import sys

    from ..errors import AekitError

    p = argparse.ArgumentParser(prog="aekit train", formatter_class=formatter, epilog=EXAMPLES)
    configure(p)
    args = p.parse_args(argv)
    try:
        return run(args)
    except (AekitError, FileNotFoundError, ValueError) as exc:
        print(f"aekit train: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
