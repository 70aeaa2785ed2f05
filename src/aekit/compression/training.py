"""Train a codec: one network per quality level (one rate-distortion weight ``lmbda`` each),
fitted by the one :class:`aekit.Trainer` and saved as a codec folder."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from ..config import TrainConfig
from ..errors import ConfigError
from ..train import Trainer
from .codec import Codec, _as_batch, save_codec
from .domain import measure
from .model import CodecConfig, CodecModel


def images_to_tensor(images) -> tuple[torch.Tensor, tuple[int, int, int]]:
    """User images (``(n, H, W)`` grey or ``(n, C, H, W)``, values 0..255) -> ``(n, C, H, W)`` in [0, 1]."""
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ConfigError(f"training images of shape {np.shape(images)} must be (n, H, W) grey or (n, C, H, W) "
                          "with C = 1 or 3, values 0..255.")
    shape = tuple(int(s) for s in x.shape[1:])
    return torch.from_numpy(_as_batch(x, shape)), shape


def train_codec(images, out: str | os.PathLike, name: str, lmbdas: Sequence[float], *,
                config: dict | None = None, train: TrainConfig | None = None,
                first_epochs: int | None = None, warm_start: bool = True,
                init: str | os.PathLike | Codec | None = None, keep_init: bool = False,
                log: Callable[[str], None] = print) -> Codec:
    """Fit one ``CodecModel`` per entry of ``lmbdas`` (sorted ascending = quality 1, 2, ...) on
    ``images`` and write the codec folder ``out``; returns the loaded codec.

    With ``warm_start`` the highest quality is trained first (``first_epochs``, default
    ``train.epochs``) and every lower one starts from the weights of the level above it, then
    trains ``train.epochs``: the transforms a codec needs change little between neighbouring
    rates, so each level costs a fraction of a fresh run.

    ``init``: a codec (or its folder) with the same networks; every level starts from the weights
    of the ``init`` level with the nearest lambda and trains ``train.epochs`` (a second stage). With
    ``keep_init``, levels whose lambda ``init`` already has are kept exactly as they are and only
    the new lambdas are trained (adding a quality level to a codec).
    """
    lmbdas = sorted(float(v) for v in lmbdas)
    if not lmbdas or any(v <= 0 for v in lmbdas):
        raise ConfigError(f"lmbdas={lmbdas} must be one or more positive numbers (one per quality level).")
    x, shape = images_to_tensor(images)
    if len(x) < 16:
        raise ConfigError(f"{len(x)} training images are too few to learn a codec; pass at least 16 "
                          "(thousands for a good one).")
    base = CodecConfig(image_shape=shape, **(config or {}))
    if init is not None and not isinstance(init, Codec):
        init = Codec.load(init)
    train = train or TrainConfig()
    models, history, prev = {}, {}, None
    for q in range(len(lmbdas), 0, -1):
        lm = lmbdas[q - 1]
        cfg = replace(base, lmbda=lm, quality=q)
        torch.manual_seed(train.seed + q)
        model = CodecModel(cfg)
        epochs = train.epochs
        if init is not None:
            start = min(init.levels.values(), key=lambda lvl: abs(np.log(lvl.config.lmbda / lm)))
            if replace(start.config, lmbda=lm, quality=q) != cfg:
                raise ConfigError(f"init codec quality {start.config.quality} has config {start.config}, "
                                  f"not {cfg}.")
            model.load_state_dict(start.model.state_dict())
            if keep_init and start.config.lmbda == lm:
                history[f"q{q}"] = {"lmbda": lm, "kept_from_init": start.digest}
                log(f"quality {q} (lmbda {lm:g}): kept from the init codec")
                models[q] = prev = model.eval()
                continue
        elif warm_start and prev is not None:
            model.load_state_dict(prev.state_dict())
        elif first_epochs is not None:
            epochs = first_epochs
        t0 = time.perf_counter()
        h = Trainer(replace(train, epochs=epochs)).fit(model, x)
        secs = time.perf_counter() - t0
        history[f"q{q}"] = {"lmbda": lm, "epochs": h.epochs_run, "best_val": h.best_val, "seconds": secs}
        log(f"quality {q} (lmbda {lm:g}): {h.epochs_run} epochs in {secs:.0f} s, best val loss {h.best_val:.4f}")
        models[q] = prev = model.eval()
    save_codec(out, name, [models[q] for q in sorted(models)],
               {"domain": measure(x.numpy() * 255.0),  # what compress() will warn outside of
                "training": {"n_images": len(x), "warm_start": warm_start, "init": None if init is None else
                             {"name": init.name, "files": {q: lvl.digest for q, lvl in init.levels.items()}},
                             "history": history}})
    return Codec.load(out)
