"""``GroupNorm``: normalises groups of channels per sample, as torch.nn.GroupNorm."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, check_float_array, check_grad, check_same_dtype
from ..functional.group_norm import (check_group_norm_input, group_norm_backward,
                                     group_norm_forward)
from .module import Module


class GroupNorm(Module):
    """x (N, C, *) -> y (N, C, *); C = num_channels split into num_groups groups.

    ``affine``: a per-channel weight (ones) and, with ``bias`` (torch's keyword), a bias (zeros).
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: object = None, dtype: object = np.float32, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels < 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups}), num_groups positive")
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = float(eps)
        self.affine = bool(affine)
        self.dtype = as_dtype("GroupNorm", dtype)
        self.register_parameter("weight", np.ones(num_channels, self.dtype) if affine else None)
        self.register_parameter("bias", np.zeros(num_channels, self.dtype) if affine and bias
                                else None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("GroupNorm", x)
        check_group_norm_input("GroupNorm", x, self.num_groups, self.num_channels)
        if self.weight is not None or self.bias is not None:   # no parameters: any float dtype
            check_same_dtype("GroupNorm", x, self.dtype)
        y, cache = group_norm_forward(x, self.num_groups, self.weight, self.bias, self.eps)
        self._push_cache(cache)
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache = self._pop_cache()
        dy = check_grad("GroupNorm", grad_output, cache.shape, cache.dtype)
        dx, dw, db = group_norm_backward(dy, cache)
        self._accumulate("weight", dw)
        self._accumulate("bias", db)
        return dx

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


__all__ = ["GroupNorm"]
