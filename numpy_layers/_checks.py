"""Input and configuration checks shared by every layer.

Each check raises ``TypeError`` or ``ValueError`` whose message names the layer,
what was expected and what was received, in the spirit of torch's own messages.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class StateError(RuntimeError, ValueError):
    """A call made in the wrong order, e.g. ``backward`` before ``forward``."""


def check_float_array(layer: str, x: object, name: str = "input") -> np.ndarray:
    """Return ``x`` if it is a float32/float64 ndarray, else raise TypeError."""
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{layer}: expected {name} to be a numpy.ndarray of float32 or float64, "
            f"got {type(x).__name__}"
        )
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{layer}: expected {name} of dtype float32 or float64, got {x.dtype}"
        )
    return x


def check_ndim(layer: str, x: np.ndarray, allowed: Iterable[int], what: str = "") -> None:
    """Raise ValueError unless ``x.ndim`` is one of ``allowed``."""
    allowed = tuple(allowed)
    if x.ndim not in allowed:
        exp = " or ".join(f"{d}-D" for d in allowed)
        extra = f" {what}" if what else ""
        raise ValueError(
            f"{layer}: expected {exp} input{extra}, got {x.ndim}-D input of shape {tuple(x.shape)}"
        )


def check_same_dtype(layer: str, x: np.ndarray, dtype: np.dtype, name: str = "input") -> None:
    """Raise TypeError when ``x`` does not have the layer's parameter dtype (torch does too)."""
    if x.dtype != dtype:
        raise TypeError(
            f"{layer}: {name} dtype {x.dtype} does not match the layer's parameter dtype "
            f"{np.dtype(dtype)}; convert one of them (torch raises here too)"
        )


def check_grad(layer: str, grad: object, shape: Sequence[int], dtype: np.dtype) -> np.ndarray:
    """Validate an upstream gradient against the shape and dtype of the forward output.

    ``None`` stands for 1.0 and is allowed only for a scalar output, as in torch.
    """
    if grad is None:
        if tuple(shape) != ():
            raise ValueError(
                f"{layer}.backward: grad_output may be omitted only for a scalar output; "
                f"the output has shape {tuple(shape)}"
            )
        return np.ones((), dtype)
    if not isinstance(grad, np.ndarray):
        raise TypeError(
            f"{layer}.backward: expected grad_output to be a numpy.ndarray, got {type(grad).__name__}"
        )
    if tuple(grad.shape) != tuple(shape):
        raise ValueError(
            f"{layer}.backward: expected grad_output of shape {tuple(shape)} (the forward "
            f"output's), got {tuple(grad.shape)}"
        )
    if grad.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{layer}.backward: expected grad_output of dtype float32 or float64, got {grad.dtype}"
        )
    return grad.astype(dtype, copy=False)


def as_pair(layer: str, name: str, value: object, *, min_value: int | None = None) -> tuple[int, int]:
    """Turn an int or a 2-sequence of ints into a pair, checking the lower bound."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{layer}: expected {name} to be an int or a tuple of 2 ints, got bool")
    if isinstance(value, (int, np.integer)):
        pair = (int(value), int(value))
    else:
        try:
            items = tuple(value)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"{layer}: expected {name} to be an int or a tuple of 2 ints, got {value!r}"
            ) from None
        if len(items) == 1:
            items = items * 2
        if len(items) != 2 or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in items
        ):
            raise TypeError(
                f"{layer}: expected {name} to be an int or a tuple of 2 ints, got {value!r}"
            )
        pair = (int(items[0]), int(items[1]))
    if min_value is not None and min(pair) < min_value:
        raise ValueError(f"{layer}: expected {name} >= {min_value}, got {value!r}")
    return pair


def as_dtype(layer: str, dtype: object) -> np.dtype:
    """Resolve the ``dtype=`` constructor argument (float32 or float64)."""
    try:
        dt = np.dtype(dtype)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{layer}: expected dtype float32 or float64, got {dtype!r}") from None
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"{layer}: expected dtype float32 or float64, got {dt}")
    return dt
