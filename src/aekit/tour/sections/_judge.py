"""A small digit classifier that judges generated digits (as benchmarks/latents.py does): the Frechet
distance between its features of samples and of real test digits, and the spread of its predicted
classes."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...config import TrainConfig
from ...optim import OptimizerSpec
from ...train import Trainer


class DigitCNN(nn.ModuleDict):
    """``body`` (features) and ``head`` (10 classes); the one trainer fits it on batches of ``input``
    (B, 1, 28, 28) and ``label`` (B,)."""

    def __init__(self) -> None:
        super().__init__({"body": nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                                nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                                nn.Flatten(), nn.Linear(32 * 49, 64), nn.ReLU()),
                          "head": nn.Linear(64, 10)})

    def configure_optimizers(self, train: TrainConfig) -> list[OptimizerSpec]:
        return [OptimizerSpec("main", list(self.parameters()))]

    def training_step(self, batch: dict, ctx, optimizer: str) -> dict:
        loss = F.cross_entropy(self["head"](self["body"](batch["input"])), batch["label"])
        return {"loss": loss, "losses": {"ce": loss}, "info": {}}

    def validation_step(self, batch: dict, ctx) -> dict:
        return self.training_step(batch, ctx, "main")

    def stages(self) -> list:
        return []

    def pipeline_steps(self) -> list:
        return []


def train_judge(X: np.ndarray, y: np.ndarray, epochs: int, seed: int = 0) -> DigitCNN:
    """A CNN trained on digits ``X`` (n, 28, 28) in [0, 1] by the one trainer; returns it in eval mode."""
    torch.manual_seed(seed)
    clf = DigitCNN()
    # Adam at a constant rate on every digit (nothing held out, no clipping); shifts of up to 2 pixels,
    # so the judge is not fooled by position
    train = TrainConfig(epochs=epochs, batch_size=64, lr=2e-3, weight_decay=0.0, schedule="constant",
                        warmup_steps=0, grad_clip=None, val_fraction=0.0, patience=None, restore_best=False,
                        augment="shift:2", seed=seed, progress=False)
    Trainer(train).fit(clf, {"input": torch.from_numpy(X[:, None]).float(), "label": torch.from_numpy(y).long()})
    return clf.eval()


def judge(clf, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features and predicted classes of digits ``X`` (n, 28, 28) in [0, 1]."""
    with torch.no_grad():
        x = torch.from_numpy(np.clip(X, 0, 1)[:, None]).float()
        feats = torch.cat([clf["body"](x[i:i + 500]) for i in range(0, len(x), 500)])
        return feats.numpy(), clf["head"](feats).argmax(1).numpy()


def scores(clf, samples: np.ndarray, real_feats: np.ndarray) -> dict:
    from ...metrics import frechet_distance, histogram_entropy

    feats, pred = judge(clf, samples)
    return {"fd": frechet_distance(feats, real_feats), "class_entropy_bits": histogram_entropy(pred, 10)}
