"""The comparison helper and the tolerance policy: what they accept and what they report."""
from __future__ import annotations

import numpy as np
import pytest

from parity_tests.harness.compare import compare
from parity_tests.harness.tolerance import (RATIO, Terms, float32_tolerance,
                                            float64_tolerance, sibling_terms)


def test_shape_is_checked_first():
    r = compare("grad_input", np.zeros((2, 3), np.float32), np.zeros((2, 4)), np.float32)
    assert not r.passed and "shape (2, 3), expected (2, 4)" in r.message


def test_dtype_is_checked_second():
    r = compare("output", np.zeros(3), np.zeros(3), np.float32)
    assert not r.passed and "dtype float64, expected float32" in r.message


def test_missing_array_names_the_tensor():
    r = compare("grad_weight", None, np.zeros(3), np.float64)
    assert not r.passed and r.message.startswith("grad_weight")


def test_float64_mismatch_reports_count_index_and_values():
    ref = np.arange(12, dtype=np.float64).reshape(3, 4)
    a = ref.copy()
    a[2, 1] += 1e-3
    a[0, 3] += 1e-4
    r = compare("running_var", a, ref, np.float64)
    assert not r.passed
    assert r.n_mismatch == 2 and r.worst_index == (2, 1)
    assert r.numpy_value == pytest.approx(9.001) and r.reference_value == 9.0
    assert "running_var: 2 of 12 elements" in r.message and "(2, 1)" in r.message


def test_float64_within_scaled_tolerance_passes():
    ref = np.full(5, 100.0)
    r = compare("output", ref * (1 + 5e-8), ref, np.float64)
    assert r.passed and 0 < r.headroom < 1


def test_float64_tolerance_grows_with_sqrt_of_reduction_beyond_256():
    assert float64_tolerance(10).atol == float64_tolerance(256).atol == 1e-7
    assert float64_tolerance(256 * 16).atol == pytest.approx(4e-7)


def test_float32_rule_is_relative_to_torch_error():
    truth = np.linspace(-1, 1, 101)
    torch32 = (truth + 1e-6).astype(np.float32)
    ok = (truth + 3e-6).astype(np.float32)
    bad = (truth + 1e-4).astype(np.float32)
    assert compare("output", ok, truth, np.float32, torch_value=torch32).passed
    r = compare("output", bad, truth, np.float32, torch_value=torch32)
    assert not r.passed and r.accuracy_ratio > RATIO
    assert "float32-ratio" in r.message


def test_float32_floor_applies_when_torch_is_exact():
    tol = float32_tolerance(reduction=1, torch_err=0.0, truth_scale=2.0)
    assert tol.atol == pytest.approx(2.0 * np.finfo(np.float32).eps)


def test_nan_must_match_in_position():
    ref = np.array([1.0, np.nan, 3.0])
    assert compare("output", ref.copy(), ref, np.float64).passed
    r = compare("output", np.array([np.nan, 2.0, 3.0]), ref, np.float64)
    assert not r.passed and r.n_mismatch == 2


def test_inf_must_match_with_sign():
    ref = np.array([np.inf, -np.inf])
    assert compare("output", ref.copy(), ref, np.float64).passed
    assert not compare("output", -ref, ref, np.float64).passed


def test_integers_compare_exactly():
    ref = np.array([[0, 5], [3, 1]])
    assert compare("indices", ref.copy(), ref, np.float32).passed
    r = compare("indices", np.array([[0, 4], [3, 1]]), ref, np.float32)
    assert not r.passed and r.worst_index == (0, 1) and "exact" in r.message


def test_ulps_are_counted_at_each_magnitude_but_not_below_the_scale():
    one = np.float32(1.0)
    up3 = np.float32(1.0 + 3 * 2.0 ** -23)
    r = compare("output", np.array([up3, one], np.float32), np.array([1.0, 1.0]), np.float32,
                torch_value=np.array([1.0, 1.0], np.float32))
    assert r.max_ulp == 3
    # a value that cancels to ~0 is measured in ULPs of scale/4096, not of 1e-17
    r = compare("output", np.array([1.0, 1e-9]), np.array([1.0, -1e-17]), np.float64)
    assert r.max_ulp == pytest.approx(1e-9 / np.spacing(2.0 ** -12), rel=0.01)


def test_zero_dim_tensors_compare():
    r = compare("output", np.array(1.5), np.array(1.5), np.float64)
    assert r.passed and r.shape == ()
    r = compare("output", np.array(1.5, np.float32), np.array(1.6), np.float32,
                torch_value=np.array(1.6, np.float32))
    assert not r.passed and r.worst_index == ()


def test_ulps_against_an_all_zero_reference_are_capped_not_an_overflow():
    from parity_tests.harness.compare import MAX_ULPS, compare
    r = compare("grad_bias", np.array([1e-3]), np.array([0.0]), np.dtype(np.float64))
    assert not r.passed and r.max_ulp == MAX_ULPS


def test_a_pass_within_one_percent_of_the_bound_fails():
    ref = np.array([1.0, 2.0])
    torch_value = ref + [1e-4, 0]
    bound = float32_tolerance(1, 1e-4, 2.0).atol
    for share, passed in ((0.5, True), (0.98, True), (0.995, False)):
        r = compare("t", (ref + [share * bound, 0]).astype(np.float32), ref, np.dtype(np.float32),
                    torch_value=torch_value, reduction=1)
        assert np.isclose(r.headroom, share, atol=1e-3) and r.passed is passed, (share, r.message)
    assert "within 1%" in r.message


def test_a_bias_gradient_takes_its_terms_from_the_weight_gradient():
    refs = {"grad_0.weight": np.array([[3.0, -4.0]]), "grad_0.bias": np.array([1e-20])}
    t = sibling_terms(16, "grad_0.bias@2", refs)
    assert t.k == 16 and np.isclose(np.sqrt(16) * t.rms, 4.0)
    assert sibling_terms(Terms(16, 9.0), "grad_0.bias", refs).rms == 9.0     # spec's wins
    assert sibling_terms(16, "grad_0.weight", refs).rms == 0.0
    var = {"bn.running_var": np.array([4.0, 1.0]), "bn.running_mean": np.zeros(2)}
    assert np.isclose(sibling_terms(8, "bn.running_mean", var).rms, 2.0 / 8)


def test_float32_yardstick_is_the_largest_error_of_torch_orderings():
    truth = np.linspace(-1, 1, 101)
    runs = [(truth + e).astype(np.float32) for e in (1e-6, 3e-6, 2e-6)]
    numpy32 = (truth + 9e-6).astype(np.float32)       # 9x the first run, 3x the second
    assert not compare("output", numpy32, truth, np.float32, torch_value=runs[0]).passed
    r = compare("output", numpy32, truth, np.float32, torch_value=runs)
    assert r.passed and r.torch_err == pytest.approx(3e-6, rel=0.05)
    assert "largest of 3 orderings" in r.rule_detail
    bad = (truth + 1e-4).astype(np.float32)           # no ordering excuses this
    assert not compare("output", bad, truth, np.float32, torch_value=runs).passed
