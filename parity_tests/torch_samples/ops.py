"""OpInfo samples (``op_db``: sample and reference inputs) for every functional op that
``numpy_layers.functional`` exports: forward always; backward where the op has a
``*_forward``/``*_backward`` pair taking the sample's arguments and only one tensor (ops
with weights get their gradients checked through the ModuleInfo samples of their module)."""
from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any

import numpy as np

import numpy_layers.functional as F
from numpy_layers.modules.module import Module

from ..harness.spec import Case
from . import common
from .unsupported import unsupported

PREFIX = "nn.functional."


def _name(op: Any) -> str | None:
    """numpy_layers.functional's name for an OpInfo, or None when it has no such function."""
    name = op.name[len(PREFIX):] if op.name.startswith(PREFIX) else op.name
    ok = name in F.__all__ and not name.endswith(("_forward", "_backward"))
    return name if ok else None


def _pair(name: str, call: common.Call) -> dict | None:
    """Keyword arguments for ``<name>_forward`` when the op has a pair that takes this call
    (one tensor, every other argument by a name the forward knows), else None."""
    fwd, bwd = getattr(F, f"{name}_forward", None), getattr(F, f"{name}_backward", None)
    if fwd is None or bwd is None or len(call.arrays) != 1 or not getattr(F, name).__module__ \
            .endswith((".activation", ".softmax")):  # other pairs take normalised arguments
        return None
    try:
        bound = inspect.signature(getattr(F, name)).bind(*call.args, **call.kwargs)
    except TypeError:
        return None
    first = next(iter(bound.arguments))
    given = {k: v for k, v in bound.arguments.items() if k != first}
    known = list(inspect.signature(fwd).parameters)[1:]
    return given if set(given) <= set(known) else None


class NumpyOp(Module):
    """The numpy_layers function of one sample's call; backward through its pair if any."""

    def __init__(self, name: str, call: common.Call, pair: dict | None) -> None:
        super().__init__()
        self.name, self.call, self.pair = name, call, pair

    def forward(self, *xs: np.ndarray) -> Any:
        args, kwargs = self.call.bind([x.copy() for x in xs])   # running stats: as torch's
        if self.pair is None:
            return getattr(F, self.name)(*args, **kwargs)
        y, cache = getattr(F, f"{self.name}_forward")(args[0], **self.pair)
        self._push_cache(cache)
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> Any:
        g = getattr(F, f"{self.name}_backward")(grad_output, self._pop_cache())
        return g[0] if isinstance(g, tuple) else g


def _torch_op(op: Any, call: common.Call, grad: bool) -> Any:
    import torch

    class TorchOp(torch.nn.Module):
        def forward(self, *xs: Any) -> Any:
            args, kwargs = call.bind(list(xs))
            args = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
            if grad:                # running statistics are updated in a copy, not the input
                return op(*args, **kwargs)
            with torch.no_grad():
                out = op(*args, **kwargs)
            return tuple(o.detach() for o in out) if isinstance(out, tuple) else out.detach()
    m = TorchOp()
    m.single_op = True                      # no internal activations (harness/ambiguity.py)
    return m


def _describe(sample: Any, call: common.Call) -> str:
    """torch's sample name, else its shapes and non-tensor arguments."""
    if sample.name:
        return sample.name
    shapes = "_".join("x".join(map(str, a.shape)) or "scalar" for a in call.arrays)
    rest = [repr(a) for a in call.args if not isinstance(a, common.Slot)]
    rest += [f"{k}={v!r}" for k, v in call.kwargs.items() if not isinstance(v, common.Slot)]
    return "_".join([shapes] + rest)


def _samples(op: Any) -> list:
    import torch
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return list(op.reference_inputs("cpu", torch.float64, requires_grad=False))


@lru_cache(maxsize=None)
def _op(name: str, variant: str) -> Any:
    """The torch callable of an OpInfo (op_db is imported only when an op case runs)."""
    from torch.testing._internal.common_methods_invocations import op_db
    return next(o.op for o in op_db if o.name == name and o.variant_test_name == variant)


def op_samples() -> tuple[list, dict]:
    """(per op: (name, cases), per-op status) of the OpInfo source; plain data."""
    from torch.testing._internal.common_methods_invocations import op_db
    by_name: dict[str, list[Case]] = {}
    layers: dict[str, dict] = {}
    for op in op_db:
        name = _name(op)
        if name is None:
            continue
        counts = layers.setdefault(name, {"samples": 0, "unsupported": {}})
        variant = op.variant_test_name or "default"
        for i, s in enumerate(_samples(op)):
            if not hasattr(s.input, "shape"):
                why = "the input is not one tensor"
            else:
                call = common.split_call((s.input,) + tuple(s.args), dict(s.kwargs))
                why = unsupported(name, variant, None, call)
            if why:
                counts["unsupported"][why] = counts["unsupported"].get(why, 0) + 1
                continue
            counts["samples"] += 1
            sid = common.sample_id(i, f"{variant}_{_describe(s, call)}")
            by_name.setdefault(name, []).extend(
                common.cases_for(sid, call, op=(op.name, op.variant_test_name)))
    return sorted(by_name.items()), layers


def op_specs(data: list) -> list:
    """One spec ``<op>:torch`` per op of ``op_samples``, its variants in the case ids."""
    specs = []
    for name, cases in data:
        def torch_module(case: Case, name=name) -> Any:
            call = case.params["call"]
            return _torch_op(_op(*case.params["op"]), call, _pair(name, call) is not None)

        def numpy_module(case: Case, dtype: np.dtype, name=name) -> Any:
            return NumpyOp(name, case.params["call"], _pair(name, case.params["call"]))
        specs.append(common.spec(f"{name}:torch", cases, torch_module, numpy_module, False,
                                 f"torch's OpInfo samples of {name}"))
    return specs
