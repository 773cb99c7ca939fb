"""``ReLU`` and the other activations of ``torch.nn.modules.activation`` (softmax family in
``softmax.py``): constructors with torch's argument names, order and defaults."""
from __future__ import annotations

import warnings

import numpy as np

from .._checks import as_dtype, check_float_array, check_grad, check_same_dtype
from ..functional import activation as F
from ..functional.activation import relu_backward, relu_forward
from .module import Module


class _Elementwise(Module):
    """Shared forward/backward of the parameter-free activations.

    A subclass provides ``_fwd(x) -> (y, cache)`` and ``_bwd(dy, cache) -> dx`` (usually a
    functional pair). ``inplace`` is stored for torch's repr and ``from_torch``; the input
    is never modified.
    """

    def _fwd(self, x: np.ndarray):
        raise NotImplementedError

    def _bwd(self, dy: np.ndarray, cache) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._forward(x, None)

    def _forward(self, x: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        check_float_array(type(self).__name__, x)
        y, cache = self._fwd(x) if out is None else self._fwd(x, out=out)
        y = np.asarray(y)                     # ufuncs turn 0-D results into NumPy scalars
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        dy = check_grad(type(self).__name__, grad_output, shape, dtype)
        return np.asarray(self._bwd(dy, cache))

    can_write_over_input = False            # True where ``_fwd`` takes ``out=``

    def forward_inplace(self, x: np.ndarray) -> np.ndarray:
        """``forward`` with y written over x (torch's inplace=True): what a converted graph
        calls for an intermediate no other node reads. ``forward`` never modifies x."""
        if not self.can_write_over_input:
            raise TypeError(f"{type(self).__name__}: no in-place form")
        return self._forward(x, x)


class _Inplace(_Elementwise):
    """An activation whose only option is ``inplace`` (accepted, never acted on)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """x (any shape) -> max(x, 0). ``inplace`` is accepted; the input is never modified."""
    _fwd = staticmethod(relu_forward)
    _bwd = staticmethod(relu_backward)
    can_write_over_input = True             # forward_inplace (see GraphModule)


class ReLU6(_Inplace):
    """min(max(x, 0), 6); the gradient is 0 at both kinks (x == 0, x == 6), as torch."""
    _fwd = staticmethod(F.relu6_forward)
    _bwd = staticmethod(F.relu6_backward)
    can_write_over_input = True


class _AssertionValueError(AssertionError, ValueError):
    """torch raises AssertionError here; the library's contract is ValueError: both."""


class Hardtanh(_Elementwise):
    """min(max(x, min_val), max_val); the gradient is 0 at both kinks, as torch.

    ``min_value``/``max_value`` are torch's deprecated names (FutureWarning, as torch).
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        for old, new in (("min_value", min_value), ("max_value", max_value)):
            if new is not None:
                warnings.warn(f"keyword argument `{old}` is deprecated and renamed to "
                              f"`{old[:3]}_val`", FutureWarning, stacklevel=2)
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise _AssertionValueError(f"Hardtanh: max_val ({max_val}) must be greater than "
                                       f"min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def _fwd(self, x: np.ndarray, out: np.ndarray | None = None):
        return F.hardtanh_forward(x, self.min_val, self.max_val, out=out)

    _bwd = staticmethod(F.hardtanh_backward)
    can_write_over_input = True

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{', inplace=True' if self.inplace else ''}"


class LeakyReLU(_Elementwise):
    """x if x > 0 else negative_slope * x (x == 0 takes the slope)."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def _fwd(self, x: np.ndarray):
        return F.leaky_relu_forward(x, self.negative_slope)

    _bwd = staticmethod(F.leaky_relu_backward)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{', inplace=True' if self.inplace else ''}"


class PReLU(Module):
    """x if x > 0 else weight[c] * x, c the channel on dim 1 (one weight: all of x).

    ``weight`` has shape (num_parameters,), filled with ``init``; its gradient accumulates.
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: object = None,
                 dtype: object = np.float32) -> None:
        super().__init__()
        n = num_parameters
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"PReLU: expected num_parameters to be an int >= 0, got {n!r}")
        self.num_parameters = int(num_parameters)
        self.init = init
        self.dtype = as_dtype("PReLU", dtype)
        self.register_parameter("weight", np.full((self.num_parameters,), init, dtype=self.dtype))

    def reset_parameters(self) -> None:
        self.weight = np.full((self.num_parameters,), self.init, dtype=self.dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("PReLU", x)
        check_same_dtype("PReLU", x, self.dtype)
        F.prelu_weight(x, self.weight, "PReLU")          # channel count check, naming the layer
        y, cache = F.prelu_forward(x, self.weight)
        y = np.asarray(y)
        self._push_cache((cache, y.shape))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape = self._pop_cache()
        dx, dw = F.prelu_backward(check_grad("PReLU", grad_output, shape, self.dtype), cache)
        self._accumulate("weight", dw)
        return np.asarray(dx)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(_Elementwise):
    """x if x > 0 else alpha * (exp(x) - 1); the gradient at x == 0 is alpha, as torch."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def _fwd(self, x: np.ndarray):
        return F.elu_forward(x, self.alpha)

    _bwd = staticmethod(F.elu_backward)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{', inplace=True' if self.inplace else ''}"


class SELU(_Inplace):
    """scale * (x if x > 0 else alpha * (exp(x) - 1)) with torch's alpha and scale."""
    _fwd = staticmethod(F.selu_forward)
    _bwd = staticmethod(F.selu_backward)


class GELU(_Elementwise):
    """x * Phi(x) ('none', exact normal CDF) or torch's tanh approximation ('tanh')."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = F.check_approximate("GELU", approximate)

    def _fwd(self, x: np.ndarray):
        return F.gelu_forward(x, self.approximate)

    _bwd = staticmethod(F.gelu_backward)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_Inplace):
    """x * sigmoid(x)."""
    _fwd = staticmethod(F.silu_forward)
    _bwd = staticmethod(F.silu_backward)


class Mish(_Inplace):
    """x * tanh(softplus(x))."""
    _fwd = staticmethod(F.mish_forward)
    _bwd = staticmethod(F.mish_backward)


class Hardswish(_Inplace):
    """x * relu6(x + 3) / 6; gradient 0 at x == -3 and 1 at x == 3, as torch."""
    _fwd = staticmethod(F.hardswish_forward)
    _bwd = staticmethod(F.hardswish_backward)

    def extra_repr(self) -> str:                         # torch prints no options here
        return ""


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6; gradient 0 at both kinks (x == -3, x == 3), as torch."""
    _fwd = staticmethod(F.hardsigmoid_forward)
    _bwd = staticmethod(F.hardsigmoid_backward)

    def extra_repr(self) -> str:                         # torch prints no options here
        return ""


class Sigmoid(_Elementwise):
    """1 / (1 + exp(-x)), without overflow warnings for large |x|."""
    _fwd = staticmethod(F.sigmoid_forward)
    _bwd = staticmethod(F.sigmoid_backward)


class Tanh(_Elementwise):
    """tanh(x)."""
    _fwd = staticmethod(F.tanh_forward)
    _bwd = staticmethod(F.tanh_backward)


class Softplus(_Elementwise):
    """log(1 + exp(beta x)) / beta, and x where beta * x > threshold (torch's rule)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def _fwd(self, x: np.ndarray):
        return F.softplus_forward(x, self.beta, self.threshold)

    _bwd = staticmethod(F.softplus_backward)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"
