"""SiLU: 0-D to 4-D, scale 30, 1e3 and 1e4 (sigmoid without overflow), zeros, NaN, inplace."""
from __future__ import annotations

import torch

from numpy_layers.modules.activation import SiLU
from parity_tests.specs._activation_common import activation_spec, standard_cases

_CASES = standard_cases(scales=(30.0, 1e3, 1e4), inplace=True,
                        transcendental=True)

SPEC = activation_spec(
    "SiLU", torch.nn.SiLU, SiLU, _CASES,
    description="x * sigmoid(x)",
    options={"inplace": "False, True", "input": "0-D to 4-D; scale 1, 30, 1e3, 1e4; zeros and NaN"},
)
