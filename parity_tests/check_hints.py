"""Hints for known failure patterns, from the trace of the first failing run.

The run is replayed in torch float64 on exactly the inputs, parameters and upstream
gradients the layer saw (the truth), and, for some patterns, on a variant of the torch
module (kernel flipped, padding +-1, momentum inverted ...): when the layer matches a
variant, the variant names the bug. Other rules read the arrays directly (a constant
ratio, a transpose, an extra batch axis, non-finite values, gradient on every tie).
"""
from __future__ import annotations

import contextlib
import copy
import warnings
from typing import Any, Callable

import numpy as np

from .check_adapter import Trace
from .check_replay import Ctx, as_f64, close, replay, user_arrays
from .harness.results import CaseResult
from .harness.spec import Case, ParitySpec


def _arrays(a: Any, r: Any) -> bool:
    return isinstance(a, np.ndarray) and isinstance(r, np.ndarray)


# ----------------------------------------------------------------------------- rules
def r_dtype(c: Ctx) -> str | None:
    if c.row is not None and "dtype float64, expected float32" in c.row.message:
        return (f"{c.tensor} is float64 for a float32 input: something allocated without "
                f"dtype= (np.zeros(shape), np.ones, np.array of Python floats) or a float64 "
                f"array mixed in; keep the input's dtype end to end")
    return None


def r_inplace(c: Ctx) -> str | None:
    if c.row is not None and "unchanged" in c.row.tensor:
        return ("the layer modified an array passed to it (an in-place op such as "
                "x[x < 0] = 0, x -= mean or out=x): work on a copy")
    return None


def r_shape(c: Ctx) -> str | None:
    a, r = c.pair()
    if not _arrays(a, r) or a.shape == r.shape:
        return None
    if a.ndim == r.ndim + 1 and a.shape[1:] == r.shape:
        return (f"{c.tensor} has shape {a.shape}, torch {r.shape}: an extra leading axis of "
                f"length {a.shape[0]} (the batch): sum over the batch axis too")
    if a.ndim == r.ndim == 2 and a.shape == r.shape[::-1]:
        return f"{c.tensor} has the transposed shape {a.shape} of torch's {r.shape}"
    if a.ndim == r.ndim >= 2 and a.shape[:-2] == r.shape[:-2]:
        d = {x - y for x, y in zip(a.shape[-2:], r.shape[-2:])}
        if d <= {2, -2, 0}:
            return (f"{c.tensor} shape {a.shape} differs from torch's {r.shape} by 2 in the "
                    f"spatial size: padding off by one on each side")
        if d <= {1, -1, 0}:
            return (f"{c.tensor} shape {a.shape} differs from torch's {r.shape} by 1: the "
                    f"output-size formula is off by one (floor vs ceil, a missing +1)")
    return None


def r_nonfinite(c: Ctx) -> str | None:
    a, r = c.pair()
    if not _arrays(a, r) or a.shape != r.shape or a.dtype.kind != "f":
        return None
    bad = ~np.isfinite(a) & np.isfinite(r.astype(np.float64))
    if bad.any():
        return (f"{c.tensor} has {int(bad.sum())} NaN/inf where torch is finite: an overflow, "
                f"e.g. exp of large inputs (subtract the max first) or a division by ~0")
    return None


def r_transpose(c: Ctx) -> str | None:
    a, r = c.pair()
    if _arrays(a, r) and a.ndim == 2 and a.shape == r.shape[::-1] and close(a, r.T, c.f32) \
            and not close(a, r, c.f32):
        return (f"{c.tensor} matches torch's transposed: the weight is used as (in, out), or "
                f"its gradient computed as x.T @ dy instead of dy.T @ x")
    return None


def _known_factors(c: Ctx) -> dict[str, float]:
    shape = c.case.input_shapes[0] if c.case.input_shapes else ()
    out: dict[str, float] = {"the sign flipped": -1.0}
    if shape:
        n = shape[0]
        out.update({f"divided by the batch size {n} (a mean instead of a sum)": 1.0 / n,
                    f"multiplied by the batch size {n}": float(n)})
        per = int(np.prod(shape)) // (shape[1] if len(shape) > 1 else 1)
        if per > 1:
            out[f"n/(n-1) with n = {per} (biased vs unbiased variance)"] = per / (per - 1)
            out[f"(n-1)/n with n = {per} (unbiased vs biased variance)"] = (per - 1) / per
    p = c.case.params.get("p")
    if isinstance(p, float) and 0 < p < 1:
        out[f"(1-p)/p with p = {p}: scaled by 1/p instead of 1/(1-p) (keep and drop "
            f"probability swapped; torch's p is the drop probability)"] = (1 - p) / p
    return out


def r_ratio(c: Ctx) -> str | None:
    a, r = c.pair()
    if not _arrays(a, r) or a.shape != r.shape or a.dtype.kind != "f" or close(a, r, c.f32):
        return None
    a64, r64 = a.astype(np.float64), r.astype(np.float64)
    ok = np.isfinite(a64) & np.isfinite(r64) & (np.abs(r64) > 1e-6 * np.nanmax(np.abs(r64)))
    if ok.sum() < 1:
        return None
    k = float(np.median(a64[ok] / r64[ok]))
    if not close(a, (r64 * k).astype(a.dtype), c.f32):
        return None
    for what, f in _known_factors(c).items():
        if abs(k - f) <= 1e-3 * abs(f):
            return f"{c.tensor} is torch's times {k:.6g}: {what}"
    return f"{c.tensor} is torch's times a constant {k:.6g}"


def _variants(m: Any) -> list[tuple[str, Callable[[Any], Any]]]:
    out: list[tuple[str, Callable[[Any], Any]]] = []
    w = getattr(m, "weight", None)
    if w is not None and getattr(w, "ndim", 0) == 4 and max(w.shape[2:]) > 1:
        out.append(("matches torch with the kernel flipped: the layer convolves (flips the "
                    "kernel) where torch cross-correlates", lambda t: t.weight.copy_(t.weight.flip(-1, -2))))
    if w is not None and getattr(w, "ndim", 0) == 2 and w.shape[0] == w.shape[1] > 1:
        out.append(("matches torch with the weight transposed: x @ W where torch computes "
                    "x @ W.T (a square layer hides it)", lambda t: t.weight.copy_(t.weight.T.clone())))
    pad = getattr(m, "padding", None)
    if pad is not None and not isinstance(pad, str):
        for d in (1, -1):
            def shift(t, d=d):
                p = t.padding
                new = tuple(int(v) + d for v in p) if isinstance(p, tuple) else int(p) + d
                if min(np.atleast_1d(new)) < 0:
                    return False
                t.padding = new
            out.append((f"matches torch with padding {'+' if d > 0 else '-'}1: padding off by one", shift))
    if isinstance(getattr(m, "count_include_pad", None), bool):
        out.append(("matches torch with count_include_pad flipped: the flag is ignored or "
                    "inverted", lambda t: setattr(t, "count_include_pad", not t.count_include_pad)))
    if isinstance(getattr(m, "ceil_mode", None), bool):
        out.append(("matches torch with ceil_mode flipped", lambda t: setattr(t, "ceil_mode", not t.ceil_mode)))
    mom = getattr(m, "momentum", None)
    if isinstance(mom, float) and mom != 0.5:
        out.append((f"matches torch with momentum {1 - mom:g} instead of {mom:g}: the running "
                    f"statistics weight the old value by momentum (torch weights the new batch)",
                    lambda t: setattr(t, "momentum", 1 - t.momentum)))
    return out


def r_variants(c: Ctx) -> str | None:
    a, r = c.pair()
    if not isinstance(a, np.ndarray) or close(a, r, c.f32):
        return None                  # too close to the truth for a variant to tell
    for text, modify in _variants(c.module):
        if c.matches(modify):
            return f"{c.tensor} {text}"
    return None


def r_biased_running_var(c: Ctx) -> str | None:
    a, r = c.pair()
    if c.tensor != "running_var" or not _arrays(a, r) or a.shape != r.shape:
        return None
    x = as_f64(c.trace.steps[c.step].inputs[0])
    axes = (0,) + tuple(range(2, x.ndim))
    n = x.size // x.shape[1]
    mom = c.case.params.get("momentum", 0.1)
    f = mom if mom is not None else 1.0 / (c.step + 1)
    biased = r - f * x.var(axis=axes, ddof=1) / n
    if n > 1 and close(a, biased.astype(a.dtype), c.f32):
        return ("running_var is updated with the biased batch variance: torch normalises "
                "with the biased one but tracks the unbiased one (factor n/(n-1))")
    return None


def r_mask(c: Ctx) -> str | None:
    a, r = c.pair()
    dy = c.trace.steps[c.step].dy if c.step < len(c.trace.steps) else None
    if c.tensor != "grad_input" or not _arrays(a, r) or dy is None or a.shape != dy.shape:
        return None
    zero = (r == 0) & (dy != 0)
    if zero.any() and np.all(a[zero] != 0):
        ok = dy != 0
        k = np.median(a[ok] / dy[ok]) if ok.any() else 1.0
        if close(a, (dy * k).astype(a.dtype), c.f32):
            return ("grad_input is the upstream gradient times a constant everywhere: the "
                    "backward does not apply the forward's mask (dropped elements must get 0)")
    return None


def r_ties(c: Ctx) -> str | None:
    a, r = c.pair()
    if c.tensor != "grad_input" or c.case.kind not in ("ties", "nan") or not _arrays(a, r) \
            or not hasattr(c.module, "return_indices"):
        return None
    if a.shape == r.shape and np.count_nonzero(a) > np.count_nonzero(r):
        return ("grad_input reaches more elements than torch's on tied inputs: the gradient "
                "goes to every tied maximum; torch gives it to one (the first in row-major "
                "window order)")
    return None


def r_pad_zero(c: Ctx) -> str | None:
    a, r = c.pair()
    if c.tensor != "output" or not hasattr(c.module, "return_indices") or not _arrays(a, r) \
            or a.shape != r.shape:
        return None
    bad = ~np.isclose(a.astype(np.float64), r.astype(np.float64), equal_nan=True)
    if bad.any() and np.all(a[bad] == 0) and np.all(r[bad] < 0):
        return ("output is 0 where torch's window maximum is negative: the padding is filled "
                "with 0; max pooling pads with -inf")
    return None


def r_kink(c: Ctx) -> str | None:
    a, r = c.pair()
    if c.tensor != "grad_input" or not _arrays(a, r) or a.shape != r.shape:
        return None
    x = c.trace.steps[c.step].inputs[0]
    bad = ~np.isclose(a.astype(np.float64), r.astype(np.float64), equal_nan=True)
    if bad.any() and isinstance(x, np.ndarray) and x.shape == a.shape and np.all(x[bad] == 0):
        return "grad_input differs only where the input is exactly 0: the gradient at the kink"
    return None


def r_eps(c: Ctx) -> str | None:
    eps = c.case.params.get("eps")
    a, r = c.pair()
    if c.tensor != "output" or not isinstance(eps, float) or not _arrays(a, r) \
            or a.shape != r.shape:
        return None
    rel = float(np.nanmax(np.abs(a - r)) / max(np.nanmax(np.abs(r)), 1e-30))
    if 0.01 * eps <= rel <= 10 * eps:
        return (f"output is off by a relative {rel:.2g}, the size of eps = {eps:g}: check "
                f"where eps is added (torch: 1 / sqrt(var + eps), not sqrt(var) + eps)")
    return None


def r_backward(c: Ctx) -> str | None:
    if c.tensor != "grad_input":
        return None
    sfx = f"@{c.step + 1}" if c.case.steps > 1 else ""
    out = [r for r in c.res.rows if r.tensor == "output" + sfx]
    if out and all(r.passed for r in out):
        s = c.case.params.get("stride")
        extra = (f" with stride {s}: the backward must scatter with the same stride, "
                 f"dilation and padding as the forward" if s not in (None, 1, (1, 1)) else "")
        return f"the forward matches but grad_input does not{extra}"
    return None


def r_num_batches(c: Ctx) -> str | None:
    if "num_batches_tracked" in c.dropped and "momentum" in c.case.params \
            and c.case.params["momentum"] is None:
        return ("momentum=None (cumulative average) needs the batch count: keep it as an "
                "integer array attribute num_batches_tracked")
    return None


RULES = [r_dtype, r_inplace, r_num_batches, r_shape, r_nonfinite, r_transpose,
         r_biased_running_var, r_mask, r_kink, r_ties, r_pad_zero, r_variants, r_ratio, r_eps, r_backward]


def diagnose(spec: ParitySpec, case: Case, dtype: str, mode: str, res: CaseResult,
             trace: Trace, seed: int, session: Any) -> list[str]:
    """Hints for the first failing tensor of ``res`` (at most three)."""
    row = next((r for r in res.rows if not r.passed), None)
    tensor = row.tensor if row is not None else "output"
    base, _, step = tensor.partition("@")
    build = session.torch_module
    import torch
    with _quiet(), torch.random.fork_rng():
        ref = replay(spec, case, dtype, mode, trace, seed, build)
        module = build(case)
    ctx = Ctx(spec, case, dtype, mode, res, row, base, int(step) - 1 if step else 0, trace,
              user_arrays(trace), ref, module,
              lambda modify: replay(spec, case, dtype, mode, copy.deepcopy(trace), seed, build, modify),
              set(session.dropped))
    hints: list[str] = []
    for rule in RULES:
        try:
            with _quiet():
                h = rule(ctx)
        except Exception:  # noqa: BLE001 - a rule that cannot read the arrays says nothing
            h = None
        if h and h not in hints:
            hints.append(h)
    return hints[:3]


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield
