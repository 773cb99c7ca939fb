"""ModuleInfo samples (``module_db``) for every torch.nn module numpy_layers exports."""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

import numpy_layers as nl

from ..harness.spec import Case
from . import common
from .unsupported import unsupported


def covered(module_db: list) -> list:
    """The ModuleInfo entries whose class numpy_layers exports under the same name."""
    return [info for info in module_db
            if isinstance(getattr(nl, info.module_cls.__name__, None), type)
            and info.module_cls.__module__.startswith("torch.nn.")]


def _samples(info: Any) -> list:
    """torch's samples for ``info`` in float64 (drawn from a fixed seed: every process that
    builds them gets the same values)."""
    import torch
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return list(info.module_inputs_func(info, device="cpu", dtype=torch.float64,
                                            requires_grad=True, training=True))


def _torch_forward(module: Any, xs: list, seed: int) -> Any:
    args, kwargs = module._parity_call.bind(xs)
    return module(*args, **kwargs)


def _numpy_forward(module: Any, xs: list, torch_output: Any) -> Any:
    """The call by position: numpy_layers names forward's first argument ``x``, torch
    ``input`` (a sample may pass ``input=``)."""
    args, kwargs = module._parity_call.bind(xs)
    bound = module._parity_signature.bind(None, *args, **kwargs)
    return module(*bound.args[1:], **bound.kwargs)


def _builders(cls: type):
    import torch

    def torch_module(case: Case) -> Any:
        ctor = case.params["ctor"]
        args, kwargs = ctor.bind([torch.from_numpy(a.copy()) for a in ctor.arrays])
        m = cls(*args, **kwargs).float()
        object.__setattr__(m, "_parity_call", case.params["call"])
        return m

    def numpy_module(case: Case, dtype: np.dtype) -> Any:
        t = torch_module(case)
        n = nl.from_torch(t.double() if dtype == np.float64 else t)
        object.__setattr__(n, "_parity_call", case.params["call"])
        object.__setattr__(n, "_parity_signature", inspect.signature(type(t).forward))
        return n
    return torch_module, numpy_module


def module_samples() -> tuple[list, dict]:
    """(per module: (name, class, train_eval_differ, cases), per-layer status) of the
    ModuleInfo source; plain data, cached by ``parity_tests.torch_samples``."""
    from torch.testing._internal.common_modules import module_db
    data, layers = [], {}
    for info in covered(module_db):
        name = info.module_cls.__name__
        cases: list[Case] = []
        counts = layers.setdefault(name, {"samples": 0, "unsupported": {}})
        for i, s in enumerate(_samples(info)):
            ctor = common.split_call(s.constructor_input.args, s.constructor_input.kwargs)
            fwd = common.split_call(s.forward_input.args, s.forward_input.kwargs)
            why = unsupported(name, s.desc, ctor, fwd)
            if why:
                counts["unsupported"][why] = counts["unsupported"].get(why, 0) + 1
                continue
            counts["samples"] += 1
            cases += common.cases_for(common.sample_id(i, s.desc), fwd, ctor=ctor)
        data.append((name, info.module_cls, info.train_and_eval_differ, cases))
    return data, layers


def module_specs(data: list) -> list:
    """One spec ``<Module>:torch`` per module of ``module_samples``."""
    specs = []
    for name, cls, differ, cases in data:
        tm, nm = _builders(cls)
        specs.append(common.spec(
            f"{name}:torch", cases, tm, nm, differ, f"torch's ModuleInfo samples of nn.{name}",
            torch_forward=_torch_forward, numpy_forward=_numpy_forward))
    return specs
