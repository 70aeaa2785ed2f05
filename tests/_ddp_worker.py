"""Data-parallel worker for tests/test_distributed.py (not a test module itself).

Run as ``python -m torch.distributed.run --nproc_per_node 2 --standalone tests/_ddp_worker.py OUT``:
every process trains each case of ``CASES`` with the one ``Trainer`` and saves its
final weights to ``OUT/<case>-rank<r>.safetensors``; rank 0 also writes the history
to ``OUT/<case>.json``. The test imports ``build`` from here to train the very same
cases in a single process and compares.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

torch.set_num_threads(1)  # 2 processes on a shared CPU: one thread each

from safetensors.torch import save_file  # noqa: E402

import aekit  # noqa: E402
from aekit import ModelConfig, TrainConfig, Trainer, create_model  # noqa: E402
from aekit import distributed  # noqa: E402

# name -> (n_train, n_val, batch_size, image?, augment, patience[, model])
CASES = {
    # every global batch splits evenly over 2 processes
    "even": (192, 48, 32, False, None, None),
    # 203 = 6 * 32 + 11: a ragged last batch, split 6 / 5
    "ragged": (203, 48, 32, False, None, 2),
    # 193 = 6 * 32 + 1: the last batch has one sample, so one process gets none
    "tail1": (193, 48, 32, False, None, None),
    # images with augmentation drawn for the whole global batch, conv net, ragged batches
    "shift": (150, 40, 20, True, "shift:1", None),
    # three optimizers (auto-encoder, discriminator, encoder as generator), ragged batches
    "adversarial": (203, 48, 32, False, None, None, "adversarial"),
    # FactorVAE: each process gathers every process's codes to shuffle them across the global batch;
    # 193 = 6 * 32 + 1 gives one process no sample of the last batch. The code is the deterministic
    # "continuous" one: a Gaussian code's draws differ between processes (the bottleneck draws them),
    # so only a deterministic code can match one process exactly.
    "factor": (193, 48, 32, False, None, None, "factor"),
}
EPOCHS = 4


def build(case: str, checkpoint_dir: str | None = None):
    """``(model, x_train, x_val, config)`` of ``case``: fixed real data (scikit-learn digits) and seeded init."""
    n_train, n_val, bs, image, augment, patience, *rest = CASES[case]
    model_name = rest[0] if rest else "autoencoder"
    options = {"disc_hidden": [16]} if model_name in ("adversarial", "factor") else {}
    X = torch.from_numpy(aekit.load_dataset("digits").X_train[: n_train + n_val]).float() / 16.0
    if image:
        X = X.reshape(-1, 1, 8, 8)
        mcfg = ModelConfig(input_shape=(1, 8, 8), net="conv", net_options={"channels": [4, 8]}, latent_dim=6)
    else:
        X = X.reshape(-1, 64)
        mcfg = ModelConfig(input_shape=(64,), net="mlp", net_options={"hidden": [32]}, latent_dim=6,
                           model=model_name, model_options=options)
    torch.manual_seed(0)
    model = create_model(mcfg)
    cfg = TrainConfig(epochs=EPOCHS, batch_size=bs, lr=3e-3, warmup_steps=3, patience=patience,
                      augment=augment, seed=5, device="cpu", progress=False, checkpoint_dir=checkpoint_dir)
    return model, X[:n_train], X[n_train:], cfg


def main(out: str) -> None:
    out_dir = Path(out)
    rank = int(os.environ["RANK"])
    for case in CASES:
        ckpt = str(out_dir / "ckpt" / case) if case == "ragged" else None
        model, x, val, cfg = build(case, ckpt)
        history = Trainer(cfg).fit(model, x, val)
        assert distributed.world_size() == int(os.environ["WORLD_SIZE"]), "trainer did not join the group"
        save_file({k: v.contiguous() for k, v in model.state_dict().items()},
                  str(out_dir / f"{case}-rank{rank}.safetensors"))
        if distributed.is_main():
            (out_dir / f"{case}.json").write_text(json.dumps(history.to_dict()))
        distributed.barrier()


if __name__ == "__main__":
    main(sys.argv[1])
