"""Train the codec that ships with aekit for the bundled ``mnist`` domain.

    python scripts/train_mnist_codec.py            # writes src/aekit/compression/weights/mnist/

Trains on the mnist *train* split only (4,000 digits; the benchmark measures the 1,000 test
digits), one network per quality level, the highest quality first and every lower one warm-started
from the level above (see ``aekit.compression.train_codec``); stage 2 then adds a top level
warm-started from stage 1's top. Seeded; CPU, one thread by default. Measured on one shared core:
stage 1 ~35 minutes (60 + 5 x 25 epochs), stage 2 ~7 minutes (40 epochs).

    python scripts/train_mnist_codec.py --init src/aekit/compression/weights/mnist   # stage 2 only
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path

import torch

import aekit
from aekit.compression import train_codec

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "aekit" / "compression" / "weights" / "mnist"
# loss = bits/pixel + lmbda * MSE (pixels in [0, 1]): quality 1 ~ 20 dB ... quality 6 > 30 dB
LMBDAS = [12.0, 25.0, 50.0, 110.0, 300.0, 1000.0]
# stage 2 adds a higher quality, warm-started from the top level of stage 1 (the levels of stage 1
# are kept as they are): the chain that trains them from the top down gives the lower levels
# far more training than a fresh top level gets, so the top is extended the same way
EXTRA_LMBDAS = [4000.0]
CONFIG = dict(channels=48, latent="spatial", latent_dim=16, entropy="hyperprior", hyper_channels=32)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--out", type=Path, default=OUT)
    p.add_argument("--first-epochs", type=int, default=60, help="epochs of the highest quality (trained from scratch)")
    p.add_argument("--epochs", type=int, default=25, help="epochs of every other level (warm-started)")
    p.add_argument("--extra-epochs", type=int, default=40, help="epochs of each stage-2 level")
    p.add_argument("--init", type=Path, default=None,
                   help="skip stage 1: add the stage-2 levels to the codec in this folder")
    p.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    p.add_argument("--quick", action="store_true", help="a smoke run: 2 levels, 2 epochs, written to /tmp")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    lmbdas, first, epochs, out = LMBDAS, args.first_epochs, args.epochs, args.out
    if args.quick:
        lmbdas, first, epochs, out = LMBDAS[:2], 2, 2, Path("/tmp/aekit-mnist-codec-quick")
    X = aekit.load_dataset("mnist").X_train  # (4000, 28, 28), 0..255
    train = aekit.TrainConfig(epochs=epochs, batch_size=64, lr=2e-3, grad_clip=None, patience=None,
                              val_fraction=0.1, seed=0, progress=False)
    t0 = time.perf_counter()
    codec = args.init
    if codec is None:
        codec = train_codec(X, out, "mnist", lmbdas, config=CONFIG, train=train, first_epochs=first)
        print(f"stage 1: {codec!r} in {time.perf_counter() - t0:.0f} s", flush=True)
    extra = [] if args.quick else EXTRA_LMBDAS
    if extra:
        train2 = dataclasses.replace(train, epochs=args.extra_epochs)
        codec = train_codec(X, out, "mnist", lmbdas + extra, config=CONFIG, train=train2, init=codec,
                            keep_init=True)
        print(f"stage 2: {codec!r} in {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"wrote {out} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
