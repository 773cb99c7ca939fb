"""Helpers shared by the specs' fuzz strategies (``ParitySpec.fuzz``; the leading underscore
keeps the registry out)."""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st


def ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo, hi)


def pool_geometry(draw: Any) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(kernel, stride, padding) pairs of a 2-D pooling layer: padding <= half the kernel."""
    k = (draw(ints(1, 4)), draw(ints(1, 4)))
    s = (draw(ints(1, 4)), draw(ints(1, 4)))
    p = (draw(ints(0, k[0] // 2)), draw(ints(0, k[1] // 2)))
    return k, s, p


def windows_touch_input(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> bool:
    """Whether every pooling window along one axis has a tap inside the unpadded input."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return all(any(0 <= i * s - p + j * d < n for j in range(k)) for i in range(out))
