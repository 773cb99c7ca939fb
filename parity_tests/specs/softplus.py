"""Softplus: (beta, threshold) = (1, 20) default, (2, 10), (0.5, 5), (1, 1), (3, 20); inputs
scaled by 30 and 1e3 so many lie beyond threshold / beta; exact points at the threshold
(beta * x == threshold stays on the log1p side, as torch); NaN."""
from __future__ import annotations

import numpy as np
import torch

from numpy_layers.modules.activation import Softplus
from parity_tests.harness.spec import Case
from parity_tests.specs._activation_common import act_case, activation_spec, standard_cases


def _kink(x: np.ndarray, case: Case) -> np.ndarray:
    """Within 1e-3 of the switch beta * x == threshold (beta * x rounds differently in float32)."""
    beta, thr = case.params.get("beta", 1.0), case.params.get("threshold", 20.0)
    return np.abs(x * beta - thr) < 1e-3


_CASES = standard_cases(scales=(30.0, 1e3), transcendental=True)
for _beta, _thr in ((2.0, 10.0), (0.5, 5.0), (1.0, 1.0), (3.0, 20.0)):
    _tag = f"b{_beta:g}_t{_thr:g}"
    _at = _thr / _beta
    _pts = (-_at, -1.0, 0.0, 0.5 * _at, _at, 2.0 * _at)
    _CASES += [act_case(s, _tag, beta=_beta, threshold=_thr) for s in ((2, 3, 5, 5), (10, 5), (7,))]
    _CASES += [act_case((2, 3, 5, 5), _tag, scale=30.0, beta=_beta, threshold=_thr),
               act_case((10, 5), _tag, scale=1e3, beta=_beta, threshold=_thr),
               act_case((2, 4, 4, 4), _tag, kind="ties", points=_pts, beta=_beta, threshold=_thr),
               act_case((64,), _tag, kind="nan", points=_pts, beta=_beta, threshold=_thr)]
_CASES += [act_case((2, 4, 4, 4), "t20_edge", kind="ties", points=(-20.0, 0.0, 19.5, 20.0, 21.0))]

SPEC = activation_spec(
    "Softplus", torch.nn.Softplus, Softplus, _CASES, kink=_kink,
    description="log(1 + exp(beta x)) / beta; x where beta x > threshold",
    options={"beta, threshold": "(1, 20), (2, 10), (0.5, 5), (1, 1), (3, 20)",
             "input": "0-D to 4-D; scale 1, 30, 1e3 (beyond the threshold); exact points at "
                      "+-threshold/beta; zeros and NaN"},
)
