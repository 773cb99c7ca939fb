"""Shared plumbing of the losses: the ``reduction`` argument, argument checks, reduce/unreduce.

Mirrors ``torch/nn/_reduction.py``: the legacy ``size_average``/``reduce`` pair overrides
``reduction`` (with torch's warning). Every check raises an error naming the loss.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._checks import check_float_array

REDUCTIONS = ("none", "mean", "sum")


class TargetOutOfRangeError(IndexError, ValueError):
    """A class target outside ``[0, C)`` that is not ``ignore_index`` (torch raises IndexError)."""


def resolve_reduction(loss: str, size_average: bool | None, reduce: bool | None,
                      reduction: str) -> str:
    """torch's rule: a legacy flag given -> derived reduction (+ warning), else ``reduction``."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        ret = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", UserWarning, stacklevel=3)
        return ret
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", UserWarning, stacklevel=3)
        return "mean"
    if reduction not in REDUCTIONS:
        raise ValueError(f"{loss}: {reduction!r} is not a valid value for reduction; expected "
                         f"'none', 'mean' or 'sum'")
    return reduction


def check_float_target(loss: str, input: np.ndarray, target: object) -> np.ndarray:
    """A float target of the input's exact shape and dtype (regression and BCE losses)."""
    t = check_float_array(loss, target, "target")
    if t.shape != input.shape:
        raise ValueError(f"{loss}: target shape {tuple(t.shape)} must match input shape "
                         f"{tuple(input.shape)}")
    if t.dtype != input.dtype:
        raise TypeError(f"{loss}: target dtype {t.dtype} does not match input dtype {input.dtype}")
    return t


def as_weight(loss: str, name: str, w: object, dtype: np.dtype) -> np.ndarray | None:
    """``weight``/``pos_weight`` as a float ndarray of ``dtype`` (a view when it already is)."""
    if w is None:
        return None
    if not isinstance(w, np.ndarray) or w.dtype.kind != "f":
        got = f"ndarray of dtype {w.dtype}" if isinstance(w, np.ndarray) else type(w).__name__
        raise TypeError(f"{loss}: expected {name} to be a float numpy.ndarray or None, got {got}")
    return w.astype(dtype, copy=False)


def broadcast_weight(loss: str, name: str, w: np.ndarray | None, shape: tuple) -> np.ndarray | None:
    """Check that ``w`` broadcasts to ``shape`` without growing it (torch's expand rule)."""
    if w is None:
        return None
    try:
        out = np.broadcast_shapes(w.shape, shape)
    except ValueError:
        out = None
    if out != tuple(shape):
        raise ValueError(f"{loss}: {name} of shape {tuple(w.shape)} does not broadcast to the "
                         f"input shape {tuple(shape)}")
    return w


def reduce_loss(elem: np.ndarray, reduction: str) -> np.ndarray:
    """Elementwise losses -> output: ``elem`` itself, its sum, or its mean (NaN when empty)."""
    if reduction == "none":
        return elem
    total = np.asarray(elem.sum(), dtype=elem.dtype)                 # 0-d
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore"):                             # 0 / 0 -> NaN, like torch
        return np.asarray(total / elem.dtype.type(elem.size) if elem.size else
                          elem.dtype.type(np.nan), dtype=elem.dtype)


def unreduce_grad(dy: np.ndarray, reduction: str, n: int) -> np.ndarray:
    """Upstream gradient per loss element (broadcastable): dy, dy, or dy / n for 'mean'."""
    if reduction == "mean" and n:
        return dy / dy.dtype.type(n)
    return dy
