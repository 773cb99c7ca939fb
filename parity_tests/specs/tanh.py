"""Tanh: 0-D to 4-D, scale 30, 1e3 and 1e4, zeros, NaN."""
from __future__ import annotations

import torch

from numpy_layers.modules.activation import Tanh
from parity_tests.specs._activation_common import activation_spec, standard_cases

_CASES = standard_cases(scales=(30.0, 1e3, 1e4), transcendental=True)

SPEC = activation_spec(
    "Tanh", torch.nn.Tanh, Tanh, _CASES,
    description="tanh(x)",
    options={"input": "0-D to 4-D; scale 1, 30, 1e3, 1e4; zeros and NaN"},
)
