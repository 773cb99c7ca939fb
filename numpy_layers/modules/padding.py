"""2-D padding layers: ``ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``, ``ReplicationPad2d``."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..functional.padding import pad_backward, pad_forward
from .module import Module


def _four(layer: str, padding: object) -> tuple[int, int, int, int]:
    """int or 4-tuple (left, right, top, bottom), as torch's _pair/_quadruple."""
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        return (int(padding),) * 4
    try:
        items = tuple(int(p) for p in padding)  # type: ignore[union-attr]
    except TypeError:
        raise TypeError(f"{layer}: expected padding to be an int or a 4-tuple, got {padding!r}") from None
    if len(items) != 4:
        raise ValueError(f"{layer}: expected padding of 4 values (left, right, top, bottom), "
                         f"got {padding!r}")
    return items  # type: ignore[return-value]


class _Pad2d(Module):
    """x (N, C, H, W) or (C, H, W) -> (..., H + top + bottom, W + left + right)."""
    mode = "constant"

    def __init__(self, padding: object, value: float = 0.0) -> None:
        super().__init__()
        self.padding = _four(type(self).__name__, padding)
        self.value = value

    def forward(self, x: np.ndarray) -> np.ndarray:
        name = type(self).__name__
        check_float_array(name, x)
        check_ndim(name, x, (3, 4))
        y, cache = pad_forward(x, self.padding, self.mode, self.value)
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        return pad_backward(check_grad(type(self).__name__, grad_output, shape, dtype), cache)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(_Pad2d):
    def __init__(self, padding: object) -> None:
        super().__init__(padding, 0.0)


class ConstantPad2d(_Pad2d):
    def __init__(self, padding: object, value: float) -> None:
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ReflectionPad2d(_Pad2d):
    mode = "reflect"

    def __init__(self, padding: object) -> None:
        super().__init__(padding)


class ReplicationPad2d(_Pad2d):
    mode = "replicate"

    def __init__(self, padding: object) -> None:
        super().__init__(padding)
