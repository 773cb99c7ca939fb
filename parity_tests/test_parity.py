"""The parity matrix: one pytest id per (layer, case, dtype, mode) of every spec."""
from __future__ import annotations

import pytest

from parity_tests.harness.registry import all_specs
from parity_tests.harness.runner import run_case

RUNS = [
    pytest.param(spec, case, dtype, mode, id=f"{spec.name}-{case.id}-{dtype}-{mode}")
    for spec in all_specs() for case, dtype, mode in spec.runs()
]


@pytest.mark.parametrize("spec,case,dtype,mode", RUNS)
def test_parity(spec, case, dtype, mode):
    result = run_case(spec, case, dtype, mode)
    assert result.rows or result.error, "the case compared nothing"
    assert result.passed, "\n" + result.failure_report()
