"""``aekit train``: fit an auto-encoder and save it."""

from __future__ import annotations

import json

from ..data import list_datasets
from ..errors import DataError
from ..estimators import AutoEncoder
from ..models import MODELS
from .common import add_data_args, add_estimator_args, estimator_kwargs, formatter, load_input

EXAMPLES = """examples:
  aekit train --data mnist -o models/mnist8 --latent-dim 8
  aekit train --data my_table.csv -o models/tab --latent-dim 4 --epochs 200 --threads 1
  aekit train --data photos/ --image-size 64 64 -o models/photos --net conv --net-option channels=[32,64,128]
  aekit train --data mnist -o models/aae --model adversarial --epochs 10          # sample() works
  aekit train --data mnist -o models/cvae --model conditional --model-option classes=10 --bottleneck gaussian
  torchrun --nproc_per_node 2 -m aekit.cli.train --data mnist -o models/ddp   # data-parallel
"""


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train an auto-encoder on a dataset or your files",
                       description="Train an auto-encoder and save it as a folder (config.json + "
                                   "model.safetensors). The options are the parameters of aekit.AutoEncoder.",
                       epilog=EXAMPLES, formatter_class=formatter)
    configure(p)


def configure(p) -> None:
    add_data_args(p, "--data")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to save the model in")
    add_estimator_args(p)  # every parameter of AutoEncoder, from aekit.params
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint-dir if it holds state")
    p.set_defaults(func=run, command="train")


def labels_for(model: str, labels, data: str):
    """The condition ``fit`` needs: the dataset's labels for a conditional model, else None."""
    if not MODELS.get(model).takes_condition:  # an unknown name fails here, listing the registered ones
        return None
    if labels is None:
        raise DataError(f"--model {model} reads a condition per sample, but --data {data!r} has no labels: on the "
                        f"command line only the bundled datasets ({', '.join(list_datasets())}) have them. "
                        f"For your own data call AutoEncoder(model={model!r}, ...).fit(X, y) in Python.")
    return labels


def run(args) -> int:
    from .. import distributed

    X, labels = load_input(args.data, tuple(args.image_size) if args.image_size else None)
    ae = AutoEncoder(**estimator_kwargs(args))
    ae.fit(X, labels_for(ae.model, labels, args.data), resume=args.resume)
    if distributed.is_main():
        ae.save(args.output)
        h = ae.history_
        print(json.dumps({"saved": args.output, "model": ae.model, "samples": int(len(X)),
                          "epochs_run": h.epochs_run, "best_val_loss": h.best_val, "stopped_early": h.stopped_early,
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
