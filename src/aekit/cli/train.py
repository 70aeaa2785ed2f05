"""``aekit train``: fit an auto-encoder and save it."""

from __future__ import annotations

import json
import sys

from ..errors import ConfigError, DataError
from .common import add_data_args, add_estimator_args, estimator_kwargs, formatter, given_params, load_input

EXAMPLES = """examples:
  aekit train --data mnist -o models/mnist8 --recipe mnist-8         # the benchmarked 8-d model
  aekit train --data mnist -o models/quick --recipe mnist-8 --epochs 5  # typed flags beat the recipe
  aekit train --data my_table.csv -o models/tab --latent-dim 4 --epochs 200 --threads 1
  aekit train --data photos/ --image-size 64 64 -o models/photos --net conv --net-option channels=[32,64,128]
  aekit train --data mnist -o models/aae --model adversarial --epochs 10          # sample() works
  aekit train --data mnist -o models/cvae --model conditional --model-option classes=10 --bottleneck gaussian
  aekit train --data mnist -o models/ddp --processes 2                # data-parallel, via torchrun
  torchrun --nproc_per_node 2 -m aekit train --data mnist -o models/ddp   # the same, launched by hand
"""


def add_parser(sub) -> None:
    from ..recipes import describe

    p = sub.add_parser("train", help="train an auto-encoder on a dataset or your files",
                       description="Train an auto-encoder and save it as a folder (config.json + "
                                   "model.safetensors). The options are the parameters of aekit.AutoEncoder; "
                                   "--recipe starts from a benchmarked model instead of its defaults:\n"
                                   + describe(),
                       epilog=EXAMPLES, formatter_class=formatter)
    configure(p)


def configure(p) -> None:
    add_data_args(p, "--data")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to save the model in")
    p.add_argument("--recipe", metavar="NAME", default=None,
                   help="start from a benchmarked recipe (listed above); flags you type override its values")
    add_estimator_args(p)  # every parameter of AutoEncoder, from aekit.params
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint-dir if it holds state")
    p.add_argument("--processes", type=int, default=1, metavar="N",
                   help="train data-parallel in N processes on this machine (launches torchrun)")
    p.set_defaults(func=run, command="train")


def labels_for(model: str, labels, data: str):
    """The condition ``fit`` needs: the dataset's labels for a conditional model, else None."""
    from ..data import list_datasets
    from ..models import MODELS

    if not MODELS.get(model).takes_condition:  # an unknown name fails here, listing the registered ones
        return None
    if labels is None:
        raise DataError(f"--model {model} reads a condition per sample, but --data {data!r} has no labels: on the "
                        f"command line only the bundled datasets ({', '.join(list_datasets())}) have them. "
                        f"For your own data call AutoEncoder(model={model!r}, ...).fit(X, y) in Python.")
    return labels


def parameters(args) -> dict:
    """The estimator's parameters: the flags, over the recipe's values where a recipe is named
    (a flag the user typed beats the recipe; one left at its default does not)."""
    kwargs = estimator_kwargs(args)
    if args.recipe:
        from ..recipes import get_recipe

        typed = given_params(args)
        kwargs.update({k: v for k, v in get_recipe(args.recipe).params.items() if k not in typed})
    return kwargs


def run(args) -> int:
    from .. import distributed
    from ..estimators import AutoEncoder

    if args.processes < 1:
        raise ConfigError(f"--processes {args.processes} must be at least 1.")
    kwargs = parameters(args)  # an unknown recipe fails before the data is read
    if args.processes > 1:
        return _launch(args)
    X, labels = load_input(args.data, tuple(args.image_size) if args.image_size else None)
    ae = AutoEncoder(**kwargs)
    ae.fit(X, labels_for(ae.model, labels, args.data), resume=args.resume)
    if distributed.is_main():
        ae.save(args.output)
        h = ae.history_
        print(json.dumps({"saved": args.output, "model": ae.model, "recipe": args.recipe, "samples": int(len(X)),
                          "epochs_run": h.epochs_run, "best_val_loss": h.best_val, "stopped_early": h.stopped_early,
                          "samples_per_s": round(h.samples_per_second, 1)}))
    return 0


def _launch(args) -> int:
    """Run this very command again in ``--processes`` processes under torchrun (each trains its share
    of every batch; rank 0 saves)."""
    import os
    import subprocess

    from .. import distributed

    if distributed.world_size() > 1:
        raise ConfigError("--processes is for a plain launch; under torchrun the processes already exist.")
    argv = list(getattr(args, "argv", None) or [])
    cleaned, skip = [], False
    for a in argv:  # drop --processes N / --processes=N
        if skip:
            skip = False
        elif a == "--processes":
            skip = True
        elif not a.startswith("--processes="):
            cleaned.append(a)
    if not cleaned or cleaned[0] != "train":
        raise ConfigError("--processes needs the command line it was given (run it as 'aekit train ...').")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(args.processes),
           "-m", "aekit", *cleaned]
    print(f"aekit train: launching {args.processes} processes: torchrun --standalone --nproc_per_node "
          f"{args.processes} -m aekit {' '.join(cleaned)}", file=sys.stderr)
    return subprocess.run(cmd, env=dict(os.environ)).returncode


def main(argv=None) -> int:
    """Entry for ``torchrun -m aekit.cli.train``."""
    import argparse

    from ..errors import AekitError

    p = argparse.ArgumentParser(prog="aekit train", formatter_class=formatter, epilog=EXAMPLES)
    configure(p)
    args = p.parse_args(argv)
    args.argv = ["train", *(sys.argv[1:] if argv is None else argv)]
    try:
        return run(args)
    except (AekitError, FileNotFoundError, ValueError) as exc:
        print(f"aekit train: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
