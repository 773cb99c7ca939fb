"""Hint rules that hold for any layer: dtype, shapes, in-place writes, non-finite values,
a transposed or scaled result, the gradient at a kink, a backward that does not
differentiate the layer's own forward (finite differences)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .gradcheck import directional
from .replay import Ctx, close


def _arrays(a: Any, r: Any) -> bool:
    return isinstance(a, np.ndarray) and isinstance(r, np.ndarray)


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
    k = c.case.params.get("kernel_size")
    if a.ndim == r.ndim >= 2 and isinstance(k, (tuple, list)) and len(set(k)) > 1:
        return (f"{c.tensor} shape {a.shape} differs from torch's {r.shape} with the "
                f"non-square kernel {tuple(k)}: one kernel size used for both axes?")
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
    if bad.any() and getattr(c.module, "p", None) != 1.0:       # dropout at p=1: its own rule
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
        if per > n > 0:
            out[f"divided by {per} = N times the spatial size (a mean over the batch and "
                f"spatial axes instead of a sum)"] = 1.0 / per
        if per > 1:
            out[f"n/(n-1) with n = {per} (biased vs unbiased variance)"] = per / (per - 1)
            out[f"(n-1)/n with n = {per} (unbiased vs biased variance)"] = (per - 1) / per
    p = c.case.params.get("p")
    if isinstance(p, float) and 0 < p < 1 and hasattr(c.module, "inplace"):
        out[f"1 - p with p = {p}: non-inverted dropout (kept values not scaled by 1/(1-p) in "
            f"training, or the eval output scaled by 1 - p); torch scales in training and "
            f"leaves eval alone"] = 1 - p
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


def r_kink(c: Ctx) -> str | None:
    a, r = c.pair()
    if c.tensor != "grad_input" or not _arrays(a, r) or a.shape != r.shape:
        return None
    x = c.trace.steps[c.step].inputs[0]
    bad = ~np.isclose(a.astype(np.float64), r.astype(np.float64), equal_nan=True)
    if bad.any() and isinstance(x, np.ndarray) and x.shape == a.shape and np.all(x[bad] == 0):
        return "grad_input differs only where the input is exactly 0: the gradient at the kink"
    return None


def r_backward(c: Ctx) -> str | None:
    if c.tensor != "grad_input":
        return None
    sfx = f"@{c.step + 1}" if c.case.steps > 1 else ""
    out = [r for r in c.res.rows if r.tensor == "output" + sfx]
    if out and all(r.passed for r in out):
        s = c.case.params.get("stride")
        special = getattr(c.case, "kind", "") in ("nan", "ties")     # the input explains it
        extra = (f" with stride {s}: the backward must scatter with the same stride, "
                 f"dilation and padding as the forward"
                 if s not in (None, 1, (1, 1)) and not special else "")
        return f"the forward matches but grad_input does not{extra}"
    return None

def r_dtype(c: Ctx) -> str | None:
    if c.row is None or "dtype float64, expected float32" not in c.row.message:
        return None
    a, r = c.pair()
    same = ""
    if _arrays(a, r) and a.shape == r.shape:
        same = ("; its values match torch's once cast to float32" if close(a, r, True)
                else "; its values differ from torch's too")
    return (f"{c.tensor} is float64 for a float32 input: something allocated without dtype= "
            f"(np.zeros(shape), np.ones, np.array of Python floats) or a float64 array mixed "
            f"in; keep the input's dtype end to end{same}")


def r_empty(c: Ctx) -> str | None:
    a, r = c.pair()
    if not _arrays(a, r) or a.size or not r.size or a.ndim != r.ndim:
        return None
    pad = c.case.params.get("padding")
    zero = pad in (0, (0, 0), (0,)) or pad == "valid"
    return (f"{c.tensor} is empty (shape {a.shape}, torch {r.shape})"
            + (": a crop such as dx[:, :, p:-p, p:-p] is empty at padding 0 (-0 is 0); "
               "crop with dx[:, :, p:p + H, p:p + W]" if zero else ": a slice that lost its end"))


def r_finite_differences(c: Ctx) -> str | None:
    """Third witness where NumPy and torch disagree on a gradient: is the layer's backward
    the derivative of its own forward?"""
    if not c.tensor.startswith("grad_") or c.adapter is None or c.session is None:
        return None
    verdict = directional(c.session, c.adapter, c.case, c.step, c.tensor)
    if verdict is None:
        return None
    if verdict:
        return (f"{c.tensor} agrees with finite differences of the layer's own forward: the "
                f"backward differentiates the forward correctly, so the forward's maths differs "
                f"from torch's where it matters for this gradient")
    return (f"{c.tensor} disagrees with finite differences of the layer's own forward: the "
            f"backward is not the derivative of the forward")


def r_grad_shape(c: Ctx) -> str | None:
    """A gradient stored in another shape than the array it is the gradient of."""
    t = c.tensor[len("grad_"):] if c.tensor.startswith("grad_") else None
    odd = getattr(c.adapter, "odd_grads", {}).get(t) if t else None
    if odd is None:
        return None
    g, own = odd
    extra = (": transposed (dy.T @ x where the layer's (in, out) W needs x.T @ dy); an update "
             "W -= lr * dW would not fit" if len(g) == len(own) == 2 and g == own[::-1] else "")
    return f"{c.tensor}: the layer's gradient has shape {g} but its array has shape {own}{extra}"


GENERIC = [r_dtype, r_inplace, r_empty, r_shape, r_grad_shape]
LAST = [r_nonfinite, r_transpose, r_ratio, r_kink, r_backward, r_finite_differences]
