"""Base class of every NumPy layer: parameters, gradients, buffers, children, mode.

It mirrors the parts of ``torch.nn.Module`` the contract names: ``named_parameters``,
``named_grads``, ``state_dict``/``load_state_dict``, ``train``/``eval``, ``zero_grad``,
and adds ``backward``. A forward stores what its backward needs on a short stack, so a
module used twice in one graph can be walked back twice (last forward first), and its
parameter gradients accumulate like torch's ``.grad``.
"""
from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict, namedtuple
from typing import Any, Iterator, Mapping

import numpy as np

from .._checks import StateError, as_dtype

# A module keeps the caches of at most this many forwards that await their backward.
# Beyond that the oldest is dropped (bounded memory for forward-only loops); use
# ``no_grad()`` to keep none at all.
MAX_PENDING_FORWARDS = 8

_GRAD_ENABLED = [True]

# What ``load_state_dict`` returns, as torch's ``_IncompatibleKeys``.
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictError(RuntimeError, ValueError):
    """``load_state_dict`` refused a state dict (torch raises RuntimeError)."""


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block forwards keep no cache, like ``torch.no_grad()``."""
    old = _GRAD_ENABLED[0]
    _GRAD_ENABLED[0] = False
    try:
        yield
    finally:
        _GRAD_ENABLED[0] = old


def grad_enabled() -> bool:
    return _GRAD_ENABLED[0]


class Module:
    """Stateful layer with explicit ``forward`` and ``backward``."""

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_grads", {})
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_caches", [])
        object.__setattr__(self, "_tied", {})
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------------- registration
    def register_parameter(self, name: str, value: np.ndarray | None) -> None:
        """Add a learnable array (``None`` registers an absent one, like ``bias=False``)."""
        self._parameters[name] = value
        self._grads[name] = None

    def tie_parameter(self, name: str, owner: "Module", owner_name: str) -> None:
        """Make parameter ``name`` the very array ``owner.<owner_name>`` (torch's weight
        tying, ``fc2.weight = fc1.weight``): its gradients are added into the owner's, and
        ``named_parameters``/``named_grads`` list it once, under the owner's name."""
        self._parameters[name] = owner._parameters[owner_name]
        self._grads[name] = None
        self._tied[name] = (owner, owner_name)

    def register_buffer(self, name: str, value: np.ndarray | None, persistent: bool = True) -> None:
        self._buffers[name] = value
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: "Module | None") -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {name!r} is not a Module")
        self._modules[name] = module

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Module):
            self._modules[name] = value
        elif name in self._parameters:
            self._parameters[name] = value
        elif name in self._buffers:
            self._buffers[name] = value
        elif name in self._modules:
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails.
        for store in ("_parameters", "_buffers", "_modules"):
            d = self.__dict__.get(store)
            if d is not None and name in d:
                return d[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ----------------------------------------------------------------- forward/backward
    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap each subclass's ``backward`` so that a rejected gradient (ValueError or
        TypeError, e.g. a wrong shape) leaves the forward's cache in place for a retry."""
        super().__init_subclass__(**kwargs)
        bw = cls.__dict__.get("backward")
        if bw is None or getattr(bw, "_restores_cache", False):
            return

        @functools.wraps(bw)
        def backward(self: "Module", *args: Any, **kw: Any) -> Any:
            depth = len(self._caches)
            top = self._caches[-1] if depth else None
            try:
                return bw(self, *args, **kw)
            except (ValueError, TypeError):
                if depth and len(self._caches) == depth - 1:
                    self._caches.append(top)
                raise

        backward._restores_cache = True  # type: ignore[attr-defined]
        cls.backward = backward  # type: ignore[method-assign]

    def backward(self, grad_output: np.ndarray | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.forward(*inputs, **kwargs)

    def _push_cache(self, cache: Any) -> None:
        """Keep what backward needs (nothing inside ``no_grad()``)."""
        if not _GRAD_ENABLED[0]:
            return
        self._caches.append(cache)
        if len(self._caches) > MAX_PENDING_FORWARDS:
            del self._caches[0]

    def _pop_cache(self) -> Any:
        if not self._caches:
            raise StateError(
                f"{type(self).__name__}.backward: no forward to go back through; call forward "
                f"first (each forward allows one backward, and no_grad() keeps none)"
            )
        return self._caches.pop()

    def _accumulate(self, name: str, grad: np.ndarray | None) -> None:
        """Add ``grad`` into the gradient of parameter ``name`` (torch's ``.grad +=``)."""
        if grad is None or self._parameters.get(name) is None:
            return
        tied = self.__dict__.get("_tied")
        if tied and name in tied:
            owner, owner_name = tied[name]
            owner._accumulate(owner_name, grad)
            return
        old = self._grads.get(name)
        self._grads[name] = grad.copy() if old is None else old + grad

    # ----------------------------------------------------------------- traversal
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator["Module"]:
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, np.ndarray]]:
        """Yield ``(name, array)`` with torch's names (``weight``, ``0.bias`` ...)."""
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        seen: set[int] = set()
        for mprefix, m in mods:
            for name, p in m._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mprefix}.{name}" if mprefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[np.ndarray]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_grads(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, np.ndarray | None]]:
        """Yield ``(name, grad)`` in ``named_parameters`` order; ``None`` before any backward."""
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            tied = m.__dict__.get("_tied") or {}
            for name, p in m._parameters.items():
                if p is None or name in tied:
                    continue
                yield (f"{mprefix}.{name}" if mprefix else name), m._grads.get(name)

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, np.ndarray]]:
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mprefix, m in mods:
            for name, b in m._buffers.items():
                if b is not None:
                    yield (f"{mprefix}.{name}" if mprefix else name), b

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ----------------------------------------------------------------- state
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Copies of parameters and persistent buffers, keyed as torch keys them."""
        out: OrderedDict[str, np.ndarray] = OrderedDict()
        for mprefix, m in self.named_modules():
            pre = f"{mprefix}." if mprefix else ""
            for name, p in m._parameters.items():
                if p is not None:
                    out[pre + name] = p.copy()
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    out[pre + name] = b.copy()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> IncompatibleKeys:
        """Copy arrays (or anything ``np.asarray`` takes, e.g. CPU tensors) into place.

        Values are cast to the dtype of the array they replace; shapes must match. With
        ``strict`` every key must be known and every key present. Returns torch's
        ``(missing_keys, unexpected_keys)``; a refusal raises ``StateDictError`` (a
        RuntimeError, as torch's, and a ValueError) before anything is copied.
        """
        targets: dict[str, tuple[Module, str, str]] = {}
        for mprefix, m in self.named_modules():
            pre = f"{mprefix}." if mprefix else ""
            for name, p in m._parameters.items():
                if p is not None:
                    targets[pre + name] = (m, "_parameters", name)
            for name, b in m._buffers.items():
                if b is not None and name not in m._non_persistent:
                    targets[pre + name] = (m, "_buffers", name)
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        if strict and (missing or unexpected):
            raise StateDictError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        new = {}
        for key, (m, store, name) in targets.items():
            if key not in state_dict:
                continue
            old, new[key] = getattr(m, store)[name], np.asarray(state_dict[key])
            if new[key].shape != old.shape:
                raise StateDictError(
                    f"{type(self).__name__}.load_state_dict: {key} has shape {old.shape} "
                    f"in this module, got {new[key].shape}"
                )
        for key, value in new.items():
            m, store, name = targets[key]
            getattr(m, store)[name] = np.array(value, dtype=getattr(m, store)[name].dtype, copy=True)
        return IncompatibleKeys(missing, unexpected)

    # ----------------------------------------------------------------- mode and grads
    def train(self, mode: bool = True) -> "Module":
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset parameter gradients: to ``None`` (torch's default) or to zeros."""
        for m in self.modules():
            for name, p in m._parameters.items():
                if p is None:
                    continue
                m._grads[name] = None if set_to_none else np.zeros_like(p)

    # ----------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            sub = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"


__all__ = ["Module", "no_grad", "grad_enabled", "as_dtype", "MAX_PENDING_FORWARDS",
           "IncompatibleKeys", "StateDictError"]
