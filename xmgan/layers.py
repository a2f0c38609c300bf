"""Blocks that several models share verbatim."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def frame_digits(x: torch.Tensor, frame: int, box: int | None = None) -> torch.Tensor:
    """Grey digits (N, C, S, S) in [-1, 1] -> (N, C, frame, frame): first resized to box x box when given
    (USPS digits fill their 16 px frame, MNIST digits fit a 20 px box), then centred on background (-1)."""
    if box:
        x = F.interpolate(x, size=(box, box), mode="bilinear", align_corners=False)
    lo = (frame - x.shape[-1]) // 2
    hi = frame - x.shape[-1] - lo
    return F.pad(x, (lo, hi, lo, hi), value=-1.0)
