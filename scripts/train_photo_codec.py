"""Build the photo data and train the ``photo`` codec that ships with aekit.

    OMP_NUM_THREADS=1 python scripts/train_photo_codec.py      # writes src/aekit/compression/weights/photo/

Data (``scripts/photo_data.py``): the training photos of four Debian packages (fetched with
``apt-get download`` and unpacked with ``dpkg-deb -x`` into ``--cache``), each seen at two scales
(shorter side 1200 and 600 px, Lanczos: the packages' photos are 1.3 to 16 megapixels, the test
photos about 0.3), and ``--crops`` random 128x128 crops of them. No test photo is a training
source.

Network: the fully convolutional ``transform="dct"`` codec of ``aekit/compression/conv.py``
(8x8 block DCT of orthonormal YCbCr, learned coefficient mixing and step sizes, a mean-scale
hyperprior with ``hyper_channels`` 48, a residual post-filter of width 16), one network per quality level (the
highest trained first, each lower one warm-started from the level above), fitted by the one
trainer on one thread. Every level keeps a resumable checkpoint under ``--work``: rerun the
same command after an interruption and it continues.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from photo_data import DEFAULT_CACHE, fetch, train_files  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/aekit/compression/weights/photo"
LMBDAS = (120.0, 250.0, 500.0, 1000.0)  # loss = bits/pixel + lmbda * MSE (RGB in [0, 1])
CONFIG = {"latent": "conv", "activation": "gdn", "entropy": "hyperprior", "transform": "dct", "channels": 16,
          "hyper_channels": 48, "tile": 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the Debian packages are unpacked")
    ap.add_argument("--work", type=Path, default=None, help="resumable training state (default CACHE/train)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--crops", type=int, default=1600)
    ap.add_argument("--first-epochs", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--init", type=Path, default=None,
                    help="a second stage: start every level from this codec folder (e.g. the first stage's output) "
                         "and train --epochs more; its training time is added to the record")
    args = ap.parse_args()

    import torch

    from aekit.compression import train_codec
    from aekit.compression.photos import random_crops, read_photo
    from aekit.config import TrainConfig

    torch.set_num_threads(args.threads)
    args.work = args.work or args.cache / "train-dct"
    t0 = time.perf_counter()
    root = fetch(args.cache)
    files = train_files(root)
    crops_file = args.work / f"crops-{args.crops}.npy"
    if crops_file.exists():
        crops = np.load(crops_file)
    else:
        photos = [read_photo(f) for f in files]
        crops = random_crops(photos, args.crops, 128, seed=0, scales=(1200, 600))
        args.work.mkdir(parents=True, exist_ok=True)
        np.save(crops_file, crops)
    data_seconds = time.perf_counter() - t0
    print(f"{len(files)} training photos -> {len(crops)} crops of 128x128 in {data_seconds:.0f} s", flush=True)
    train = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, patience=None, seed=0,
                        n_threads=args.threads, checkpoint_dir=str(args.work / "levels"), warmup_steps=200)
    t1 = time.perf_counter()
    prior = None
    if args.init is not None:  # copy the first stage before --out (often the same folder) is rewritten
        import shutil
        import tempfile

        from aekit.compression import Codec

        stage1 = Path(tempfile.mkdtemp()) / "stage1"
        shutil.copytree(args.init, stage1)
        prior = json.loads((ROOT / "benchmarks/results/photo_codec_training.json").read_text())
        args.init = Codec.load(stage1)
        train = replace(train, checkpoint_dir=str(args.work / "levels-stage2"))
    codec = train_codec(crops, args.out, "photo", LMBDAS, config=CONFIG, train=train, first_epochs=args.first_epochs,
                        crop=128, resume=True, log=lambda m: print(m, flush=True), init=args.init,
                        extra={"data": {"photos": [str(f.relative_to(root)) for f in files],
                                        "crops": len(crops), "crop": 128, "scales": [1200, 600]}})
    secs = time.perf_counter() - t1
    history = json.loads((args.out / "config.json").read_text())["training"]["history"]
    # the trainer's epoch time of every level, summed over resumed runs (validation passes not included)
    stage = sum(v.get("train_seconds", 0.0) for v in history.values())
    summary = {"train_seconds": stage + (prior["train_seconds"] if prior else 0.0),
               "stages": ([{"train_seconds": prior["train_seconds"], "levels": prior["levels"],
                            "epochs": prior["epochs"]}] if prior else []) + [{"train_seconds": stage}],
               "this_run_seconds": secs, "levels": history, "data_seconds": data_seconds, "threads": args.threads,
               "qualities": codec.qualities, "lmbdas": LMBDAS, "config": CONFIG,
               "epochs": {"first": args.first_epochs, "others": args.epochs}, "batch_size": args.batch_size,
               "lr": args.lr}
    (ROOT / "benchmarks/results/photo_codec_training.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"wrote {args.out}: {codec!r}; training {secs / 60:.1f} min on {args.threads} thread(s)", flush=True)


if __name__ == "__main__":
    main()
