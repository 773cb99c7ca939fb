"""GELU: approximate 'none' (exact normal CDF) and 'tanh', 0-D to 4-D, scale 30 and 1e3
(the tails), zeros and NaN."""
from __future__ import annotations

import torch

from numpy_layers.modules.activation import GELU
from parity_tests.specs._activation_common import activation_spec, standard_cases

_CASES = (standard_cases(scales=(30.0, 1e3), transcendental=True) +
          standard_cases(scales=(30.0, 1e3), tag="tanh", transcendental=True,
                         approximate="tanh"))

SPEC = activation_spec(
    "GELU", torch.nn.GELU, GELU, _CASES,
    description="x * Phi(x), or torch's tanh approximation",
    options={"approximate": "'none', 'tanh'",
             "input": "0-D to 4-D; scale 1, 30, 1e3; zeros and NaN"},
)
