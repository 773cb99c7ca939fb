"""Hardswish: kinks at -3 and 3 (exact points: gradient 0 at -3, 1 at 3, as torch; random
inputs scaled by 4 and redrawn near the kinks), scale 1e3, NaN, inplace."""
from __future__ import annotations

import torch

from numpy_layers.modules.activation import Hardswish
from parity_tests.specs._activation_common import act_case, activation_spec, near, standard_cases

_POINTS = (-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0)
_CASES = standard_cases(scales=(4.0, 1e3), points=_POINTS, inplace=True)
_CASES += [act_case((4, 16, 9, 7), scale=4.0)]

SPEC = activation_spec(
    "Hardswish", torch.nn.Hardswish, Hardswish, _CASES, kink=near(-3.0, 3.0),
    description="x * relu6(x + 3) / 6",
    options={"inplace": "False, True", "input": "0-D to 4-D; scale 1, 4, 1e3",
             "exact points": "-4, -3, -1.5, 0, 1.5, 3, 4 and NaN"},
)
