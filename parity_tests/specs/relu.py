"""ReLU: random inputs away from the kink at 0, plus exact ties at 0 and NaN."""
from __future__ import annotations

import numpy as np
import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id

_SHAPES = [(2, 3, 5, 5), (10, 5), (7,), (1, 1, 1, 1), (4, 16, 9, 7)]
_CASES = [Case(case_id(x=s), {}, (s,)) for s in _SHAPES] + [
    Case(case_id(x=(3, 4, 5), ties=True), {}, ((3, 4, 5),), kind="ties"),
    Case(case_id(x=(3, 4, 5), nan=True), {}, ((3, 4, 5),), kind="nan"),
]

SPEC = ParitySpec(
    name="ReLU",
    torch_module=lambda c: torch.nn.ReLU(),
    numpy_module=lambda c, dt: nl.ReLU(),
    error_inputs=[ErrorInput("relu_list", {}, lambda: [1.0, -1.0], "list"),
                  ErrorInput("relu_object", {}, lambda: np.array([1.0, None], dtype=object),
                             "object")],
    cases=_CASES,
    kink=lambda x, c: np.abs(x) < 1e-3,
    description="rectified linear unit",
    options={"input": "any rank; zeros and NaN cases"},
)
