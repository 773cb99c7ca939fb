"""Helpers shared by the activation specs (the leading underscore keeps the registry out).

A case's ``params`` hold the constructor keywords plus the input-generation keys in
``GEN_KEYS``, which the factories drop:

- ``scale``: normal draws times ``scale`` (large-magnitude cases: 30, 1e3, 1e4), elements
  near a kink redrawn (the spec's ``kink``), as ``ParitySpec.input_scale`` does per spec;
- ``points``: every element drawn from these exact values (kinks such as -3, 0, 3, 6, so
  torch's rule *at* the kink is tested, not avoided); with ``kind='nan'`` about 15 % NaN.

NaN cases use shapes whose size is a multiple of 32: torch runs elementwise kernels as a
SIMD loop plus a scalar loop over the last (numel mod 2*vector width) elements, and for
ReLU6, ELU, SELU and Hardswish the two disagree on the gradient at NaN. numpy_layers follows
the SIMD loop (see functional/activation.py), so NaN must not land in torch's scalar tail.
"""
from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable

import numpy as np

from parity_tests.harness import inputs as gen
from parity_tests.harness.spec import Case, ParitySpec, case_id

GEN_KEYS = ("scale", "points")
# 4-D NCHW, 2-D, 1-D, a larger NCHW, 3-D, 0-D
SHAPES = [(2, 3, 5, 5), (10, 5), (7,), (4, 16, 9, 7), (3, 4, 5), ()]
NAN_SHAPES = [(2, 4, 4, 4), (64,)]             # sizes multiple of 32 (see above)


def ctor_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in GEN_KEYS}


def act_case(shape: tuple[int, ...], tag: str = "", kind: str = "random", scale: float = 1.0,
             points: tuple[float, ...] | None = None, steps: int = 1, **ctor: Any) -> Case:
    """One case; ``tag`` names the constructor options in the id (e.g. 'slope0.2')."""
    params: dict[str, Any] = dict(ctor)
    if scale != 1.0:
        params["scale"] = scale
    if points is not None:
        params["points"] = tuple(points)
    parts = [tag, case_id(x=shape if shape else "scalar", s=f"{scale:g}" if scale != 1.0 else None,
                          pts=points is not None, steps=steps if steps > 1 else None),
             kind if kind != "random" else ""]
    return Case("_".join(p for p in parts if p), params, (tuple(shape),), kind=kind, steps=steps)


def make_inputs(kink: Callable[[np.ndarray, Case], np.ndarray] | None) -> Callable:
    def make(case: Case, rng: np.random.Generator) -> list:
        pts = case.params.get("points")
        if pts is None:
            # gen.normal returns a NumPy scalar for shape () (and cannot redraw a kink in
            # it): draw 0-D inputs as (1,) and reshape.
            shapes = case.input_shapes
            flat = dataclasses.replace(case, input_shapes=tuple(s or (1,) for s in shapes))
            xs = gen.draw(flat, rng, case.params.get("scale", 1.0), kink)
            return [np.asarray(x, np.float64).reshape(s) for x, s in zip(xs, shapes)]
        out = []
        for shape in case.input_shapes:
            x = np.asarray(rng.choice(np.asarray(pts, dtype=np.float64), size=shape), np.float64)
            if case.kind == "nan":
                x[rng.random(shape) < 0.15] = np.nan
            out.append(x)
        return out
    return make


def activation_spec(name: str, torch_cls: Any, numpy_cls: Any, cases: list[Case], *,
                    kink: Callable[[np.ndarray, Case], np.ndarray] | None = None,
                    reduction: Callable[[Case, str], int] | None = None,
                    init: Callable[[Any, np.random.Generator], None] | None = None,
                    description: str = "", options: dict[str, str] | None = None,
                    **fields: Any) -> ParitySpec:
    """A spec whose cases come from ``act_case``; ``fields``: other ParitySpec fields
    (``error_inputs`` ...)."""
    takes_dtype = "dtype" in inspect.signature(numpy_cls).parameters

    def numpy_module(case: Case, dtype: np.dtype) -> Any:
        kw = ctor_kwargs(case.params)
        return numpy_cls(**kw, dtype=dtype) if takes_dtype else numpy_cls(**kw)

    ids = [c.id for c in cases]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{name} spec: duplicate case ids {dupes}")
    return ParitySpec(
        name=name, torch_module=lambda c: torch_cls(**ctor_kwargs(c.params)),
        numpy_module=numpy_module, cases=cases, kink=kink, make_inputs=make_inputs(kink),
        reduction=reduction, init=init,
        description=description, options=options or {}, **fields)


def near(*points: float, width: float = 1e-3) -> Callable[[np.ndarray, Case], np.ndarray]:
    """kink(x, case): elements within ``width`` of any of ``points``."""
    def kink(x: np.ndarray, case: Case) -> np.ndarray:
        bad = np.zeros(x.shape, dtype=bool)
        for p in points:
            bad |= np.abs(x - p) < width
        return bad
    return kink


def standard_cases(scales: tuple[float, ...] = (), points: tuple[float, ...] | None = None,
                   inplace: bool = False, tag: str = "", transcendental: bool = False,
                   **ctor: Any) -> list[Case]:
    """Every shape in SHAPES, large-magnitude cases, ties (or exact points) and NaN, and an
    ``inplace=True`` case, for one set of constructor options.

    ``transcendental``: the 0-D case takes x = 0 instead of a random draw. For a single
    float32 element the tolerance floor is 1 ulp of that element (4x torch's error + 1 ulp),
    and NumPy's float32 exp/log1p/tanh round differently from torch's (Sleef) by 1-2 ulp on
    0.1-4 % of random inputs, so a random 0-D float32 case passes or fails by the seed's
    luck. At x = 0 both sides are bit-identical; tensors of 7+ elements stay random."""
    cases = [act_case(s, tag, **ctor) for s in SHAPES if s or not transcendental]
    if transcendental:
        cases.insert(SHAPES.index(()), act_case((), tag, points=(0.0,), **ctor))
    cases += [act_case(s, tag, scale=sc, **ctor) for sc in scales for s in ((2, 3, 5, 5), (10, 5))]
    cases.append(act_case(NAN_SHAPES[0], tag, kind="ties", points=points, **ctor))
    cases += [act_case(s, tag, kind="nan", points=points, **ctor) for s in NAN_SHAPES]
    if inplace:
        cases.append(act_case((2, 3, 5, 5), (tag + "_" if tag else "") + "inplace",
                              inplace=True, **ctor))
    return cases
