"""The plain continuous bottleneck: the code is the encoder output itself."""

from __future__ import annotations

import torch

from .base import BOTTLENECKS, Bottleneck, BottleneckOutput


@BOTTLENECKS.register("continuous")
class Continuous(Bottleneck):
    """Identity bottleneck: ``z = code = h``; the classic auto-encoder of the lecture."""

    def forward(self, h: torch.Tensor) -> BottleneckOutput:  # (B, D)
        return BottleneckOutput(z=h, code=h)

    def decode_code(self, code: torch.Tensor) -> torch.Tensor:
        return code
