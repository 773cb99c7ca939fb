"""Conv2d padding one more row/column on each side than asked (e.g. pad = k // 2 + 1)."""
from __future__ import annotations

import numpy_layers as nl

from . import Mutant


class PaddingOffByOneConv2d(nl.Conv2d):
    def _padding4(self) -> tuple[int, int, int, int]:
        return tuple(p + 1 for p in super()._padding4())               # BUG: one too many


MUTANT = Mutant("Conv2d", "padding off by one", PaddingOffByOneConv2d)
