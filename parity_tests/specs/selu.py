"""SELU: torch's alpha and scale; gradient alpha*scale at x == 0; scale 30, 1e3, 1e4; zeros,
NaN, inplace."""
from __future__ import annotations

import torch

from numpy_layers.modules.activation import SELU
from parity_tests.specs._activation_common import activation_spec, near, standard_cases

_CASES = standard_cases(scales=(30.0, 1e3, 1e4), inplace=True,
                        transcendental=True)

SPEC = activation_spec(
    "SELU", torch.nn.SELU, SELU, _CASES,
    kink=near(0.0),
    description="scale * elu(x, alpha), alpha = 1.6733, scale = 1.0507",
    options={"inplace": "False, True", "input": "0-D to 4-D; scale 1, 30, 1e3, 1e4; zeros and NaN"},
)
