"""``NiN``: Network in Network (Lin et al. 2013) as d2l builds it: keys ``0.0.weight`` ...
(mlpconv blocks at 0, 2, 4, 7), global average pooling instead of fully connected layers."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype
from ..blocks.checked import CheckedSequential
from ..blocks.nin_block import NiNBlock
from ..modules.adaptive_pool import AdaptiveAvgPool2d
from ..modules.dropout import Dropout
from ..modules.flatten import Flatten
from ..modules.pooling import MaxPool2d


class NiN(CheckedSequential):
    """x (N, in_channels, H, W), H, W >= 67 -> logits (N, num_classes).

    0 NiNBlock(in, 96, 11, 4, 0), 1 MaxPool2d(3, 2), 2 NiNBlock(96, 256, 5, 1, 2),
    3 MaxPool2d(3, 2), 4 NiNBlock(256, 384, 3, 1, 1), 5 MaxPool2d(3, 2), 6 Dropout(dropout),
    7 NiNBlock(384, num_classes, 3, 1, 1), 8 AdaptiveAvgPool2d((1, 1)), 9 Flatten();
    the widths 96, 256, 384 are multiplied by ``width_mult``.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, dropout: float = 0.5, *,
                 width_mult: float = 1.0, dtype: object = np.float32) -> None:
        dt = as_dtype("NiN", dtype)
        c1, c2, c3 = (max(1, int(round(c * width_mult))) for c in (96, 256, 384))
        super().__init__(
            NiNBlock(in_channels, c1, kernel_size=11, stride=4, padding=0, dtype=dt),
            MaxPool2d(3, stride=2),
            NiNBlock(c1, c2, kernel_size=5, stride=1, padding=2, dtype=dt),
            MaxPool2d(3, stride=2),
            NiNBlock(c2, c3, kernel_size=3, stride=1, padding=1, dtype=dt),
            MaxPool2d(3, stride=2),
            Dropout(dropout),
            NiNBlock(c3, num_classes, kernel_size=3, stride=1, padding=1, dtype=dt),
            AdaptiveAvgPool2d((1, 1)),
            Flatten())
