"""The plain continuous bottleneck: the code is the encoder output itself."""

from __future__ import annotations

import torch

from ..context import Context
from .base import BOTTLENECKS, Bottleneck, BottleneckOutput


@BOTTLENECKS.register("continuous")
class Continuous(Bottleneck):
    """Identity bottleneck: ``z = code = h``; the classic auto-encoder of the lecture."""

    def forward_vectors(self, h: torch.Tensor, ctx: Context) -> BottleneckOutput:  # (N, D)
        return BottleneckOutput(z=h, code=h)

    def decode_vectors(self, code: torch.Tensor) -> torch.Tensor:
        return code
