"""``BatchNorm2d`` (and the ``_BatchNorm`` base other batch norms reuse)."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, check_float_array, check_grad, check_same_dtype
from ..functional.norm import (batch_norm_backward, batch_norm_forward,
                               batch_norm_update_stats, check_batch_size)
from .module import Module


class _BatchNorm(Module):
    """Per-channel normalisation of x (N, C, *) with torch's training rules.

    Training: normalise with the batch mean and biased variance; when tracking, count
    ``num_batches_tracked`` and update ``running_mean``/``running_var`` (unbiased variance)
    with factor ``momentum``, or ``1 / num_batches_tracked`` (cumulative average) when
    ``momentum`` is None. Eval: use the running statistics, or the batch's when not tracking.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: object = None,
                 dtype: object = np.float32, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        if int(num_features) < 0:
            raise ValueError(f"{name}: expected num_features >= 0, got {num_features}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.dtype = as_dtype(name, dtype)
        c = self.num_features
        if affine:
            self.register_parameter("weight", np.ones(c, self.dtype))
            self.register_parameter("bias", np.zeros(c, self.dtype) if bias else None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, self.dtype))
            self.register_buffer("running_var", np.ones(c, self.dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            self.weight[...] = 1
        if self.bias is not None:
            self.bias[...] = 0

    def _check_input_dim(self, x: np.ndarray) -> None:
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, *) -> y of the same shape and dtype."""
        name = type(self).__name__
        check_float_array(name, x)
        self._check_input_dim(x)
        if x.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected input with {self.num_features} channels "
                             f"(num_features), got shape {tuple(x.shape)}")
        if self.weight is not None or self.running_mean is not None:
            check_same_dtype(name, x, self.dtype)
        track = self.training and self.track_running_stats
        use_batch = self.training or self.running_mean is None or self.running_var is None
        if use_batch:                       # checked before any state changes
            check_batch_size(name, x.shape)
        factor = 0.0 if self.momentum is None else self.momentum
        if track and self.num_batches_tracked is not None:
            self.num_batches_tracked += 1   # in place (a 0-d int64 array), as torch's add_(1)
            if self.momentum is None:       # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        stats_given = not self.training or self.track_running_stats
        rm = self.running_mean if stats_given else None
        rv = self.running_var if stats_given else None
        y, cache = batch_norm_forward(x, self.weight, self.bias, rm, rv, use_batch, self.eps)
        if track and cache.mean is not None and rm is not None and rv is not None:
            new_mean, new_var = batch_norm_update_stats(rm, rv, cache.mean, cache.var_unbiased,
                                                        factor)
            rm[...] = new_mean              # in place, like torch's buffers
            rv[...] = new_var
        self._push_cache((cache, x.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """grad_output (N, C, *) -> dx (N, C, *); weight/bias gradients accumulate."""
        cache, dtype = self._pop_cache()
        dy = check_grad(type(self).__name__, grad_output, cache.shape, dtype)
        dx, dweight, dbias = batch_norm_backward(dy, cache)
        self._accumulate("weight", dweight)
        self._accumulate("bias", dbias)
        return dx

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm2d(_BatchNorm):
    """x (N, C, H, W) -> y (N, C, H, W), statistics over (N, H, W) per channel."""

    def _check_input_dim(self, x: np.ndarray) -> None:
        if x.ndim != 4:
            raise ValueError(f"BatchNorm2d: expected 4D input (got {x.ndim}D input)")


class BatchNorm1d(_BatchNorm):
    """x (N, C) or (N, C, L) -> same shape, statistics over (N, L) per channel."""

    def _check_input_dim(self, x: np.ndarray) -> None:
        if x.ndim not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {x.ndim}D input)")
