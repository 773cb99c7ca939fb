"""Shape-only ops."""
from __future__ import annotations

import numpy as np


def flat_shape(layer: str, shape: tuple[int, ...], start_dim: int, end_dim: int) -> tuple[int, ...]:
    nd = max(len(shape), 1)
    s = start_dim + nd if start_dim < 0 else start_dim
    e = end_dim + nd if end_dim < 0 else end_dim
    if not (0 <= s < nd and 0 <= e < nd):
        raise ValueError(
            f"{layer}: dimension out of range (expected to be in range of [{-nd}, {nd - 1}], "
            f"got start_dim={start_dim}, end_dim={end_dim})"
        )
    if s > e:
        raise ValueError(f"{layer}: start_dim cannot come after end_dim (got {start_dim}, {end_dim})")
    if len(shape) == 0:
        return (1,)
    merged = int(np.prod(shape[s:e + 1], dtype=np.int64))
    return tuple(shape[:s]) + (merged,) + tuple(shape[e + 1:])


def flatten(input: np.ndarray, start_dim: int = 0, end_dim: int = -1) -> np.ndarray:
    """``torch.flatten``: merge dims ``start_dim..end_dim`` (a view when possible)."""
    return input.reshape(flat_shape("flatten", input.shape, start_dim, end_dim))
