"""``LayerNorm``: normalises the trailing ``normalized_shape`` axes, as torch.nn.LayerNorm."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, check_float_array, check_grad, check_same_dtype
from ..functional.layer_norm import (as_normalized_shape, check_layer_norm_input,
                                     layer_norm_backward, layer_norm_forward)
from .module import Module


class LayerNorm(Module):
    """x (*, *normalized_shape) -> y of the same shape; weight ones, bias zeros."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: object = None, dtype: object = np.float32) -> None:
        super().__init__()
        self.normalized_shape = as_normalized_shape("LayerNorm", normalized_shape)
        if any(s < 0 for s in self.normalized_shape):
            raise ValueError(f"LayerNorm: expected non-negative normalized_shape, got "
                             f"{self.normalized_shape}")
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        self.dtype = as_dtype("LayerNorm", dtype)
        ns = self.normalized_shape
        self.register_parameter(
            "weight", np.ones(ns, self.dtype) if self.elementwise_affine else None)
        self.register_parameter(
            "bias", np.zeros(ns, self.dtype) if self.elementwise_affine and bias else None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("LayerNorm", x)
        check_layer_norm_input("LayerNorm", x, self.normalized_shape)
        if self.weight is not None or self.bias is not None:   # no parameters: any float dtype
            check_same_dtype("LayerNorm", x, self.dtype)
        y, cache = layer_norm_forward(x, self.normalized_shape, self.weight, self.bias, self.eps)
        self._push_cache(cache)
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache = self._pop_cache()
        dy = check_grad("LayerNorm", grad_output, cache.shape, cache.dtype)
        dx, dw, db = layer_norm_backward(dy, cache)
        self._accumulate("weight", dw)
        self._accumulate("bias", db)
        return dx

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


__all__ = ["LayerNorm"]
