"""LeakyReLU: negative_slope 0.01 (default), 0.2, 0, -0.5 and 1.5; x == 0 takes the slope;
ties at 0, NaN, large inputs, inplace."""
from __future__ import annotations

import torch

from numpy_layers.modules.activation import LeakyReLU
from parity_tests.specs._activation_common import act_case, activation_spec, near, standard_cases

_CASES = standard_cases(scales=(1e3,), inplace=True)
for _slope in (0.2, 0.0, -0.5, 1.5):
    _tag = f"slope{_slope:g}"
    _CASES += [act_case(s, _tag, negative_slope=_slope) for s in ((2, 3, 5, 5), (10, 5), (7,))]
    _CASES += [act_case((2, 4, 4, 4), _tag, kind="ties", negative_slope=_slope),
               act_case((64,), _tag, kind="nan", negative_slope=_slope)]
_CASES += [act_case((2, 3, 5, 5), "slope0.2_inplace", negative_slope=0.2, inplace=True)]

SPEC = activation_spec(
    "LeakyReLU", torch.nn.LeakyReLU, LeakyReLU, _CASES, kink=near(0.0),
    description="x if x > 0 else negative_slope * x",
    options={"negative_slope": "0.01, 0.2, 0, -0.5, 1.5", "inplace": "False, True",
             "input": "0-D to 4-D; scale 1, 1e3; zeros and NaN"},
)
