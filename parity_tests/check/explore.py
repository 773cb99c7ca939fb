"""Cases for a torch module without a parity spec (or with ``--kwargs``/``--input-shape``),
drawn by hypothesis.

The matrix comes from the torch constructor's signature: every argument with a bool, int or
float default that the user's layer can take is drawn (bools both ways, numbers around the
default, shrinking towards it); the arguments given in ``kwargs`` start from the given value
and vary around it too, except those tied to the input shape (``in_channels`` equal to the
channel count), which follow the drawn shape. Each input dimension is drawn in 1..the given
size. A configuration torch itself rejects (constructor, forward or backward raises) is not
valid and never runs. The given configuration always runs first; a failure is shrunk by
hypothesis to the smallest configuration and shape that still fails, then reported with
hints and a reproduction.
"""
from __future__ import annotations

import re

import inspect
from typing import Any, Sequence

import numpy as np

from .context import Prefs
from .core import Session, run_check
from .reference import Reference
from .repro import reproduction
from .result import CheckResult
from .targets import Target
from ..harness.runner import default_torch_forward
from ..harness.spec import Case, ParitySpec, case_id

MODES = ("train", "eval")
DTYPES = ("float32", "float64")
# Constructor arguments that must equal an input dimension (dim 1 unless said otherwise).
TIED = {"in_channels": 1, "in_features": -1, "num_features": 1, "num_channels": 1,
        "num_parameters": 1}


def _f32(v: float) -> float:
    """The nearest float32 (hypothesis's width=32 floats need representable bounds)."""
    return float(np.float32(v))


def param_strategies(ref: type, fixed: dict[str, Any]) -> dict[str, Any]:
    """name -> hypothesis strategy for the torch constructor arguments worth varying."""
    from hypothesis import strategies as st
    out: dict[str, Any] = {}
    for p in inspect.signature(ref).parameters.values():
        d = fixed.get(p.name, p.default)
        if p.name in ("device", "dtype", "inplace") or p.name in TIED or d is p.empty or d is None:
            continue
        if isinstance(d, bool):
            out[p.name] = st.sampled_from([d, not d])
        elif isinstance(d, int):
            out[p.name] = st.one_of(st.just(d), st.integers(0, max(2 * d, 3)))
        elif isinstance(d, float):
            span = _f32(4 * abs(d) + 1)
            out[p.name] = st.one_of(st.just(d), st.floats(-span, span, allow_nan=False,
                                                          allow_infinity=False, width=32))
    return out


def valid(ref: type, case: Case, torch_forward: Any) -> bool:
    """Whether torch accepts the configuration (build, forward, backward in float64)."""
    return not rejection(ref, case, torch_forward)


def rejection(ref: type, case: Case, torch_forward: Any) -> str:
    """Why torch rejects the configuration ('' when it accepts it)."""
    import torch
    try:
        with torch.random.fork_rng():
            m = ref(**case.params).double()
            x = torch.randn(case.input_shapes[0], dtype=torch.float64, requires_grad=True)
            y = torch_forward(m, [x], 0)
            y = y[0] if isinstance(y, (tuple, list)) else y
            if y.requires_grad:
                y.sum().backward()
        return ""
    except Exception as e:  # noqa: BLE001 - torch rejecting it is the answer
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def _case(params: dict[str, Any], shape: tuple[int, ...]) -> Case:
    parts = {k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in params.items()}
    return Case(case_id(**parts, x=shape), dict(params), (tuple(shape),))


def _tie(params: dict[str, Any], shape: tuple[int, ...], given: tuple[int, ...]) -> dict:
    """Arguments equal to an input dimension follow the drawn dimension."""
    out = dict(params)
    for k, axis in TIED.items():
        if k in out and len(given) > abs(axis) - (axis < 0) and out[k] == given[axis]:
            out[k] = shape[axis]
    return out


def _spec(ref: Reference, base: Case) -> ParitySpec:
    return ParitySpec(name=ref.module.__name__, torch_module=lambda c: ref.module(**c.params),
                      numpy_module=lambda c, dt: None, cases=[],
                      train_eval_differ=_modes_differ(ref.module, base),
                      torch_forward=default_torch_forward)


def _modes_differ(module: type, case: Case) -> bool:
    """Whether torch's module computes anything else in eval mode (on the given case)."""
    import torch
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            m = module(**case.params).double()
            x = torch.randn(case.input_shapes[0], dtype=torch.float64)
            outs = []
            for mode in (True, False):
                torch.manual_seed(1)
                y = default_torch_forward(m.train(mode), [x.clone()])
                outs.append((y[0] if isinstance(y, (tuple, list)) else y).detach())
        return not torch.equal(outs[0], outs[1]) or any(True for _ in m.buffers())
    except Exception:  # noqa: BLE001 - when unsure, run both modes
        return True


def explore(target: Target, ref: Reference, prefs: Prefs, *, kwargs: dict[str, Any],
            input_shape: tuple[int, ...], examples: int, dtypes: Sequence[str] | None,
            modes: Sequence[str] | None, seed: int, layer_ref: Any = None) -> CheckResult:
    """Run the given configuration, then ``examples`` drawn ones; shrink the first failure."""
    from hypothesis import HealthCheck, Phase, given, reject, settings
    from hypothesis import strategies as st

    if ref.module is None:
        raise ValueError(f"check: {ref.label} has no torch.nn module twin to draw cases for")
    base = _case(dict(kwargs), input_shape)
    ref.spec = _spec(ref, base)
    runs = [(d, m) for d in (dtypes or DTYPES)
            for m in (modes or (MODES if ref.spec.train_eval_differ else MODES[:1]))]

    def run(case: Case, hints: bool = False) -> CheckResult:
        session = Session(ref, target, prefs, seed)
        return run_check(session, [(case, d, m) for d, m in runs], target.label,
                         source="generated", hints=hints)

    why = rejection(ref.module, base, ref.spec.torch_forward)
    if why:
        fix = ("generated cases give one float input, so a module that takes integer indices "
               "or a target as well cannot be checked this way"
               if re.search(r"Long|Int|missing .*argument|target", why) else
               "fix --kwargs / --input-shape")
        raise ValueError(f"check: torch rejects {ref.label}(**{kwargs}) on a float input "
                         f"{input_shape} ({why[:120]}); {fix}")
    result = run(base, hints=True)              # binding errors are raised here
    result.source = "the given configuration"
    seen = {base.id}
    failing: list[Case] = [base] if not result.passed and result.results else []
    if examples > 0 and not failing:
        result.source += f" + up to {examples} drawn by hypothesis"
        strategies = param_strategies(ref.module, kwargs)
        config = st.tuples(st.fixed_dictionaries(strategies),
                           st.tuples(*(st.integers(1, max(int(n), 1)) for n in input_shape)))

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink],
                  report_multiple_bugs=False, print_blob=False)
        @given(config)
        def probe(cfg: tuple[dict[str, Any], tuple[int, ...]]) -> None:
            params = _tie({**kwargs, **cfg[0]}, cfg[1], input_shape)
            case = _case(params, cfg[1])
            if not valid(ref.module, case, ref.spec.torch_forward):
                reject()
            res = run(case)
            if res.passed or not res.results:
                if case.id not in seen:
                    seen.add(case.id)
                    result.results.extend(res.results)
                    result.not_covered.extend(res.not_covered)
                return
            failing.append(case)
            raise AssertionError(case.id)

        try:
            probe()
        except AssertionError:
            pass
        except Exception as e:  # noqa: BLE001 - e.g. hypothesis could not find valid cases
            result.notes.append(f"generation stopped: {type(e).__name__}: {e}")
        if failing:
            result.notes.append(f"{len(failing)} failing configurations; shrunk to "
                                f"{failing[-1].id}")
    if failing:
        small = failing[-1]                   # hypothesis replays the shrunk one last
        if small is not base:
            final = run(small, hints=True)
            result.results.extend(final.results)
            result.hints = final.hints
        first = result.first_failure
        result.reproduction = reproduction(target.where, ref.label, None,
                                           kwargs=small.params, input_shape=small.input_shapes[0],
                                           dtype=first.dtype, mode=first.mode,
                                           args=prefs.args, init=prefs.init,
                                           layout=prefs.input_layout)
    return result
