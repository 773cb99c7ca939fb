"""L1Loss: reductions none/mean/sum over 0-d to 4-d inputs, large values; random draws keep
|input - target| away from the kink at 0, and a ties case puts elements exactly on it
(torch's gradient there is sign(0) = 0)."""
from __future__ import annotations

import torch

from numpy_layers.modules.loss import L1Loss
from parity_tests.harness.spec import Case
from parity_tests.specs._loss_common import loss_spec, regression_cases, regression_inputs

_SHAPES = [(8, 5), (2, 3, 4, 5), (7,), ()]
_CASES: list[Case] = (regression_cases(_SHAPES) + regression_cases([(6, 4)], scale=1e3)
                      + regression_cases([(5, 5)], ties=True)
                      + regression_cases([(16, 3, 32, 32)], ("mean",)))

SPEC = loss_spec(
    "L1Loss", torch.nn.L1Loss, L1Loss, _CASES,
    lambda case, rng: regression_inputs(case, rng, kink=1e-3),
    description="mean absolute error; gradient sign(input - target), 0 at ties",
    options={"reduction": "none, mean, sum", "input": "0-D, (N,), (N, C), (N, C, H, W)",
             "values": "normal (kink redrawn), x1e3, exact ties"},
)
