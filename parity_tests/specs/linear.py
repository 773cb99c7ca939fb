"""Linear: the source article's 5 -> 3 layer on a batch of 10, sizes, bias, input ranks."""
from __future__ import annotations

import numpy as np
import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones


def _case(fin, fout, shape, bias=True) -> Case:
    cid = case_id(**{"in": fin, "out": fout}, x=shape, nobias=not bias)
    return Case(cid, dict(in_features=fin, out_features=fout, bias=bias), (shape,))


_CASES = [
    _case(5, 3, (10, 5)), _case(5, 3, (10, 5), bias=False), _case(1, 1, (1, 1)),
    _case(17, 9, (4, 17)), _case(64, 128, (32, 64), bias=False), _case(300, 7, (3, 300)),
    _case(6, 4, (2, 3, 6)), _case(6, 4, (6,)), _case(8, 2, (1, 8), bias=False),
    _case(256, 256, (16, 256)),
]


def _reduction(case: Case, tensor: str) -> int:
    p, shape = case.params, case.input_shapes[0]
    rows = int(torch.Size(shape[:-1]).numel())
    return {"output": p["in_features"], "grad_input": p["out_features"]}.get(tensor, rows)


SPEC = ParitySpec(
    name="Linear",
    torch_module=lambda c: torch.nn.Linear(**c.params),
    numpy_module=lambda c, dt: nl.Linear(**c.params, dtype=dt),
    error_inputs=[
        ErrorInput("linear_features", dict(in_features=5, out_features=3), ones(2, 4),
                   "in_features"),
        ErrorInput("linear_0d", dict(in_features=5, out_features=3), lambda: np.float32(1.0)),
    ],
    cases=_CASES,
    reduction=_reduction,
    description="fully connected layer, weight (out_features, in_features)",
    options={"in/out features": "1..300", "bias": "True, False",
             "input": "(N, in), (N, M, in), unbatched (in,)"},
)
