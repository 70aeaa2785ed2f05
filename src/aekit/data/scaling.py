"""Input scaling stored with the model, so ``transform`` on new data matches ``fit``."""

from __future__ import annotations

import numpy as np
import torch

from ..config import ScalerConfig


class Scaler:
    """``x_scaled = (x - shift) / scale`` with statistics learned in ``fit``.

    See ``ScalerConfig`` for the kinds. Constant features keep ``scale = 1``
    so they do not blow up.
    """

    def __init__(self, config: ScalerConfig) -> None:
        self.config = config
        self.shift_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, x: np.ndarray) -> "Scaler":  # (n, *sample_shape)
        kind = self.config.kind
        shape = x.shape[1:]
        if kind == "standard":
            shift, scale = x.mean(0), x.std(0)
        elif kind == "minmax":
            shift, scale = x.min(0), x.max(0) - x.min(0)
        elif kind == "global":
            lo, hi = float(x.min()), float(x.max())
            shift, scale = np.full(shape, lo), np.full(shape, hi - lo)
        else:
            shift, scale = np.zeros(shape), np.ones(shape)
        scale = np.where(scale > 1e-8 * max(1.0, float(np.abs(scale).max(initial=0))), scale, 1.0)
        self.shift_, self.scale_ = shift.astype(np.float32), scale.astype(np.float32)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.shift_) / self.scale_).astype(np.float32)

    def inverse_transform(self, x: np.ndarray) -> np.ndarray:
        return (x * self.scale_ + self.shift_).astype(np.float32)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {"scaler.shift": torch.from_numpy(self.shift_), "scaler.scale": torch.from_numpy(self.scale_)}

    def load_state_dict(self, sd: dict[str, torch.Tensor]) -> "Scaler":
        self.shift_ = sd["scaler.shift"].numpy().astype(np.float32)
        self.scale_ = sd["scaler.scale"].numpy().astype(np.float32)
        return self
