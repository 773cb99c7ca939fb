"""Default parameter initialisation, the distributions torch uses."""
from __future__ import annotations

import math

import numpy as np


def uniform_fan_in(rng: np.random.Generator | None, shape: tuple[int, ...], fan_in: int,
                   dtype: np.dtype) -> np.ndarray:
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)): torch's default for Linear/Conv weights and biases.

    (kaiming_uniform with a=sqrt(5) reduces to exactly this bound for the weight.)
    """
    rng = rng if rng is not None else np.random.default_rng()
    bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    return rng.uniform(-bound, bound, size=shape).astype(dtype)
