"""ReLU6: kinks at 0 and 6 (exact points and redrawn random inputs), inputs scaled by 4 so
that both kinks are crossed, NaN, inplace."""
from __future__ import annotations

import torch

from numpy_layers.modules.activation import ReLU6
from parity_tests.specs._activation_common import act_case, activation_spec, near, standard_cases

_POINTS = (-1.0, 0.0, 3.0, 6.0, 7.0)
_CASES = standard_cases(scales=(4.0, 1e3), points=_POINTS, inplace=True)
_CASES += [act_case((4, 16, 9, 7), scale=4.0)]

SPEC = activation_spec(
    "ReLU6", torch.nn.ReLU6, ReLU6, _CASES, kink=near(0.0, 6.0),
    description="min(max(x, 0), 6); gradient 0 at both kinks",
    options={"inplace": "False, True", "input": "0-D to 4-D; scale 1, 4, 1e3",
             "exact points": "-1, 0, 3, 6, 7 and NaN"},
)
