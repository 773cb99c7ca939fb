"""Hint rules for the bugs particular layers are known for: convolution (kernel flipped,
padding), pooling (ties, zero padding), batch norm (momentum convention, biased variance,
eps, N instead of N*H*W), dropout (keep/drop swapped, 1/(1-p) at p=1, no mask in backward)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .replay import Ctx, as_f64, close
from .rules import _arrays


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
    if zero.any() and np.isfinite(a).all() and np.all(a[zero] != 0):
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


def r_eps(c: Ctx) -> str | None:
    eps = getattr(c.module, "eps", None)
    a, r = c.pair()
    if c.tensor != "output" or not isinstance(eps, float) or not _arrays(a, r) \
            or a.shape != r.shape:
        return None
    rel = float(np.nanmax(np.abs(a - r)) / max(np.nanmax(np.abs(r)), 1e-30))
    if 0.01 * eps <= rel <= 10 * eps:
        return (f"output is off by a relative {rel:.2g}, the size of eps = {eps:g}: the layer "
                f"uses another eps, or check where eps is added (torch: 1 / sqrt(var + eps), "
                f"not sqrt(var) + eps)")
    return None


def r_num_batches(c: Ctx) -> str | None:
    if "num_batches_tracked" in c.dropped and "momentum" in c.case.params \
            and c.case.params["momentum"] is None:
        return ("momentum=None (cumulative average) needs the batch count: keep it as an "
                "integer array attribute num_batches_tracked")
    return None

def _is_batch_norm(c: Ctx) -> bool:
    return hasattr(c.module, "running_mean") and hasattr(c.module, "num_batches_tracked")


def r_bn_count(c: Ctx) -> str | None:
    """A batch-norm backward that divides by N (the batch) instead of N*H*W."""
    a, r = c.pair()
    if c.tensor != "grad_input" or not _is_batch_norm(c) or c.mode != "train" \
            or not _arrays(a, r) or a.shape != r.shape or a.ndim < 3:
        return None
    step = c.trace.steps[c.step]
    x, dy = as_f64(step.inputs[0]), as_f64(step.dy)
    axes = (0,) + tuple(range(2, x.ndim))
    shape = [1, x.shape[1]] + [1] * (x.ndim - 2)
    w = c.trace.initial.get("weight")
    gamma = np.ones(x.shape[1]) if w is None else as_f64(w)
    eps = float(getattr(c.module, "eps", 1e-5))
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    inv = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * inv
    g = dy * gamma.reshape(shape)
    n = x.shape[0]
    wrong = inv / n * (n * g - g.sum(axis=axes, keepdims=True)
                       - xhat * (g * xhat).sum(axis=axes, keepdims=True))
    if close(a, wrong.astype(a.dtype), c.f32):
        m = x.size // x.shape[1]
        return (f"grad_input matches a batch-norm backward that divides by N = {n} (the batch) "
                f"instead of N*H*W = {m} values per channel: the mean and variance run over the "
                f"batch and spatial axes, and so must their gradients")
    return None


def r_unbiased_norm(c: Ctx) -> str | None:
    """A batch norm that normalises with the unbiased variance (np.var(ddof=1))."""
    a, r = c.pair()
    if c.tensor != "output" or not _is_batch_norm(c) or c.mode != "train" \
            or not _arrays(a, r) or a.shape != r.shape or a.ndim < 2:
        return None
    x = as_f64(c.trace.steps[c.step].inputs[0])
    axes = (0,) + tuple(range(2, x.ndim))
    shape = [1, x.shape[1]] + [1] * (x.ndim - 2)
    m = x.size // max(x.shape[1], 1)
    if m < 2:
        return None
    w, b = c.trace.initial.get("weight"), c.trace.initial.get("bias")
    gamma = np.ones(x.shape[1]) if w is None else as_f64(w)
    beta = np.zeros(x.shape[1]) if b is None else as_f64(b)
    eps = float(getattr(c.module, "eps", 1e-5))
    var = x.var(axis=axes, keepdims=True, ddof=1)
    wrong = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(var + eps)
    wrong = wrong * gamma.reshape(shape) + beta.reshape(shape)
    if close(a, wrong.astype(a.dtype), c.f32):
        return (f"output matches a batch norm normalising with the unbiased variance (divided "
                f"by n - 1 = {m - 1}): torch normalises with the biased one (divided by n = {m}) "
                f"and keeps the unbiased one for running_var only")
    return None


def r_dropout_p1(c: Ctx) -> str | None:
    a, r = c.pair()
    if getattr(c.module, "p", None) != 1.0 or not hasattr(c.module, "inplace") \
            or not _arrays(a, r) or a.shape != r.shape:
        return None
    if (~np.isfinite(a.astype(np.float64))).any() and np.all(r == 0):
        return (f"{c.tensor} is NaN/inf at p=1 where torch's is 0: the layer divides by "
                f"1 - p = 0; torch drops everything at p=1 (output and gradient 0): "
                f"special-case it")
    return None


def r_nan(c: Ctx) -> str | None:
    if c.tensor != "grad_input" or c.case.kind != "nan":
        return None
    if hasattr(c.module, "return_indices"):
        return ("grad_input differs on inputs with NaN: torch takes NaN as a window's maximum "
                "and sends the gradient to the last NaN of the window")
    return ("grad_input differs on inputs with NaN: torch's backward passes or blocks the "
            "gradient at NaN by the same comparison as its forward (NaN > 0 is False)")


RULES = [r_num_batches, r_nan, r_dropout_p1, r_biased_running_var, r_bn_count, r_unbiased_norm,
         r_mask, r_ties, r_pad_zero, r_variants, r_eps]
