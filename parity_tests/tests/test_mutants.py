"""The suite can fail: every deliberately wrong layer is caught by its spec's cases under the
normal tolerances, the real layer passes the catching run, and the hint names the bug."""
from __future__ import annotations

import dataclasses
import json

import pytest

import numpy_layers as nl
from parity_tests.check import check_spec
from parity_tests.specs import get_spec
from parity_tests.harness.runner import run_case
from parity_tests.mutants import all_mutants, main, mutant_factory, run_mutant

MUTANTS = all_mutants()

# What the first hint must say (the pattern behind each bug).
HINTS = {
    "avgpool_count_include_pad_ignored": "count_include_pad flipped",
    "bn_biased_running_var": "biased batch variance",
    "bn_eps_outside_sqrt": "where eps is added",
    "bn_momentum_inverted": "momentum 0.9 instead of 0.1",
    "conv_backward_wrong_stride": "same stride",
    "conv_bias_grad_not_summed": "sum over the batch axis",
    "conv_float32_upcast": "float64 for a float32 input",
    "conv_kernel_flipped": "kernel flipped",
    "conv_padding_off_by_one": "padding off by one",
    "dropout_backward_no_mask": "does not apply the forward's mask",
    "dropout_keep_drop_swapped": "(1-p)/p",
    "log_softmax_log_of_softmax": "NaN/inf where torch is finite",
    "maxpool_grad_all_ties": "every tied maximum",
    "maxpool_zero_padding": "padding is filled with 0",
    "relu_grad_at_zero": "input is exactly 0",
    "relu_modifies_input": "modified an array passed to it",
    "softmax_no_max_subtraction": "subtract the max",
    "dropin_conv_crop_minus_pad": "empty at padding 0",
    "dropin_maxpool_every_tie": "every tied maximum",
    "dropin_bn_backward_batch_count": "instead of N*H*W",
}


def test_registry():
    assert len(MUTANTS) >= 15
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)
    for m in MUTANTS:
        spec = get_spec(m.layer)                       # a real spec catches it
        assert m.bug
        if m.drop_in:                                  # a user-style layer and its fix
            assert m.cls is None and m.fixed is not None and m.fixed != m.target, m.name
            continue
        real = type(spec.numpy_module(spec.cases[0], "float32"))
        assert issubclass(m.cls, real) and m.cls is not real, m.name
    assert sum(m.drop_in for m in MUTANTS) >= 3


@pytest.mark.parametrize("m", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_is_caught_and_real_layer_passes(m):
    rec = run_mutant(m)
    assert rec["caught"], f"{m.name} ({m.bug}) passed every run of the {m.layer} spec"
    assert rec["real_layer_passes"], f"the real {m.layer} fails the run that caught {m.name}"
    assert rec["seconds"] < 30
    if m.name in HINTS:
        assert HINTS[m.name] in rec["hint"], rec


def test_square_linear_case_catches_transposed_weight_silently():
    """On a non-square layer the transposed weight raises; the square case is what shows a
    silently wrong result, and the hint names the transpose."""
    m = next(m for m in MUTANTS if m.name == "linear_weight_transposed")
    spec = get_spec("Linear")
    runs = [(c, "float64", "train") for c in spec.cases if c.id.startswith("in256_out256")]
    res = check_spec(spec, mutant_factory(spec, m.cls), runs=runs, label=m.name)
    first = res.first_failure
    assert first is not None and not first.error
    assert any(not r.passed and r.tensor == "output" for r in first.rows)
    assert any("transposed" in h for h in res.hints), res.hints
    assert run_case(spec, runs[0][0], "float64", "train").passed


def test_main_writes_kill_table(tmp_path):
    assert main(["--out", str(tmp_path), "-k", "relu_"]) == 0
    data = json.loads((tmp_path / "mutants.json").read_text())
    assert {r["mutant"] for r in data} == {"relu_grad_at_zero", "relu_modifies_input"}
    for r in data:
        assert {"mutant", "layer", "bug", "caught", "first_failing", "worst_headroom"} <= set(r)
        assert r["caught"] is True and r["first_failing"].startswith("ReLU[")
        assert isinstance(r["worst_headroom"], float) and r["worst_headroom"] > 1
    table = (tmp_path / "mutants.md").read_text()
    assert "| `relu_modifies_input` | ReLU |" in table and "2 of 2 mutants caught" in table


def test_from_torch_spec_mutant_factory():
    """Specs built with from_torch also yield mutants (the class is swapped after building)."""
    spec = dataclasses.replace(get_spec("ReLU"), numpy_module="from_torch")
    obj = mutant_factory(spec, type("X", (nl.ReLU,), {}))(spec.cases[0], "float32")
    assert type(obj).__name__ == "X" and isinstance(obj, nl.ReLU)


@pytest.mark.parametrize("name, only, verdict", [
    ("conv_backward_wrong_stride", "k3_s2", "disagrees"),     # the backward is wrong
    ("conv_kernel_flipped", "k3_s1_p1", "agrees"),            # the forward is torch's other op
])
def test_finite_differences_witness_names_the_wrong_pass(name, only, verdict):
    m = next(m for m in MUTANTS if m.name == name)
    spec = get_spec(m.layer)
    case = next(c for c in spec.cases if only in c.id)
    res = run_case(dataclasses.replace(spec, numpy_module=mutant_factory(spec, m.cls)), case,
                   "float64", "train")
    grads = [r for r in res.rows if not r.passed and r.tensor.startswith("grad_")]
    assert grads and all(r.fd_witness == verdict for r in grads)
    assert all("finite differences of NumPy's own forward" in r.message for r in grads)
    passing = [r for r in res.rows if r.passed]
    assert passing and not any(r.fd_witness for r in passing)
