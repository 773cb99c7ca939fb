"""Helpers shared by the loss specs (the leading underscore keeps the registry out).

A loss case's ``params`` hold the constructor keywords (``weight``/``pos_weight`` as nested
lists, turned into float32 tensors / arrays inside the factories) plus input-generation keys
listed in ``GEN_KEYS``, which the factories drop.
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable

import numpy as np
import torch

from parity_tests.harness.spec import Case, ParitySpec, case_id

# Keys of Case.params that steer make_inputs and never reach a constructor.
GEN_KEYS = ("scale", "target", "ignore_frac", "edges", "ties", "logp")
BUFFER_KEYS = ("weight", "pos_weight")
REDUCTIONS = ("none", "mean", "sum")


def rand_list(shape: tuple[int, ...], seed: int, lo: float = 0.25, hi: float = 2.0) -> list:
    """Deterministic positive values (3 decimals) as a nested list, for weight buffers."""
    vals = np.round(np.random.default_rng(seed).uniform(lo, hi, shape), 3)
    return vals.tolist()


def ctor_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in GEN_KEYS}


def torch_factory(cls: Callable[..., Any]) -> Callable[[Case], Any]:
    """torch twin (float32 buffers; the harness makes the float64 copy)."""
    def make(case: Case) -> Any:
        kw = ctor_kwargs(case.params)
        for k in BUFFER_KEYS:
            if kw.get(k) is not None:
                kw[k] = torch.tensor(kw[k], dtype=torch.float32)
        return cls(**kw)
    return make


def numpy_factory(cls: Callable[..., Any]) -> Callable[[Case, np.dtype], Any]:
    """NumPy twin with buffers of the case dtype (values are then loaded from torch)."""
    takes_dtype = "dtype" in inspect.signature(cls).parameters     # losses with buffers

    def make(case: Case, dtype: np.dtype) -> Any:
        kw = ctor_kwargs(case.params)
        for k in BUFFER_KEYS:
            if kw.get(k) is not None:
                kw[k] = np.asarray(kw[k], dtype=dtype)
        return cls(**kw, dtype=dtype) if takes_dtype else cls(**kw)
    return make


def numel(shape: tuple[int, ...]) -> int:
    return int(math.prod(shape))


def elementwise_reduction(case: Case, tensor: str) -> int:
    """Terms behind one element: the whole input for a reduced output, else 1."""
    if tensor == "output" and case.params.get("reduction", "mean") != "none":
        return numel(case.input_shapes[0])
    return 1


def loss_spec(name: str, torch_cls: Any, numpy_cls: Any, cases: list[Case],
              make_inputs: Callable[[Case, np.random.Generator], list],
              reduction: Callable[[Case, str], int] = elementwise_reduction,
              description: str = "", options: dict[str, str] | None = None) -> ParitySpec:
    return ParitySpec(name=name, torch_module=torch_factory(torch_cls),
                      numpy_module=numpy_factory(numpy_cls), cases=cases,
                      make_inputs=make_inputs, reduction=reduction, description=description,
                      options=options or {})


def redraw(x: np.ndarray, bad: Callable[[np.ndarray], np.ndarray], rng: np.random.Generator,
           scale: float = 1.0) -> np.ndarray:
    """Redraw elements of ``x`` flagged by ``bad`` (kinks) from a normal distribution."""
    for _ in range(50):
        m = bad(x)
        if not m.any():
            return x
        x[m] = rng.standard_normal(int(m.sum())) * scale
    raise RuntimeError("loss spec: could not redraw inputs away from the kink")


def regression_inputs(case: Case, rng: np.random.Generator, kink: float = 0.0) -> list:
    """(input, target) of one shape for mse/l1/smooth_l1.

    ``ties``: small integers, so that input == target (and |input - target| == beta) happen
    exactly and torch's rule at the kink is tested. Otherwise normal draws times ``scale``,
    with |input - target| < ``kink`` redrawn (L1's kink at 0).
    """
    shape, scale = case.input_shapes[0], case.params.get("scale", 1.0)
    if case.params.get("ties"):
        return [np.asarray(rng.integers(-2, 3, shape), dtype=np.float64),
                np.asarray(rng.integers(-2, 3, shape), dtype=np.float64)]
    x = np.asarray(rng.standard_normal(shape) * scale)
    t = np.asarray(rng.standard_normal(shape) * scale)
    if kink:
        t = redraw(t, lambda v: np.abs(x - v) < kink * scale, rng, scale)
    return [x, t]


def regression_cases(shapes: list[tuple[int, ...]], reductions: tuple[str, ...] = REDUCTIONS,
                     **extra: Any) -> list[Case]:
    """One case per (shape, reduction); ``extra`` goes into params and the id."""
    out = []
    for shape in shapes:
        for red in reductions:
            params = {"reduction": red, **extra}
            idp = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in extra.items()}
            out.append(Case(case_id(x=shape if shape else "scalar", red=red, **idp), params,
                            (shape, shape)))
    return out


def class_targets(case: Case, rng: np.random.Generator, c: int) -> np.ndarray:
    """int64 class indices of shape ``case.input_shapes[1]``: all 0 for target 'class0',
    and a fraction ``ignore_frac`` (at least one) set to ``ignore_index`` when asked."""
    p, tshape = case.params, case.input_shapes[1]
    t = np.asarray(rng.integers(0, c, tshape), dtype=np.int64)
    if p["target"] == "class0":
        t[...] = 0
    if p["ignore_frac"]:
        hit = np.asarray(rng.random(tshape) < p["ignore_frac"])
        hit.flat[0] = True                         # at least one ignored target
        t = np.where(hit, p.get("ignore_index", -100), t).astype(np.int64)
    return t
