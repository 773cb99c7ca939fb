"""ELU: alpha 1 (default), 0.5, 2 and -1; gradient alpha at x == 0; large negative and
positive inputs (scale 30, 1e3, 1e4: no overflow); zeros, NaN, inplace."""
from __future__ import annotations

import torch

from numpy_layers.modules.activation import ELU
from parity_tests.specs._activation_common import act_case, activation_spec, near, standard_cases

_CASES = standard_cases(scales=(30.0, 1e3, 1e4), inplace=True,
                        transcendental=True)
for _alpha in (0.5, 2.0, -1.0):
    _tag = f"alpha{_alpha:g}"
    _CASES += [act_case(s, _tag, alpha=_alpha) for s in ((2, 3, 5, 5), (10, 5), (7,))]
    _CASES += [act_case((10, 5), _tag, scale=30.0, alpha=_alpha),
               act_case((2, 4, 4, 4), _tag, kind="ties", alpha=_alpha),
               act_case((64,), _tag, kind="nan", alpha=_alpha)]
_CASES += [act_case((2, 3, 5, 5), "alpha0.5_inplace", alpha=0.5, inplace=True)]

SPEC = activation_spec(
    "ELU", torch.nn.ELU, ELU, _CASES, kink=near(0.0),
    description="x if x > 0 else alpha * (exp(x) - 1)",
    options={"alpha": "1, 0.5, 2, -1", "inplace": "False, True",
             "input": "0-D to 4-D; scale 1, 30, 1e3, 1e4; zeros and NaN"},
)
