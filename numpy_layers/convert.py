"""``from_torch``: the NumPy twin of a torch.nn module, parameters and buffers copied.

torch is imported lazily, only when ``from_torch`` is called. Converters are looked up by
the module's exact class (a subclass may override ``forward``, so it is not assumed to
behave like its base); ``register_converter`` adds more.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from . import modules as M

# torch class name -> function(torch_module, dtype, convert) -> numpy Module
_CONVERTERS: dict[str, Callable[[Any, np.dtype, Callable], M.Module]] = {}


def register_converter(torch_class_name: str):
    """Decorator registering a converter for ``torch.nn.<torch_class_name>``."""
    def deco(fn: Callable[[Any, np.dtype, Callable], M.Module]):
        _CONVERTERS[torch_class_name] = fn
        return fn
    return deco


def _key(module: Any) -> str | None:
    import torch
    cls = type(module)
    name = cls.__name__
    if getattr(torch.nn, name, None) is cls:
        return name
    return None


def _module_dtype(module: Any) -> np.dtype:
    import torch
    for t in list(module.parameters(recurse=False)) + list(module.buffers(recurse=False)):
        if t.is_floating_point():
            if t.dtype == torch.float32:
                return np.dtype(np.float32)
            if t.dtype == torch.float64:
                return np.dtype(np.float64)
            raise TypeError(
                f"from_torch: {type(module).__name__} has {t.dtype} parameters; numpy_layers "
                f"supports float32 and float64 (call .float() or .double() first)"
            )
    return np.dtype(np.float32)


def _unsupported(module: Any, prefix: str = "") -> list[str]:
    """Every module (with its path) that has no converter, not only the first."""
    key = _key(module)
    if key in _CONVERTERS:
        if key != "Sequential":
            return []
        out = []
        for name, child in module.named_children():
            out += _unsupported(child, f"{prefix}.{name}" if prefix else name)
        return out
    return [f"{prefix or '<root>'}: {type(module).__module__}.{type(module).__name__}"]


def from_torch(module: Any) -> M.Module:
    """Build the NumPy twin of ``module``: same class, options, parameters, buffers, mode.

    Raises TypeError naming every unsupported submodule.
    """
    import torch
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    missing = _unsupported(module)
    if missing:
        raise TypeError(
            "from_torch: no NumPy twin for these modules:\n  " + "\n  ".join(missing)
            + f"\nsupported: {', '.join(sorted(_CONVERTERS))}"
        )
    out = _build(module)
    out.load_state_dict({k: v.detach().cpu().numpy() for k, v in module.state_dict().items()})
    return out


def _build(module: Any) -> M.Module:
    """Construct the twin tree (options and training flags); state is loaded once after."""
    out = _CONVERTERS[_key(module)](module, _module_dtype(module), _build)
    object.__setattr__(out, "training", module.training)
    return out


@register_converter("Sequential")
def _sequential(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.Sequential(OrderedDict((name, convert(c)) for name, c in m.named_children()))


@register_converter("Conv2d")
def _conv2d(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                    m.dilation, m.groups, m.bias is not None, m.padding_mode, dtype=dtype)


@register_converter("MaxPool2d")
def _maxpool2d(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.MaxPool2d(m.kernel_size, m.stride, m.padding, m.dilation, m.return_indices,
                       m.ceil_mode)


@register_converter("AvgPool2d")
def _avgpool2d(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad,
                       m.divisor_override)


@register_converter("Dropout")
def _dropout(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.Dropout(m.p, m.inplace)


@register_converter("Linear")
def _linear(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.Linear(m.in_features, m.out_features, m.bias is not None, dtype=dtype)


@register_converter("BatchNorm2d")
def _batchnorm2d(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.BatchNorm2d(m.num_features, m.eps, m.momentum, m.affine, m.track_running_stats,
                         dtype=dtype)


@register_converter("ReLU")
def _relu(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.ReLU(m.inplace)


@register_converter("Flatten")
def _flatten(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.Flatten(m.start_dim, m.end_dim)
