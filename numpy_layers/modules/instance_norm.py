"""``InstanceNorm2d``: normalises each (sample, channel) plane, as torch.nn.InstanceNorm2d."""
from __future__ import annotations

import warnings

import numpy as np

from .._checks import check_float_array, check_grad, check_same_dtype
from ..functional.instance_norm import (check_spatial_size, instance_norm_backward,
                                        instance_norm_forward, instance_norm_update_stats)
from .batchnorm import _BatchNorm


class InstanceNorm2d(_BatchNorm):
    """x (N, C, H, W) or unbatched (C, H, W) -> y of the same shape and dtype.

    Training, or eval without running statistics: each plane is normalised with its own
    mean and biased variance. With ``track_running_stats`` the training forward moves
    ``running_mean``/``running_var`` towards the batch average of the per-plane mean and
    unbiased variance (factor ``momentum``; ``None`` means 0, as in torch), and eval
    normalises with them. ``num_batches_tracked`` exists but, as in torch, never counts.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: object = None,
                 dtype: object = np.float32, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, x: np.ndarray) -> None:
        if x.ndim not in (3, 4):
            raise ValueError(f"InstanceNorm2d: expected 3D or 4D input (got {x.ndim}D input)")

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) or (C, H, W) -> y of the same shape."""
        name = type(self).__name__
        check_float_array(name, x)
        self._check_input_dim(x)
        feature_dim = x.ndim - 3
        if x.shape[feature_dim] != self.num_features:
            msg = (f"{name}: expected input's size at dim={feature_dim} to match num_features "
                   f"({self.num_features}), but got: {x.shape[feature_dim]}.")
            if self.affine or self.track_running_stats:
                raise ValueError(msg)
            warnings.warn(msg + " num_features is not used because affine=False", stacklevel=2)
        if self.weight is not None or self.running_mean is not None:
            check_same_dtype(name, x, self.dtype)
        x4 = x[None] if x.ndim == 3 else x                     # (N, C, H, W)
        if x4.shape[0] == 0 and self.affine:    # torch 2.13 fails there (IndexError)
            raise ValueError(f"{name}: expected a non-empty batch, got input of shape "
                             f"{tuple(x.shape)}")
        use_input = self.training or not self.track_running_stats
        if use_input:
            check_spatial_size(name, x4.shape)
        y, cache = instance_norm_forward(x4, self.weight, self.bias, self.running_mean,
                                         self.running_var, use_input, self.eps)
        if use_input and self.running_mean is not None and self.running_var is not None:
            momentum = 0.0 if self.momentum is None else self.momentum
            new = instance_norm_update_stats(self.running_mean, self.running_var, cache,
                                             momentum)
            if new is not None:
                self.running_mean[...], self.running_var[...] = new    # in place, as torch
        self._push_cache((cache, x.shape, x.dtype))
        return y.reshape(x.shape)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output (x's shape) -> dx; weight/bias gradients accumulate."""
        cache, shape, dtype = self._pop_cache()
        dy = check_grad(type(self).__name__, grad_output, shape, dtype)
        dx, dweight, dbias = instance_norm_backward(dy.reshape(cache.shape), cache)
        self._accumulate("weight", dweight)
        self._accumulate("bias", dbias)
        return dx.reshape(shape)


__all__ = ["InstanceNorm2d"]
