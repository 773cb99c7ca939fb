"""Cases for a torch module without a parity spec, drawn by hypothesis.

The matrix comes from the torch constructor's signature: every argument with a bool, int
or float default that the user's class also takes is drawn (bools both ways, numbers
around the default, shrinking towards it), the others keep their default or the value
given in ``kwargs``; each input dimension is drawn in 1..the given size. A configuration
that torch itself rejects (constructor, forward or backward raises) is not valid and is
never run. The given configuration always runs first. A failure is shrunk by hypothesis
to the smallest configuration and shape that still fails, then reported with hints and a
reproduction.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Sequence

import numpy as np

from .check_adapter import constructor_kwargs
from .check_result import CheckResult
from .harness.spec import Case, ParitySpec, case_id

MODES = ("train", "eval")
DTYPES = ("float32", "float64")


def _takes(cls: Callable) -> tuple[set[str], bool]:
    try:
        ps = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return set(), True
    return {p.name for p in ps}, any(p.kind == p.VAR_KEYWORD for p in ps)


def param_strategies(ref: type, user: Callable, fixed: dict[str, Any]) -> dict[str, Any]:
    """name -> hypothesis strategy for the torch constructor arguments worth varying."""
    from hypothesis import strategies as st
    names, var_kw = _takes(user)
    out: dict[str, Any] = {}
    for p in inspect.signature(ref).parameters.values():
        d = p.default
        if p.name in fixed or p.name in ("device", "dtype") or d is p.empty or d is None:
            continue
        if p.name not in names and not var_kw:
            continue
        if isinstance(d, bool):
            out[p.name] = st.sampled_from([d, not d])
        elif isinstance(d, int):
            out[p.name] = st.one_of(st.just(d), st.integers(0, max(2 * d, 3)))
        elif isinstance(d, float):
            span = 4 * abs(d) + 1
            out[p.name] = st.one_of(st.just(d), st.floats(-span, span, allow_nan=False,
                                                          allow_infinity=False, width=32))
    return out


def valid(ref: type, case: Case, torch_forward: Callable) -> bool:
    """Whether torch accepts the configuration (build, forward, backward in float64)."""
    import torch
    try:
        with torch.random.fork_rng():
            m = ref(**case.params).double()
            x = torch.randn(case.input_shapes[0], dtype=torch.float64, requires_grad=True)
            y = torch_forward(m, [x], 0)
            y = y[0] if isinstance(y, (tuple, list)) else y
            if y.requires_grad:
                y.sum().backward()
        return True
    except Exception:  # noqa: BLE001 - torch rejecting it is the answer
        return False


def _case(params: dict[str, Any], shape: tuple[int, ...]) -> Case:
    parts = {k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in params.items()}
    return Case(case_id(**parts, x=shape), dict(params), (tuple(shape),))


def explore(cls: Callable, ref: type, *, label: str, ref_label: str, kwargs: dict[str, Any],
            input_shape: tuple[int, ...], examples: int, dtypes: Sequence[str] | None,
            modes: Sequence[str] | None, param_map: dict[str, str] | None, seed: int,
            layer_ref: Any = None) -> CheckResult:
    """Run the given configuration, then ``examples`` drawn ones; shrink the first failure."""
    from hypothesis import HealthCheck, Phase, given, reject, settings
    from hypothesis import strategies as st

    from parity_tests.specs._activation_common import _torch_forward

    from .check import check_spec, reproduction

    spec = ParitySpec(name=ref.__name__, torch_module=lambda c: ref(**c.params),
                      numpy_module=lambda c, dt: None, cases=[], train_eval_differ=True,
                      torch_forward=_torch_forward)

    def make_user(case: Case, dtype: np.dtype) -> Any:
        return cls(**constructor_kwargs(cls, case.params, dtype, ref(**case.params), label))

    runs = [(d, m) for d in (dtypes or DTYPES) for m in (modes or MODES)]

    def run(case: Case, hints: bool = False) -> CheckResult:
        return check_spec(spec, make_user, param_map=param_map, seed=seed, label=label,
                          reference=ref_label, hints=hints,
                          runs=[(case, d, m) for d, m in runs])

    base = _case(dict(kwargs), input_shape)
    if not valid(ref, base, _torch_forward):
        raise ValueError(f"check: torch rejects {ref_label}(**{kwargs}) on input "
                         f"{input_shape}; fix --kwargs / --input-shape")
    result = run(base, hints=True)              # mapping errors are raised here
    result.source = "the given configuration"
    seen = {base.id}
    failing: list[Case] = [base] if not result.passed else []
    if examples > 0 and result.passed:
        result.source += f" + up to {examples} drawn by hypothesis"
        strategies = param_strategies(ref, cls, kwargs)
        config = st.tuples(st.fixed_dictionaries(strategies),
                           st.tuples(*(st.integers(1, max(int(n), 1)) for n in input_shape)))

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink],
                  report_multiple_bugs=False, print_blob=False)
        @given(config)
        def probe(cfg: tuple[dict[str, Any], tuple[int, ...]]) -> None:
            case = _case({**kwargs, **cfg[0]}, cfg[1])
            if not valid(ref, case, _torch_forward):
                reject()
            res = run(case)
            if res.passed:
                if case.id not in seen:
                    seen.add(case.id)
                    result.results.extend(res.results)
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
        final = run(small, hints=True) if small is not base else None
        if final is not None:
            result.results.extend(final.results)
            result.hints = final.hints
        first = result.first_failure
        result.reproduction = reproduction(layer_ref if layer_ref is not None else cls,
                                           ref_label, param_map, kwargs=small.params,
                                           input_shape=small.input_shapes[0],
                                           dtype=first.dtype, mode=first.mode)
    return result
