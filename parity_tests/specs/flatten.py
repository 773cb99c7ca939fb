"""Flatten: default and explicit start/end dims, negative dims."""
from __future__ import annotations

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones

_CASES = [
    Case(case_id(s=s, e=e, x=shape), dict(start_dim=s, end_dim=e), (shape,))
    for s, e, shape in [(1, -1, (2, 3, 4, 5)), (0, -1, (2, 3, 4)), (1, 2, (2, 3, 4, 5)),
                        (-3, -2, (2, 3, 4, 5)), (2, 2, (2, 3, 4)), (1, -1, (5, 1))]
]

SPEC = ParitySpec(
    name="Flatten",
    torch_module=lambda c: torch.nn.Flatten(**c.params),
    numpy_module=lambda c, dt: nl.Flatten(**c.params),
    error_inputs=[ErrorInput("flatten_dims", dict(start_dim=3), ones(2, 3), "dim")],
    cases=_CASES,
    description="merge a range of dims",
    options={"start_dim/end_dim": "(1,-1), (0,-1), (1,2), (-3,-2), (2,2)"},
)
