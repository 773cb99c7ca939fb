"""``CheckedSequential``: a Sequential block that reports bad input under its own name."""
from __future__ import annotations

from typing import Any

from .._checks import check_float_array, check_ndim
from ..modules.container import Sequential


class CheckedSequential(Sequential):
    """Sequential whose forward first requires a float (N, C, H, W) array, so a bad input
    is named after the block (``VGGBlock: expected 4-D input ...``), not its first child."""

    def forward(self, x: Any) -> Any:
        name = type(self).__name__
        check_float_array(name, x)
        check_ndim(name, x, (4,), "(N, C, H, W)")
        return super().forward(x)
