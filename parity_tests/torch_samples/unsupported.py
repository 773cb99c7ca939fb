"""The samples numpy_layers documents as unsupported, each with the reason (README: "Where
numpy_layers differs from torch, on purpose"). Anything not listed here must pass."""
from __future__ import annotations


import numpy as np

from .common import Call


def _has(call: Call, pred) -> bool:
    return any(pred(a) for a in call.arrays)


def unsupported(layer: str, desc: str, ctor: Call | None, fwd: Call) -> str:
    """The reason the sample is not run, or '' when it must pass."""
    calls = [c for c in (ctor, fwd) if c is not None]
    if any(_has(c, lambda a: a.dtype.kind == "c") for c in calls):
        return "complex input (float32 and float64 only)"
    if layer.lower() in NAN_GRAD and _has(fwd, lambda a: a.dtype.kind == "f" and np.isnan(a).any()):
        return ("NaN input: the gradient follows torch's SIMD loop, not its scalar tail "
                "(README: Where numpy_layers differs)")
    if layer in ("dropout", "dropout2d") and fwd.kwargs.get("training", True) \
            and fwd.kwargs.get("p", 0.5) > 0:
        return "random mask (the Dropout specs inject torch's mask instead)"
    if layer == "batch_norm" and _has(fwd, lambda a: a.ndim < 2) and fwd.arrays[0].ndim < 2:
        return "input with fewer than 2 dims (numpy_layers takes (N, C, *))"
    return ""


# Activations whose gradient at NaN follows torch's SIMD loop (README).
NAN_GRAD = {"relu6", "hardtanh", "elu", "selu", "hardswish"}
