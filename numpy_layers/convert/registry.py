"""The registry of module converters: which torch module class becomes which NumPy module.

Converters are looked up by the module's exact class (a subclass may override
``forward``, so it is not assumed to behave like its base): torch.nn classes by name
(``CONVERTERS`` or the numpy_layers class of the same name), others by the class or its
qualified name as ``register_module`` added them. ``build`` constructs the NumPy twin
tree of a module whose whole tree has converters; ``unsupported`` lists the modules that
have none. torch is imported lazily.
"""
from __future__ import annotations

import inspect
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from .. import modules as M

# Modules whose children are converted one by one.
CONTAINERS = {"Sequential"}

# torch.nn class name, qualified class name (``torchvision.ops.stochastic_depth.StochasticDepth``)
# or class object (``register_module``) -> function(torch_module, dtype, convert) -> numpy
# Module; torch.nn classes not listed here are converted by name (see ``_generic``).
CONVERTERS: dict[Any, Callable[[Any, np.dtype, Callable], M.Module]] = {}


def register_converter(torch_class_name: str):
    """Decorator registering a converter for ``torch.nn.<torch_class_name>``."""
    def deco(fn: Callable[[Any, np.dtype, Callable], M.Module]):
        CONVERTERS[torch_class_name] = fn
        return fn
    return deco


def class_key(module: Any) -> Any:
    """The torch.nn class name of ``module``; for other classes the class itself or its
    qualified name when registered (``register_module``); else None (also for a bare
    ``nn.Module`` such as the containers of a torch.fx GraphModule)."""
    import torch
    cls = type(module)
    name = cls.__name__
    if getattr(torch.nn, name, None) is cls and cls is not torch.nn.Module:
        return name
    for key in (cls, f"{cls.__module__}.{cls.__qualname__}"):
        if key in CONVERTERS:
            return key
    return None


def _generic_for(cls: type) -> Callable[[Any, np.dtype, Callable], M.Module]:
    """Converter building numpy_layers class ``cls``: each constructor argument is read from
    the torch attribute of the same name (``bias`` -> whether the torch module has one,
    ``dtype`` -> its parameter dtype)."""
    def convert(m: Any, dtype: np.dtype, _convert: Callable) -> M.Module:
        kwargs: dict[str, Any] = {}
        for p in inspect.signature(cls.__init__).parameters.values():
            if p.name in ("self", "device", "rng") or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            if p.name == "dtype":
                kwargs["dtype"] = dtype
            elif p.name == "bias":       # torch keeps the bias tensor, or None without one
                b = getattr(m, "bias", None)
                kwargs["bias"] = b if isinstance(b, bool) else b is not None
            elif hasattr(m, p.name):
                kwargs[p.name] = getattr(m, p.name)
        return cls(**kwargs)
    return convert


def _generic(name: str) -> Callable[[Any, np.dtype, Callable], M.Module] | None:
    """The converter of the numpy_layers class named like the torch.nn one, if any."""
    cls = getattr(M, name, None)
    if not (isinstance(cls, type) and issubclass(cls, M.Module)):
        return None
    return _generic_for(cls)


def converter_of(module: Any) -> Callable[[Any, np.dtype, Callable], M.Module] | None:
    """The converter of exactly ``module``'s class, or None."""
    key = class_key(module)
    if key is None:
        return None
    return CONVERTERS.get(key) or (_generic(key) if isinstance(key, str) else None)


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


def unsupported(module: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every module (path, module) that has no converter, not only the first."""
    if converter_of(module) is None:
        return [(prefix or "<root>", module)]
    if class_key(module) not in CONTAINERS:
        return []
    out = []
    for name, child in module.named_children():
        out += unsupported(child, f"{prefix}.{name}" if prefix else name)
    return out


def describe(path: str, module: Any) -> str:
    """``path: package.module.Class`` of a module, for messages."""
    return f"{path}: {type(module).__module__}.{type(module).__qualname__}"


def supported() -> list[str]:
    """Names of the torch classes ``from_torch`` converts (torch.nn's by name, others by
    qualified name)."""
    import torch
    names = {k if isinstance(k, str) else f"{k.__module__}.{k.__qualname__}" for k in CONVERTERS}
    names |= {n for n in dir(M) if isinstance(getattr(M, n), type)
              and issubclass(getattr(M, n), M.Module) and n != "Module"
              and isinstance(getattr(torch.nn, n, None), type)}       # torch.nn's twins
    return sorted(names)


def build(module: Any) -> M.Module:
    """Construct the twin tree (options and training flags); state is loaded once after."""
    out = converter_of(module)(module, _module_dtype(module), build)
    object.__setattr__(out, "training", module.training)
    return out


@register_converter("Sequential")
def _sequential(m: Any, dtype: np.dtype, convert: Callable) -> M.Module:
    return M.Sequential(OrderedDict((name, convert(c)) for name, c in m.named_children()))


class ConversionError(TypeError, ValueError):
    """A traced model uses operations with no NumPy twin (all of them are listed)."""


def register_module(torch_class: Any, converter: Any) -> None:
    """Teach ``from_torch`` one more module class (kept whole inside traced models).

    ``torch_class``: the class, or its qualified name (``"package.module.Class"``, whose
    package need not be importable here). ``converter``: a ``numpy_layers.Module`` subclass,
    built with each constructor argument read from the torch module's attribute of the
    same name (``dtype`` from its parameters), or a function ``converter(torch_module) ->
    numpy_layers.Module``. Parameters and buffers are then loaded from the torch module's
    ``state_dict``, so the NumPy module must register them under torch's names. Exactly
    this class is matched (a subclass may override ``forward``); a later registration
    replaces an earlier one.
    """
    if not (isinstance(torch_class, (type, str))):
        raise TypeError(f"register_module: expected a class or a qualified class name as "
                        f"torch_class, got {torch_class!r}")
    if isinstance(converter, type) and issubclass(converter, M.Module):
        make = _generic_for(converter)
    elif callable(converter):
        def make(m: Any, dtype: np.dtype, _convert: Callable) -> M.Module:
            out = converter(m)
            if not isinstance(out, M.Module):
                raise TypeError(f"register_module: the converter of {type(m).__qualname__} "
                                f"returned {type(out).__name__}, not a numpy_layers Module")
            return out
    else:
        raise TypeError(f"register_module: expected a numpy_layers.Module subclass or a "
                        f"function as converter, got {converter!r}")
    CONVERTERS[torch_class] = make


# torchvision's StochasticDepth, by qualified name (torchvision need not be installed).
register_module("torchvision.ops.stochastic_depth.StochasticDepth",
                lambda m: M.StochasticDepth(m.p, m.mode))
