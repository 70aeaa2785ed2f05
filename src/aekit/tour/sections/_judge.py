"""A small digit classifier that judges generated digits (as benchmarks/latents.py does): the Frechet
distance between its features of samples and of real test digits, and the spread of its predicted
classes."""

from __future__ import annotations

import numpy as np


def train_judge(X: np.ndarray, y: np.ndarray, epochs: int, seed: int = 0):
    """A CNN trained on digits ``X`` (n, 28, 28) in [0, 1]; returns it in eval mode."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from ...transforms import build_transform

    torch.manual_seed(seed)
    body = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 49, 64), nn.ReLU())
    clf = nn.ModuleDict({"body": body, "head": nn.Linear(64, 10)})
    opt = torch.optim.Adam(clf.parameters(), lr=2e-3)
    x, t = torch.from_numpy(X[:, None]).float(), torch.from_numpy(y)
    shift = build_transform("shift:2")  # the judge should not be fooled by position
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            loss = F.cross_entropy(clf["head"](clf["body"](shift(x[idx], gen))), t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return clf.eval()


def judge(clf, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features and predicted classes of digits ``X`` (n, 28, 28) in [0, 1]."""
    import torch

    with torch.no_grad():
        x = torch.from_numpy(np.clip(X, 0, 1)[:, None]).float()
        feats = torch.cat([clf["body"](x[i:i + 500]) for i in range(0, len(x), 500)])
        return feats.numpy(), clf["head"](feats).argmax(1).numpy()


def scores(clf, samples: np.ndarray, real_feats: np.ndarray) -> dict:
    from ...metrics import frechet_distance, histogram_entropy

    feats, pred = judge(clf, samples)
    return {"fd": frechet_distance(feats, real_feats), "class_entropy_bits": histogram_entropy(pred, 10)}
