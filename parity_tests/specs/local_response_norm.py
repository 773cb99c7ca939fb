"""LocalResponseNorm: sizes 1..5 (even ones pad asymmetrically), size > C, AlexNet's
(size=5, alpha=1e-4, beta=0.75, k=2), large alpha so the window matters; 3-D to 5-D input."""
from __future__ import annotations

import torch

from numpy_layers.modules.local_response_norm import LocalResponseNorm
from parity_tests.harness.spec import Case, ParitySpec, case_id


def _case(shape, size, alpha=1e-4, beta=0.75, k=1.0) -> Case:
    cid = case_id(x=shape, size=size, a=alpha if alpha != 1e-4 else None,
                  b=beta if beta != 0.75 else None, k=k if k != 1.0 else None)
    return Case(cid, dict(size=size, alpha=alpha, beta=beta, k=k), (shape,))


_CASES = [
    _case((2, 6, 5, 5), 1, alpha=0.5), _case((2, 6, 5, 5), 2, alpha=0.5),
    _case((2, 6, 5, 5), 3, alpha=0.5), _case((2, 6, 5, 5), 4, alpha=0.5),
    _case((2, 6, 5, 5), 5, alpha=0.5), _case((2, 8, 7, 7), 5, alpha=1e-4, beta=0.75, k=2.0),
    _case((3, 4, 10), 3, alpha=1.0, beta=0.5), _case((2, 3, 4, 4), 5, alpha=0.3),
    _case((2, 5, 3, 4, 2), 2, alpha=0.7, beta=1.0, k=0.5), _case((1, 16, 6, 6), 4, alpha=2.0),
    _case((4, 2, 3), 1), _case((2, 10, 4, 4), 3, alpha=1e-2, beta=0.25, k=1.5),
]


def _reduction(case: Case, tensor: str) -> int:
    return case.params["size"]


SPEC = ParitySpec(
    name="LocalResponseNorm",
    torch_module=lambda c: torch.nn.LocalResponseNorm(**c.params),
    numpy_module=lambda c, dt: LocalResponseNorm(**c.params),
    cases=_CASES,
    reduction=_reduction,
    input_scale=2.0,
    description="local response normalisation across neighbouring channels",
    options={"size": "1, 2, 3, 4, 5 (incl. size > C)", "alpha": "1e-4, 1e-2, 0.3 .. 2.0",
             "beta": "0.25, 0.5, 0.75, 1.0", "k": "0.5, 1.0, 1.5, 2.0 (AlexNet: 5, 1e-4, 0.75, 2)",
             "input": "3-D, 4-D, 5-D"},
)
