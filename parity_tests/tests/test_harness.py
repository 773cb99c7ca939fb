"""The harness itself: it must catch broken layers, name what broke, and keep going."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import numpy_layers as nl
from parity_tests.specs import all_specs
from parity_tests.harness.pages import write_report
from parity_tests.harness.report import load_report, row_dicts, run_header
from parity_tests.harness.runner import run_case
from parity_tests.harness.spec import Case, ParitySpec, case_id, grid

CASE = Case("in6_out6_x4x6", dict(in_features=6, out_features=6), ((4, 6),))


def _spec(numpy_cls) -> ParitySpec:
    return ParitySpec(name="Broken", torch_module=lambda c: torch.nn.Linear(**c.params),
                      numpy_module=lambda c, dt: numpy_cls(**c.params, dtype=dt), cases=[CASE])


class TransposedGrad(nl.Linear):
    def backward(self, grad_output=None):
        dx = super().backward(grad_output)
        self._grads["weight"] = self._grads["weight"].T.copy()
        return dx


class ModifiesInput(nl.Linear):
    def forward(self, x):
        y = super().forward(x)
        x *= 2
        return y


class RaisesInBackward(nl.Linear):
    def backward(self, grad_output=None):
        raise ValueError("boom")


class Upcasts(nl.Linear):
    def forward(self, x):
        return super().forward(x).astype(np.float64)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_correct_layer_passes(dtype):
    res = run_case(_spec(nl.Linear), CASE, dtype, "train")
    assert res.passed, res.failure_report()
    assert {"output", "grad_input", "grad_weight", "grad_bias"} <= {r.tensor for r in res.rows}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_transposed_weight_gradient_is_caught_and_named(dtype):
    res = run_case(_spec(TransposedGrad), CASE, dtype, "train")
    failed = [r.tensor for r in res.rows if not r.passed]
    assert failed == ["grad_weight"]
    assert "grad_weight:" in res.failure_report() and "worst at index" in res.failure_report()


def test_modified_input_is_caught():
    res = run_case(_spec(ModifiesInput), CASE, "float32", "train")
    failed = {r.tensor for r in res.rows if not r.passed}
    assert "input0_unchanged_by_forward" in failed


def test_exception_in_layer_becomes_the_case_error():
    res = run_case(_spec(RaisesInBackward), CASE, "float64", "train")
    assert not res.passed and "NumPy backward raised ValueError: boom" in res.error


def test_upcast_output_is_a_dtype_failure():
    res = run_case(_spec(Upcasts), CASE, "float32", "train")
    out = next(r for r in res.rows if r.tensor == "output")
    assert not out.passed and "dtype float64, expected float32" in out.message


def test_every_layer_of_the_foundation_has_a_spec():
    names = {s.name for s in all_specs()}
    assert {"Conv2d", "MaxPool2d", "AvgPool2d", "Dropout", "Linear", "BatchNorm2d", "ReLU",
            "Flatten", "Sequential"} <= names


def test_case_ids_are_unique_and_readable():
    for spec in all_specs():
        ids = [c.id for c in spec.cases]
        assert len(ids) == len(set(ids)), spec.name
        assert all(i and " " not in i for i in ids), spec.name


def test_matrix_is_large():
    assert sum(1 for s in all_specs() for _ in s.runs()) >= 300


def test_case_id_and_grid_helpers():
    assert case_id(k=3, s=2, p=1, b=4) == "k3_s2_p1_b4"
    assert case_id(k=(3, 5), bias=False, same=True) == "k3x5_same"
    assert grid(a=[1, 2], b=[3]) == [{"a": 1, "b": 3}, {"a": 2, "b": 3}]


def test_same_seed_gives_same_numbers():
    a = run_case(_spec(nl.Linear), CASE, "float32", "train", seed=3)
    b = run_case(_spec(nl.Linear), CASE, "float32", "train", seed=3)
    assert [r.max_abs_err for r in a.rows] == [r.max_abs_err for r in b.rows]


def test_report_files(tmp_path):
    results = [run_case(_spec(nl.Linear), CASE, "float32", "train"),
               run_case(_spec(TransposedGrad), CASE, "float64", "train")]
    paths = write_report(results, tmp_path, run_header(0, 1))
    data = load_report(paths["json"])
    assert data["summary"]["runs"] == 2 and data["summary"]["runs_failed"] == 1
    assert len(row_dicts(data)) == sum(len(r.rows) for r in results)
    assert {"layer", "case", "dtype", "mode", "tensor", "max_abs_err", "max_rel_err", "max_ulp",
            "tolerance", "rule", "headroom", "accuracy_ratio", "worst_index",
            "passed"} <= set(row_dicts(data)[0])
    assert list(zip(*(data["runs"][k] for k in ("layer", "dtype")))) == [
        ("Broken", "float32"), ("Broken", "float64")]
    assert all(abs(t - r.seconds) <= 1e-3 * r.seconds
               for t, r in zip(data["runs"]["seconds"], results))
    assert data["header"]["numpy"] == np.__version__ and data["header"]["complete"]
    md = paths["md"].read_text()
    assert "| Broken |" in md and "## Failures" in md and "grad_weight" in md
