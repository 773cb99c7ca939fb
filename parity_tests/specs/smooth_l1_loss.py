"""SmoothL1Loss: beta 1 (default), 0.5, 2, 1e-3 and 0 (torch falls back to L1), reductions
none/mean/sum, 0-d to 4-d inputs, large values, and integer ties so that |input - target| is
exactly 0 or exactly beta for some elements."""
from __future__ import annotations

import torch

from numpy_layers.modules.loss import SmoothL1Loss
from parity_tests.harness.spec import Case
from parity_tests.specs._loss_common import loss_spec, regression_cases, regression_inputs

_CASES: list[Case] = []
for beta in (1.0, 0.5, 2.0, 1e-3, 0.0):
    _CASES += regression_cases([(8, 5)], beta=beta)
    _CASES += regression_cases([(5, 5)], ("none", "mean"), beta=beta, ties=True)
_CASES += (regression_cases([(2, 3, 4, 5), (7,), ()], beta=1.0)
           + regression_cases([(6, 4)], beta=0.5, scale=1e3)
           + regression_cases([(16, 3, 32, 32)], ("mean",), beta=1.0))


def _make_inputs(case, rng):
    # beta == 0 is L1: keep random draws off its kink at 0 (ties cases sit on it on purpose).
    kink = 1e-3 if case.params["beta"] == 0.0 else 0.0
    return regression_inputs(case, rng, kink=kink)


SPEC = loss_spec(
    "SmoothL1Loss", torch.nn.SmoothL1Loss, SmoothL1Loss, _CASES, _make_inputs,
    description="0.5 z^2 / beta below beta, |z| - 0.5 beta above; beta = 0 is L1",
    options={"beta": "1, 0.5, 2, 1e-3, 0", "reduction": "none, mean, sum",
             "input": "0-D, (N,), (N, C), (N, C, H, W)", "values": "normal, x1e3, exact ties"},
)
