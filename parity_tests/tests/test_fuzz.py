"""The fuzzer: its regression cases pass, its strategies draw only what torch accepts."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from parity_tests import fuzz
from parity_tests.harness.spec import Case
from parity_tests.specs import get_spec
from parity_tests.specs._fuzz import windows_touch_input

REGRESSIONS = fuzz.regressions()
TARGETS = sorted(fuzz.targets())


@pytest.mark.parametrize("name,case,dtype,mode", REGRESSIONS,
                         ids=[f"{r[0]}-{r[1].id}-{r[2]}" for r in REGRESSIONS])
def test_regression_case_passes(name, case, dtype, mode):
    fuzz.check(name, case, dtype, mode)


@pytest.mark.parametrize("name,case,dtype,mode", REGRESSIONS,
                         ids=[f"{r[0]}-{r[1].id}-{r[2]}" for r in REGRESSIONS])
def test_regression_runs_in_a_dtype_and_mode_of_its_spec(name, case, dtype, mode):
    spec = get_spec(name)
    assert isinstance(case, Case) and dtype in spec.dtypes and mode in spec.modes


@pytest.mark.parametrize("name", TARGETS)
def test_short_fuzz_run_is_clean(name):
    """A few derandomized examples per target (``make fuzz`` runs for minutes)."""
    fuzz.fuzz_target(name, max_examples=8, derandomize=True)


def test_a_spec_without_a_strategy_is_no_target():
    assert "ReLU" not in TARGETS
    with pytest.raises(ValueError, match="ReLU spec has no fuzz strategy"):
        fuzz.fuzz_target("ReLU", max_examples=1)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 9), k=st.integers(1, 4), s=st.integers(1, 4), d=st.integers(1, 3),
       data=st.data())
def test_windows_touch_input_agrees_with_torch_output(n, k, s, d, data):
    """Where our predicate says every window touches the input, torch's max pool of a
    finite input is finite; where it says some window is all padding, torch gives -inf."""
    p = data.draw(st.integers(0, k // 2))
    ceil = data.draw(st.booleans())
    if n + 2 * p < d * (k - 1) + 1:
        return
    y = torch.nn.functional.max_pool1d(torch.zeros(1, 1, n), k, s, p, d, ceil_mode=ceil)
    assert windows_touch_input(n, k, s, p, d, ceil) == bool(torch.isfinite(y).all())


def test_failure_is_reported_with_a_reproduction(monkeypatch):
    """The printed line, pasted into the spec's ``regressions``, is the failing run."""
    spec = get_spec("Conv2d")
    case = spec.regressions[0][0]
    monkeypatch.setattr(spec, "numpy_module", lambda c, dt: _scaled_conv(c, dt))
    with pytest.raises(AssertionError, match=r"regressions of the Conv2d spec:\n    \(Case\(") as info:
        fuzz.check("Conv2d", case, "float64", "train")
    line = str(info.value).rsplit("\n", 1)[-1].strip()
    assert eval(line, {"Case": Case}) == ((case, "float64", "train"),)


def _scaled_conv(case, dtype):
    import numpy_layers as nl
    m = nl.Conv2d(**case.params, dtype=dtype)
    fwd = m.forward
    m.forward = lambda x: fwd(x) * 1.01        # a 1% error the harness must report
    return m
