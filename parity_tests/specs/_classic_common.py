"""Shared pieces of the classic block and model specs: bounds for the reduction length, the
BN re-draw used as ``init``."""
from __future__ import annotations

from typing import Callable

from parity_tests.harness.spec import Case
from parity_tests.twins.resnet import redraw_batchnorm

__all__ = ["product_bound", "network_bound", "redraw_batchnorm", "default_dropout_cases"]


def product_bound(width: Callable[[Case], int], kernel: int = 3,
                  depth: int = 2) -> Callable[[Case, str], int]:
    """reduction(case, tensor): N*H*W positions times the widest conv's C*k*k times the
    number of stacked convs. A parameter gradient sums over every position the products
    that flow back through the convs after it, so this bounds the terms in any one element."""
    def reduction(case: Case, tensor: str) -> int:
        n, _, h, w = case.input_shapes[0]
        return max(n * h * w, 1) * width(case) * kernel * kernel * depth
    return reduction


def network_bound(widest: Callable[[Case], int], depth: int) -> Callable[[Case, str], int]:
    """reduction(case, tensor) for a whole network: the longest single sum (the widest
    C*kh*kw or fc fan-in, or N*H*W of the first layer's weight gradient) times the depth."""
    def reduction(case: Case, tensor: str) -> int:
        n, _, h, w = case.input_shapes[0]
        return max(widest(case), n * h * w, 1) * depth
    return reduction


def default_dropout_cases(cases: list[Case]) -> list[Case]:
    """The same cases with every ``dropout*`` argument removed, so the network keeps its
    default dropout (for the eval-only companion spec)."""
    return [Case(c.id, {k: v for k, v in c.params.items() if not k.startswith("dropout")},
                 c.input_shapes) for c in cases]
