"""The specs themselves: what a spec's ``options`` claims (the README's layer table prints
it) is what its cases run, and case ids are unique."""
from __future__ import annotations

import ast
import inspect
from typing import Any

import numpy as np
import pytest

import numpy_layers
from parity_tests.harness.spec import Case, ParitySpec, pair, unique
from parity_tests.specs import all_specs


def _claims(text: str) -> list[Any]:
    """The literal values of an option's claim ("0, 1, (1,2), 'same', True"); words such as
    'default' or 'depthwise' and ranges are left out (they are not a value to look for)."""
    out, depth, token = [], 0, ""
    for ch in text + ",":
        if ch == "," and depth == 0:
            try:
                out.append(ast.literal_eval(token.strip()))
            except (ValueError, SyntaxError):
                pass
            token = ""
            continue
        depth += (ch in "([") - (ch in ")]")
        token += ch
    return out


def _same(claim: Any, value: Any) -> bool:
    claim, value = (tuple(v) if isinstance(v, list) else v for v in (claim, value))
    if claim == value:
        return True
    if isinstance(claim, (int, tuple)) and not isinstance(claim, bool) \
            and isinstance(value, (int, tuple)) and not isinstance(value, bool):
        return pair(claim) == pair(value)          # 2 and (2, 2) are the same option
    return False


def _default(spec: ParitySpec, option: str, case: Case) -> Any:
    """The option's default in the constructor of the class the spec builds for ``case``
    (a case that leaves the option out runs it)."""
    layer = spec.torch_module(case) if spec.numpy_module == "from_torch" \
        else spec.numpy_module(case, np.dtype(np.float64))
    p = inspect.signature(type(layer)).parameters.get(option)
    return inspect.Parameter.empty if p is None else p.default


def _unclaimed(spec: ParitySpec) -> list[str]:
    missing = []
    for option, text in spec.options.items():
        values = [c.params[option] for c in spec.cases if option in c.params]
        if not values:
            continue                  # not a constructor argument ('input', 'inputs', ...)
        left_out = [c for c in spec.cases if option not in c.params]
        if left_out:
            values.append(_default(spec, option, left_out[0]))
        for claim in _claims(text):
            if not any(_same(claim, v) for v in values):
                missing.append(f"{option}={claim!r}")
    return missing


@pytest.mark.parametrize("spec", all_specs(), ids=lambda s: s.name)
def test_options_claim_only_what_the_cases_run(spec):
    missing = _unclaimed(spec)
    assert not missing, f"{spec.name}: options claim {', '.join(missing)} but no case runs it"


def test_the_claim_check_sees_a_claim_no_case_runs():
    spec = ParitySpec("Probe", torch_module=lambda c: None, numpy_module=lambda c, d: None,
                      cases=[Case("k2_p1", dict(kernel_size=2, padding=1), ((1, 1, 4, 4),))],
                      options={"kernel_size": "2, (2,2)", "padding": "0, 1", "input": "batched"})
    assert _unclaimed(spec) == ["padding=0"]
    spec.cases = [*spec.cases, Case("k2", dict(kernel_size=2), ((1, 1, 4, 4),))]
    spec.numpy_module = lambda c, d: numpy_layers.MaxPool2d(**c.params)    # padding=0 default
    assert _unclaimed(spec) == []


def test_case_ids_are_unique_and_a_repeated_id_must_repeat_the_case():
    for spec in all_specs():
        ids = [c.id for c in spec.cases]
        assert len(ids) == len(set(ids)), spec.name
    a = Case("k3", dict(kernel_size=3), ((1, 2, 5, 5),))
    assert unique([a, a]) == [a]
    with pytest.raises(ValueError, match="k3"):
        unique([a, Case("k3", dict(kernel_size=5), ((1, 2, 5, 5),))])
    with pytest.raises(ValueError, match="k3"):
        ParitySpec("Probe", torch_module=lambda c: None, numpy_module=lambda c, d: None,
                   cases=[a, a])
