"""Make a user's NumPy layer look like a numpy_layers Module to the harness runner.

Discovery rule (documented in the README):

- A numpy_layers ``Module`` (anything with ``state_dict`` and ``named_grads``): its
  parameters and buffers are its ``state_dict`` entries, its gradients ``named_grads()``.
- Any other object: every public attribute holding a NumPy array right after construction
  is a candidate parameter or buffer, except gradients. The gradient of attribute ``P`` is
  the first array found among ``dP``, ``grad_P``, ``P_grad``, ``d_P``, ``dL_dP``, or
  ``grads[P]`` / ``gradients[P]`` (a dict attribute), read after ``backward``.
- torch names map to user attributes: an explicit ``param_map`` first
  (``{"weight": "W"}``), then the same name, then the only remaining candidate of the same
  shape. Ambiguous or missing entries raise ``MappingError`` listing the candidates.
  A missing ``num_batches_tracked`` is allowed: that buffer is then left out.

The adapter zeroes the user's gradient arrays before each backward and sums them itself,
so layers that overwrite (``self.dW = ...``) and layers that accumulate both behave like
torch's ``.grad``. It also records a trace of every step for the failure hints.
"""
from __future__ import annotations

import inspect
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

GRAD_PATTERNS = ("d{}", "grad_{}", "{}_grad", "d_{}", "dL_d{}")
GRAD_DICTS = ("grads", "gradients")
OPTIONAL_BUFFERS = ("num_batches_tracked",)


class MappingError(ValueError):
    """torch's parameters or buffers could not be matched with the user layer's arrays."""


def is_module(obj: Any) -> bool:
    return callable(getattr(obj, "state_dict", None)) and callable(getattr(obj, "named_grads", None))


class _ModuleAccess:
    """Arrays of a numpy_layers Module, by state_dict name."""

    def __init__(self, m: Any) -> None:
        self.m = m

    def arrays(self) -> dict[str, np.ndarray]:
        return dict(self.m.state_dict())

    def set(self, name: str, value: np.ndarray) -> None:
        self.m.load_state_dict({name: value}, strict=False)

    def grad(self, name: str) -> np.ndarray | None:
        return dict(self.m.named_grads()).get(name)

    def reset_grads(self) -> None:
        self.m.zero_grad()


class _PlainAccess:
    """Arrays held as plain attributes (see the module docstring for the rule)."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj
        arrays = {k: v for k, v in vars(obj).items()
                  if isinstance(v, np.ndarray) and not k.startswith("_")}
        grads = {g for k in arrays for g in (p.format(k) for p in GRAD_PATTERNS) if g in arrays}
        self.names = [k for k in arrays if k not in grads]

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: getattr(self.obj, k) for k in self.names}

    def set(self, name: str, value: np.ndarray) -> None:
        setattr(self.obj, name, np.array(value, copy=True))

    def grad(self, name: str) -> np.ndarray | None:
        for p in GRAD_PATTERNS:
            g = getattr(self.obj, p.format(name), None)
            if isinstance(g, np.ndarray):
                return g
        for d in GRAD_DICTS:
            g = (getattr(self.obj, d, None) or {}).get(name) if isinstance(
                getattr(self.obj, d, None), dict) else None
            if isinstance(g, np.ndarray):
                return g
        return None

    def reset_grads(self) -> None:
        for name in self.names:
            g = self.grad(name)
            if g is not None and g.flags.writeable:
                g[...] = 0


def access(obj: Any) -> _ModuleAccess | _PlainAccess:
    return _ModuleAccess(obj) if is_module(obj) else _PlainAccess(obj)


def _candidates(arrays: dict[str, np.ndarray], names) -> str:
    return ", ".join(f"{k} {tuple(arrays[k].shape)}" for k in names) or "none"


def map_names(torch_shapes: "OrderedDict[str, tuple]", arrays: dict[str, np.ndarray],
              param_map: dict[str, str] | None = None, layer: str = "layer",
              absent: set[str] = frozenset()) -> dict[str, str]:
    """torch name -> user attribute, in torch's state_dict order (see the module docstring).
    ``absent``: names the torch module holds as None in this case (``bias=False``)."""
    param_map = {t: u for t, u in (param_map or {}).items() if t not in absent}
    unknown = [t for t in param_map if t not in torch_shapes]
    if unknown:
        raise MappingError(f"{layer}: param-map names {unknown} are not parameters or buffers "
                           f"of the torch module (it has {list(torch_shapes)})")
    out: dict[str, str] = {}
    for t, u in param_map.items():
        if u not in arrays:
            raise MappingError(f"{layer}: param-map {t}={u}: the layer has no array attribute "
                               f"{u!r}; candidates: {_candidates(arrays, arrays)}")
    for t, shape in torch_shapes.items():
        if t in param_map:
            out[t] = param_map[t]
        elif t in arrays and t not in param_map.values():
            out[t] = t
    for t, u in out.items():
        got, want = tuple(arrays[u].shape), tuple(torch_shapes[t])
        if got != want:
            extra = (" (the transpose: torch keeps this as (out, in))"
                     if got == want[::-1] and len(want) == 2 else "")
            raise MappingError(f"{layer}: {u!r} has shape {got} but torch's {t} has shape "
                               f"{want}{extra}")
    for t, shape in torch_shapes.items():
        if t in out:
            continue
        free = [k for k in arrays if k not in out.values()]
        same = [k for k in free if tuple(arrays[k].shape) == tuple(shape)]
        if len(same) == 1:
            out[t] = same[0]
        elif t in OPTIONAL_BUFFERS:
            continue
        elif same:
            raise MappingError(
                f"{layer}: torch's {t} {tuple(shape)} is ambiguous: several arrays have that "
                f"shape ({', '.join(same)}); name it with param_map / --param-map "
                f"{t}=<attribute>")
        else:
            raise MappingError(
                f"{layer}: no array for torch's {t} {tuple(shape)}; candidates: "
                f"{_candidates(arrays, free)}; name it with param_map / --param-map "
                f"{t}=<attribute>")
    return OrderedDict((t, out[t]) for t in torch_shapes if t in out)


@dataclass
class Step:
    """What the user layer saw and returned in one forward/backward."""
    inputs: list
    kwargs: dict
    output: Any = None
    dy: np.ndarray | None = None
    dx: Any = None
    grads: dict = field(default_factory=dict)
    buffers: dict = field(default_factory=dict)


@dataclass
class Trace:
    initial: dict = field(default_factory=dict)     # torch name -> array loaded before step 1
    steps: list = field(default_factory=list)


def _copy(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, (tuple, list)):
        return type(v)(_copy(i) for i in v)
    return v


class Adapter:
    """The runner's view of a user layer: state_dict, load_state_dict, train, call,
    backward and named_grads keyed by torch's names."""

    def __init__(self, user: Any, mapping: dict[str, str], params: set[str]) -> None:
        self.user, self.mapping, self.params = user, mapping, params
        self.acc = access(user)
        self.grads: dict[str, np.ndarray | None] = {t: None for t in mapping if t in params}
        self.trace = Trace()

    @property
    def training(self) -> bool:
        return bool(getattr(self.user, "training", True))

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        arrays = self.acc.arrays()
        return OrderedDict((t, np.array(arrays[u], copy=True)) for t, u in self.mapping.items())

    def load_state_dict(self, state: dict[str, Any]) -> "Adapter":
        for t, u in self.mapping.items():
            self.acc.set(u, np.asarray(state[t]))
        self.trace.initial = {t: np.array(state[t], copy=True) for t in self.mapping}
        return self

    def train(self, mode: bool = True) -> "Adapter":
        fn = getattr(self.user, "train", None)
        if callable(fn):
            fn(mode)
        if not is_module(self.user):
            self.user.training = bool(mode)
        return self

    def __call__(self, *xs: Any, **kwargs: Any) -> Any:
        step = Step([_copy(x) for x in xs], _copy(kwargs))
        self.trace.steps.append(step)
        fwd = getattr(self.user, "forward", None) or self.user
        y = fwd(*xs, **kwargs)
        step.output = _copy(y)
        arrays = self.acc.arrays()
        step.buffers = {t: np.array(arrays[u], copy=True) for t, u in self.mapping.items()
                        if t not in self.params}
        return y

    def backward(self, dy: np.ndarray) -> Any:
        step = self.trace.steps[-1]
        step.dy = dy.copy()
        self.acc.reset_grads()
        dx = self.user.backward(dy)
        for t in self.grads:
            g = self.acc.grad(self.mapping[t])
            if g is not None:
                self.grads[t] = np.array(g, copy=True) if self.grads[t] is None \
                    else self.grads[t] + g
        step.dx = _copy(dx)
        step.grads = {t: _copy(g) for t, g in self.grads.items()}
        return dx

    def named_grads(self):
        return iter(self.grads.items())


def constructor_kwargs(cls: Callable, params: dict[str, Any], dtype: np.dtype,
                       torch_module: Any, layer: str) -> dict[str, Any]:
    """Arguments for the user's constructor: names from ``params`` (the torch constructor
    arguments of the case), else the torch attribute of that name; ``dtype`` when taken."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return {}
    out: dict[str, Any] = {}
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in ("self", "device", "rng"):
            continue
        if p.name == "dtype":
            out["dtype"] = dtype
        elif p.name in params:
            out[p.name] = params[p.name]
        elif p.default is p.empty:
            if not hasattr(torch_module, p.name):
                raise MappingError(f"{layer}: cannot fill the constructor argument "
                                   f"{p.name!r}: it is neither a {type(torch_module).__name__} "
                                   f"argument nor attribute; give it in kwargs / --kwargs")
            out[p.name] = getattr(torch_module, p.name)
    if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        out.update({k: v for k, v in params.items() if k not in out and k != "device"})
    return out
