"""``Linear``: fully connected layer, weight (out_features, in_features) as torch."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, check_float_array, check_grad, check_same_dtype
from ..functional.linear import linear_backward, linear_forward
from ._init import uniform_fan_in
from .module import Module


class Linear(Module):
    """x (*, in_features) -> y (*, out_features)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: object = None, dtype: object = np.float32, *,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(
                f"Linear: expected non-negative in_features and out_features, got "
                f"{in_features} and {out_features}"
            )
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.dtype = as_dtype("Linear", dtype)
        self.register_parameter(
            "weight", uniform_fan_in(rng, (out_features, in_features), in_features, self.dtype))
        self.register_parameter(
            "bias", uniform_fan_in(rng, (out_features,), in_features, self.dtype) if bias else None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Linear", x)
        if x.ndim < 1 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear: expected input with last dimension {self.in_features} "
                f"(in_features), got shape {tuple(x.shape)}"
            )
        check_same_dtype("Linear", x, self.dtype)
        y, cache = linear_forward(x, self.weight, self.bias)
        self._push_cache((cache, y.shape))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape = self._pop_cache()
        dy = check_grad("Linear", grad_output, shape, self.dtype)
        dx, dw, db = linear_backward(dy, cache)
        self._accumulate("weight", dw)
        self._accumulate("bias", db)
        return dx

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
