"""MSELoss: reductions none/mean/sum over 0-d to 4-d inputs, large values, exact ties;
the target gets a gradient too (torch's is compared)."""
from __future__ import annotations

import torch

from numpy_layers.modules.loss import MSELoss
from parity_tests.harness.spec import Case
from parity_tests.specs._loss_common import loss_spec, regression_cases, regression_inputs

_SHAPES = [(8, 5), (2, 3, 4, 5), (7,), ()]
_CASES: list[Case] = (regression_cases(_SHAPES) + regression_cases([(6, 4)], scale=1e3)
                      + regression_cases([(5, 5)], ties=True)
                      + regression_cases([(16, 3, 32, 32)], ("mean",)))

SPEC = loss_spec(
    "MSELoss", torch.nn.MSELoss, MSELoss, _CASES, regression_inputs,
    description="mean squared error; gradients for input and target",
    options={"reduction": "none, mean, sum", "input": "0-D, (N,), (N, C), (N, C, H, W)",
             "values": "normal, x1e3, exact ties"},
)
