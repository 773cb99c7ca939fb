"""Loss modules mirroring ``torch.nn``: constructor names, order and defaults as torch.

``loss = L(input, target)`` returns a 0-d array of the input's dtype ('mean'/'sum') or the
unreduced array ('none'); ``L.backward(grad_output=None)`` returns ``(grad_input,
grad_target)``, ``grad_target`` being ``None`` for integer class targets. ``weight`` and
``pos_weight`` are buffers (in ``state_dict`` under torch's keys when given). The maths is in
``numpy_layers.functional.loss`` / ``loss_ce``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import FLOAT_DTYPES, as_dtype
from ..functional import loss as F
from ..functional.reduction import resolve_reduction
from .module import Module


def _as_buffer(layer: str, name: str, value: Any, dtype: object) -> np.ndarray | None:
    """Copy ``value`` (array-like, or a CPU tensor) into a float buffer.

    ``dtype=None`` keeps a float32/float64 array's dtype and makes anything else float32.
    At forward time the buffer is used in the input's dtype (a float32 loss stays float32).
    """
    if value is None:
        return None
    arr = np.asarray(value)
    if dtype is None:
        dt = arr.dtype if arr.dtype in FLOAT_DTYPES else np.dtype(np.float32)
    else:
        dt = as_dtype(layer, dtype)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{layer}: expected {name} to be a float array, got dtype {arr.dtype}")
    return np.array(arr, dtype=dt, copy=True)


class _Loss(Module):
    """Shared reduction logic: ``reduction`` or the legacy ``size_average``/``reduce`` pair."""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = resolve_reduction(type(self).__name__, size_average, reduce, reduction)

    def _forward(self, input: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, Any]:
        raise NotImplementedError

    _backward = None  # functional backward: (grad_output, cache) -> (grad_input, grad_target)

    def forward(self, input: np.ndarray, target: np.ndarray) -> np.ndarray:
        out, cache = self._forward(input, target)
        self._push_cache(cache)
        return out

    def backward(self, grad_output: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray | None]:
        """``grad_output`` of the output's shape (``None`` = 1.0 for a scalar loss)."""
        cache = self._pop_cache()
        return type(self)._backward(grad_output, cache)


class _WeightedLoss(_Loss):
    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean", *,
                 dtype: object = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_buffer(type(self).__name__, "weight", weight, dtype))


class L1Loss(_Loss):
    """mean/sum of |input - target|."""
    _backward = staticmethod(F.l1_loss_backward)

    def _forward(self, input, target):
        return F.l1_loss_forward(input, target, self.reduction, name="L1Loss")


class MSELoss(_Loss):
    """mean/sum of (input - target)^2."""
    _backward = staticmethod(F.mse_loss_backward)

    def _forward(self, input, target):
        return F.mse_loss_forward(input, target, self.reduction, name="MSELoss")


class SmoothL1Loss(_Loss):
    """Huber-like: 0.5 z^2 / beta for |z| < beta, else |z| - 0.5 beta (beta=0 is L1Loss)."""
    _backward = staticmethod(F.smooth_l1_loss_backward)

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be non-negative, got {beta}")
        self.beta = beta

    def _forward(self, input, target):
        return F.smooth_l1_loss_forward(input, target, self.reduction, self.beta,
                                        name="SmoothL1Loss")


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of log-probabilities (N, C, *) or (C,) at class targets."""
    _backward = staticmethod(F.nll_loss_backward)

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean", *, dtype: object = None) -> None:
        super().__init__(weight, size_average, reduce, reduction, dtype=dtype)
        self.ignore_index = int(ignore_index)

    def _forward(self, input, target):
        return F.nll_loss_forward(input, target, self.weight, self.ignore_index, self.reduction,
                                  name="NLLLoss")


class CrossEntropyLoss(_WeightedLoss):
    """log_softmax + NLLLoss for class targets; soft cross entropy for probability targets."""
    _backward = staticmethod(F.cross_entropy_backward)

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0, *, dtype: object = None) -> None:
        super().__init__(weight, size_average, reduce, reduction, dtype=dtype)
        if not 0.0 <= float(label_smoothing) <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0, "
                             f"got {label_smoothing}")
        self.ignore_index = int(ignore_index)
        self.label_smoothing = float(label_smoothing)

    def _forward(self, input, target):
        return F.cross_entropy_forward(input, target, self.weight, self.ignore_index,
                                       self.reduction, self.label_smoothing,
                                       name="CrossEntropyLoss")


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities in [0, 1]; logs clamped to >= -100 as torch."""
    _backward = staticmethod(F.binary_cross_entropy_backward)

    def _forward(self, input, target):
        return F.binary_cross_entropy_forward(input, target, self.weight, self.reduction,
                                              name="BCELoss")


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + BCELoss in the stable log-sum-exp form; ``pos_weight`` weighs positives."""
    _backward = staticmethod(F.binary_cross_entropy_with_logits_backward)

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean", pos_weight: Any = None,
                 *, dtype: object = None) -> None:
        super().__init__(size_average, reduce, reduction)
        name = type(self).__name__
        self.register_buffer("weight", _as_buffer(name, "weight", weight, dtype))
        self.register_buffer("pos_weight", _as_buffer(name, "pos_weight", pos_weight, dtype))

    def _forward(self, input, target):
        return F.binary_cross_entropy_with_logits_forward(
            input, target, self.weight, self.reduction, self.pos_weight,
            name="BCEWithLogitsLoss")


__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "NLLLoss", "CrossEntropyLoss", "BCELoss",
           "BCEWithLogitsLoss"]
