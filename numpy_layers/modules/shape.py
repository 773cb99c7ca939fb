"""``Identity`` and ``Unflatten``."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._checks import check_float_array, check_grad
from .module import Module


class Identity(Module):
    """x -> x (any arguments are accepted and ignored, as torch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Identity", x)
        self._push_cache((x.shape, x.dtype))
        return x

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        shape, dtype = self._pop_cache()
        return check_grad("Identity", grad_output, shape, dtype)


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Unflatten", x)
        nd = x.ndim
        d = self.dim + nd if self.dim < 0 else self.dim
        if not 0 <= d < max(nd, 1):
            raise ValueError(f"Unflatten: dim {self.dim} out of range for a {nd}-D input")
        sizes = list(self.unflattened_size)
        known = int(np.prod([s for s in sizes if s != -1], dtype=np.int64))
        if sizes.count(-1) > 1 or (sizes.count(-1) == 0 and known != x.shape[d]) or \
                (sizes.count(-1) == 1 and (known == 0 or x.shape[d] % known)):
            raise ValueError(f"Unflatten: unflattened_size {self.unflattened_size} does not "
                             f"multiply to the size {x.shape[d]} of dim {self.dim}")
        y = x.reshape(x.shape[:d] + tuple(sizes) + x.shape[d + 1:])   # (..., *sizes, ...)
        self._push_cache((x.shape, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        in_shape, shape, dtype = self._pop_cache()
        return check_grad("Unflatten", grad_output, shape, dtype).reshape(in_shape)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
