"""The one comparison helper: shape, then dtype, then values, under the tolerance policy."""
from __future__ import annotations

from typing import Any

import numpy as np

from .results import Row
from .tolerance import (EXACT, NEAR_BOUND, Terms, Tolerance, float32_tolerance,
                        float64_tolerance)


# ULPs are counted at each element's magnitude, but never below the tensor's scale / 4096:
# a sum that cancels to ~1e-17 would otherwise report ~1e18 ULPs for a harmless 1e-9 error.
ULP_FLOOR = 2.0 ** -12


MAX_ULPS = 2 ** 62


def scaled_ulps(err: np.ndarray, ref_abs: np.ndarray, dtype: np.dtype) -> int:
    """Largest error in units in the last place of ``dtype`` (see ULP_FLOOR)."""
    finite = np.isfinite(err)
    if not finite.any():
        return 0
    scale = float(ref_abs.max()) if ref_abs.size else 0.0
    mag = np.maximum(ref_abs[finite], scale * ULP_FLOOR).astype(dtype)
    unit = np.spacing(mag).astype(np.float64)
    unit[unit == 0] = float(np.finfo(dtype).smallest_subnormal)
    with np.errstate(over="ignore"):
        ulps = float((err[finite] / unit).max())
    # An error against an all-zero reference can exceed any integer: cap it.
    return int(min(np.ceil(ulps - 1e-9), MAX_ULPS))


def _fmt(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def compare(tensor: str, actual: Any, reference: Any, dtype: np.dtype, *,
            torch_value: Any = None, reduction: "int | Terms" = 1,
            row: dict[str, Any] | None = None) -> Row:
    """Compare NumPy's ``actual`` with ``reference`` and return a Row.

    float64: ``reference`` is torch float64. float32: ``reference`` is the float64 truth and
    ``torch_value`` torch float32's result, or a list of its results in several orderings
    (the largest of their errors sets the bound). Integer tensors are
    compared exactly. ``row`` carries layer/case/dtype/mode labels.
    """
    r = Row(**(row or {"layer": "", "case": "", "dtype": str(dtype), "mode": ""}),
            tensor=tensor, passed=False)
    ref = np.asarray(reference)
    if actual is None:
        r.message = f"{tensor}: NumPy returned None, expected an array of shape {tuple(ref.shape)}"
        return r
    if not isinstance(actual, np.ndarray):
        r.message = f"{tensor}: NumPy returned {type(actual).__name__}, expected numpy.ndarray"
        return r
    r.shape, r.n_elements = tuple(ref.shape), int(ref.size)
    if actual.shape != ref.shape:
        r.message = f"{tensor}: shape {tuple(actual.shape)}, expected {tuple(ref.shape)}"
        return r
    integer = ref.dtype.kind in "iub"
    want = ref.dtype if integer else np.dtype(dtype)
    if actual.dtype != want:
        r.message = f"{tensor}: dtype {actual.dtype}, expected {want}"
        return r
    if integer:
        return _compare_exact(r, actual, ref)
    return _compare_float(r, actual, ref, np.dtype(dtype), torch_value, reduction)


def _compare_exact(r: Row, actual: np.ndarray, ref: np.ndarray) -> Row:
    bad = actual != ref
    r.tolerance, r.rule, r.rule_detail = 0.0, EXACT.rule, EXACT.detail
    r.n_mismatch = int(bad.sum())
    diff = np.abs(actual.astype(np.int64) - ref.astype(np.int64))
    r.max_abs_err = float(diff.max()) if diff.size else 0.0
    r.mean_abs_err = float(diff.mean()) if diff.size else 0.0
    r.max_rel_err, r.max_ulp = r.max_abs_err, int(r.max_abs_err)
    r.headroom = 0.0 if r.n_mismatch == 0 else float("inf")
    r.passed = r.n_mismatch == 0
    if r.n_mismatch:
        idx = np.unravel_index(int(np.argmax(bad)), bad.shape) if bad.ndim else ()
        r.worst_index = tuple(int(i) for i in idx)
        r.numpy_value, r.reference_value = int(actual[idx]), int(ref[idx])
        r.message = (f"{r.tensor}: {r.n_mismatch} of {r.n_elements} elements differ (exact "
                     f"match required); first at index {r.worst_index}: numpy {r.numpy_value} "
                     f"vs reference {r.reference_value}")
    return r


def _errors(a: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """abs error with matching NaN/inf counted as 0 and mismatching ones as inf; the mismatch mask."""
    a = a.astype(np.float64, copy=False)
    ref = ref.astype(np.float64, copy=False)
    both_nan = np.isnan(a) & np.isnan(ref)
    same_inf = np.isinf(a) & np.isinf(ref) & (a == ref)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.asarray(np.abs(a - ref))     # 0-d inputs give a scalar otherwise
    err[both_nan | same_inf] = 0.0
    special = ~np.isfinite(err)
    err[special] = np.inf
    return err, special


def _compare_float(r: Row, actual: np.ndarray, ref: np.ndarray, dtype: np.dtype,
                   torch_value: Any, reduction: "int | Terms") -> Row:
    err, special = _errors(actual, ref)
    ref64 = ref.astype(np.float64, copy=False)
    finite_ref = np.where(np.isfinite(ref64), np.abs(ref64), 0.0)
    if dtype == np.float32:
        t_err = 0.0
        values = torch_value if isinstance(torch_value, (list, tuple)) else [torch_value]
        values = [v for v in values if v is not None]
        for tv in values:
            te, _ = _errors(np.asarray(tv), ref)
            t_err = max(t_err, float(te.max()) if te.size else 0.0)
        scale = float(finite_ref.max()) if finite_ref.size else 0.0
        tol: Tolerance = float32_tolerance(reduction, t_err, scale, len(values))
        bound = np.full(err.shape, tol.atol)
        r.torch_err = t_err
        if err.size:
            e = float(err.max())
            r.accuracy_ratio = (e / t_err) if t_err > 0 else (0.0 if e == 0 else float("inf"))
    else:
        tol = float64_tolerance(reduction)
        bound = tol.elementwise(np.where(np.isfinite(ref64), ref64, 0.0))
    r.tolerance, r.rule, r.rule_detail = float(tol.atol), tol.rule, tol.detail
    if err.size == 0:
        r.max_abs_err = r.mean_abs_err = r.max_rel_err = 0.0
        r.max_ulp, r.headroom, r.passed = 0, 0.0, True
        return r
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(err == 0, 0.0, err / bound)
        rel = np.where(finite_ref > 0, err / finite_ref, np.where(err == 0, 0.0, np.inf))
    bad = (err > bound) | special
    r.n_mismatch = int(bad.sum())
    worst = int(np.argmax(ratio))
    idx = np.unravel_index(worst, err.shape) if err.ndim else ()
    r.worst_index = tuple(int(i) for i in idx)
    r.max_abs_err = float(err.max())
    r.mean_abs_err = float(err[~special].mean()) if (~special).any() else float("inf")
    r.max_rel_err = float(rel.max())
    r.max_ulp = scaled_ulps(err, finite_ref, dtype)
    r.headroom = float(ratio.max())
    r.numpy_value = float(actual[idx])
    r.reference_value = float(ref[idx])
    r.passed = r.n_mismatch == 0
    if r.passed and r.headroom > NEAR_BOUND:
        r.passed = False
        r.message = (f"{r.tensor}: passes within 1% of its bound (headroom {r.headroom:.9g} > "
                     f"{NEAR_BOUND}): too close to tell; tolerance {r.tolerance:.3g} "
                     f"[{r.rule}: {r.rule_detail}]")
    elif not r.passed:
        r.message = (
            f"{r.tensor}: {r.n_mismatch} of {r.n_elements} elements beyond tolerance; worst at "
            f"index {r.worst_index}: numpy {_fmt(r.numpy_value)} vs reference "
            f"{_fmt(r.reference_value)} (abs error {float(err[idx]):.3g}); max abs error "
            f"{r.max_abs_err:.3g}, max rel {r.max_rel_err:.3g}, max {r.max_ulp} ulp; tolerance {r.tolerance:.3g} [{r.rule}: {r.rule_detail}]; "
            f"headroom {r.headroom:.3g}"
        )
    return r
