"""The parity matrix: one pytest id per (layer, case, dtype, mode) of every spec.

torch's own samples (the ``<layer>:torch`` specs of ``parity_tests.torch_samples``) are
~15,000 runs; here each such spec runs a subset: float64 on contiguous inputs, float32 on
Fortran-ordered ones, at most ``SAMPLES_PER_SPEC`` cases spread over its list (every
covered module and op still runs, both dtypes and layouts). ``make report`` runs them all.
"""
from __future__ import annotations

import pytest

from parity_tests.specs import all_specs
from parity_tests.harness.runner import run_case
from parity_tests.torch_samples import status

SAMPLES_PER_SPEC = 12


def _subset(spec):
    """Every run of a spec, or for a torch-sample spec the subset described above."""
    runs = list(spec.runs())
    if not spec.name.endswith(":torch"):
        return runs
    keep = []
    for dtype, lay in (("float64", "contig"), ("float32", "fortran")):
        mine = [r for r in runs if r[1] == dtype and r[0].params["layout"] == lay] or \
               [r for r in runs if r[1] == dtype]
        step = max(1, len(mine) // SAMPLES_PER_SPEC)
        keep += mine[::step][:SAMPLES_PER_SPEC]
    return keep


RUNS = [
    pytest.param(spec, case, dtype, mode, id=f"{spec.name}-{case.id}-{dtype}-{mode}")
    for spec in all_specs() for case, dtype, mode in _subset(spec)
]


@pytest.mark.parametrize("spec,case,dtype,mode", RUNS)
def test_parity(spec, case, dtype, mode):
    result = run_case(spec, case, dtype, mode)
    assert result.rows or result.error, "the case compared nothing"
    assert result.passed, "\n" + result.failure_report()


def test_torch_sample_source_ran():
    """torch's ModuleInfo/OpInfo samples are part of the suite, or skipped with the reason."""
    st = status()
    if st["state"] != "ran":
        pytest.skip(st["reason"])
    names = {s.name for s in all_specs()}
    for layer, counts in st["layers"].items():
        assert counts["samples"] == 0 or f"{layer}:torch" in names, layer
    assert {"Conv2d:torch", "MaxPool2d:torch", "conv2d:torch", "relu:torch"} <= names
