"""Unflatten: positive and negative dims, -1 in the target sizes."""
import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones

_CASES = [Case(case_id(d=d, u=u, x=x), dict(dim=d, unflattened_size=u), (x,))
          for d, u, x in [(1, (2, 3), (4, 6)), (-1, (2, 2, 3), (2, 5, 12)),
                          (0, (2, -1), (8, 3)), (1, (16, 1, 1), (2, 16))]]

SPEC = ParitySpec(
    name="Unflatten",
    torch_module=lambda c: torch.nn.Unflatten(**c.params),
    numpy_module=lambda c, dt: nl.Unflatten(**c.params),
    error_inputs=[ErrorInput("unflatten_sizes", dict(dim=1, unflattened_size=(2, 2)),
                             ones(2, 6), "size")],
    cases=_CASES,
    description="split one dim into several",
    options={"dim": "0, 1, -1", "unflattened_size": "tuples incl. -1"},
)
