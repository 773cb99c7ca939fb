"""Hardtanh: the default range [-1, 1] and (-2, 2), (0, 6), (-0.5, 0.25), (1, 3); kinks at
both ends (exact points and redrawn random inputs), large inputs, NaN, inplace."""
from __future__ import annotations

import numpy as np
import torch

from numpy_layers.modules.activation import Hardtanh
from parity_tests.harness.spec import Case, ErrorInput, ones
from parity_tests.specs._activation_common import act_case, activation_spec, standard_cases

_CASES = standard_cases(scales=(4.0, 1e3), points=(-2.0, -1.0, 0.0, 1.0, 2.0), inplace=True)
for _lo, _hi in ((-2.0, 2.0), (0.0, 6.0), (-0.5, 0.25), (1.0, 3.0)):
    _tag = f"range{_lo:g}to{_hi:g}"
    _pts = (_lo - 1, _lo, (_lo + _hi) / 2, _hi, _hi + 1)
    _CASES += [act_case(s, _tag, scale=4.0, min_val=_lo, max_val=_hi)
               for s in ((2, 3, 5, 5), (10, 5), (7,))]
    _CASES += [act_case((2, 4, 4, 4), _tag, kind="ties", points=_pts, min_val=_lo, max_val=_hi),
               act_case((64,), _tag, kind="nan", points=_pts, min_val=_lo, max_val=_hi)]
_CASES += [act_case((2, 3, 5, 5), "range-2to2_inplace", min_val=-2.0, max_val=2.0, inplace=True)]


def _kink(x: np.ndarray, case: Case) -> np.ndarray:
    lo, hi = case.params.get("min_val", -1.0), case.params.get("max_val", 1.0)
    return (np.abs(x - lo) < 1e-3) | (np.abs(x - hi) < 1e-3)


SPEC = activation_spec(
    "Hardtanh", torch.nn.Hardtanh, Hardtanh, _CASES, kink=_kink,
    error_inputs=[ErrorInput("hardtanh_range", dict(min_val=1.0, max_val=-1.0), ones(2, 3),
                             "max_val")],
    description="min(max(x, min_val), max_val); gradient 0 at both kinks",
    options={"min_val, max_val": "(-1, 1), (-2, 2), (0, 6), (-0.5, 0.25), (1, 3)",
             "inplace": "False, True", "input": "0-D to 4-D; scale 1, 4, 1e3",
             "exact points": "both kinks, either side, the middle, NaN"},
)
