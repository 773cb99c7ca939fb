"""Finite differences of a layer's own forward: the witness for a layer with no torch twin
(``--ref gradcheck``), and the third opinion where NumPy and torch disagree on a gradient.

In float64, the gradient of ``sum(dy * forward(theta))`` with respect to each checked
element of the input and of every parameter is estimated by central differences and
compared with what the layer's backward returned, with torch.autograd.gradcheck's
settings: ``eps = 1e-6``, ``|analytic - numeric| <= atol + rtol * |numeric|``,
``atol = 1e-5``, ``rtol = 1e-3``. A few random upstream gradients are tried; large tensors
are checked on a random sample of their elements. A random layer (dropout) is run with the
random state restored before every forward, so each call draws the same mask.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Sequence

import numpy as np

from . import access
from .adapters import RNGState, UserAdapter
from .class_adapter import ClassAdapter
from .context import Context, MappingError, Prefs
from .names import grad_names
from .reference import Reference, Role
from .result import CheckResult
from ..harness import witness
from ..harness.results import CaseResult, Row
from ..harness.spec import Case

EPS, ATOL, RTOL = witness.EPS, witness.ATOL, witness.RTOL
SAMPLE = 48               # elements checked per tensor at most
UPSTREAM = 3              # random upstream gradients


# ----------------------------------------------------------------------------- witness
def directional(session: Any, adapter: UserAdapter, case: Case, step: int, tensor: str) -> bool | None:
    """Does the failing run's gradient ``tensor`` agree with finite differences of the
    layer's own forward (``harness.witness``)? None when it cannot be told."""
    if step != 0 or session.ref.random or not adapter.trace.steps:
        return None
    rec = adapter.trace.steps[0]
    grad = rec.dx if tensor == "grad_input" else rec.grads.get(tensor[len("grad_"):])
    if isinstance(grad, tuple):
        grad = grad[0]
    if rec.dy is None or not isinstance(grad, np.ndarray):
        return None
    verdict = witness.witness(lambda: session.build(case, "float64"), adapter.ctx.mode,
                              adapter.trace.initial, rec.inputs, rec.dy, {tensor: grad})
    return None if tensor not in verdict else verdict[tensor] == witness.AGREE


# ----------------------------------------------------------------------------- --ref gradcheck
def _reference(label: str) -> Reference:
    ref = Reference(None, None, "gradcheck")
    ref.roles = {"input": Role("input", "input"), "training": Role("training", "mode")}
    ref.positional = ["input"]
    return ref


class _Plain:
    """Stands in for the torch module: a layer with no twin has no options to read."""
    training = True


def gradcheck_layer(cls: type, label: str, input_shape: Sequence[int], kwargs: dict,
                    seed: int = 0, modes: Sequence[str] | None = None) -> CheckResult:
    """Check ``cls(**kwargs)``'s backward against finite differences of its own forward."""
    import inspect
    try:
        takes_dtype = "dtype" in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        takes_dtype = False
    extra = {"dtype": np.float64} if takes_dtype else {}
    ref = _reference(label)
    case = Case("gradcheck_" + "x".join(map(str, input_shape)), dict(kwargs),
                (tuple(input_shape),))
    result = CheckResult(label, "finite differences (gradcheck)", "gradcheck")
    rng = np.random.default_rng(seed)
    for mode in modes or ("train", "eval"):
        obj = cls(**kwargs, **extra)
        x = rng.standard_normal(tuple(input_shape))
        arrays = _parameters(obj, x)
        gradish = {p for p in arrays for q in arrays if q != p and p[-1] in grad_names(q[-1])}
        shapes = OrderedDict((access.text(p), tuple(a.shape)) for p, a in arrays.items()
                             if p not in gradish)
        ref.roles.update({n: Role(n, "param") for n in shapes})
        ctx = Context(ref, case, np.dtype(np.float64), _Plain(), shapes, set(shapes), {},
                      Prefs(), seed, mode)
        res = CaseResult(label, case.id, "float64", mode)
        try:
            adapter = ClassAdapter(ctx, obj=obj)
            if mode == "eval" and not adapter.mode_takes:
                continue
            _check(adapter, x, rng, res, train=mode == "train")
        except (MappingError, Exception) as e:  # noqa: BLE001 - a broken layer is a result
            res.error = f"{type(e).__name__}: {e}"
        result.results.append(res)
    return result


def _parameters(obj: Any, x: np.ndarray) -> dict:
    """The float arrays the layer holds after construction; for a layer that creates them at
    its first call, those the call adds whose shape is neither the input's nor the output's
    (what a forward keeps for its backward)."""
    arrays = {p: a for p, a in access.scan(obj).items() if a.dtype.kind == "f"}
    if arrays:
        return arrays
    with RNGState():
        try:
            fn = getattr(obj, "forward", None) or obj
            y = fn(x)
        except Exception:  # noqa: BLE001 - reported by the real run
            return {}
    skip = {tuple(x.shape), tuple(np.shape(y[0] if isinstance(y, tuple) else y))}
    return {p: a for p, a in access.scan(obj).items()
            if a.dtype.kind == "f" and tuple(a.shape) not in skip}


def _check(adapter: ClassAdapter, x: np.ndarray, rng: np.random.Generator, res: CaseResult,
           train: bool) -> None:
    state = adapter.state_dict()
    for k in range(UPSTREAM):
        adapter.load_state_dict(state)
        adapter.train(train)
        adapter.grads = OrderedDict((t, None) for t in adapter.grads)
        with RNGState():
            y = adapter(x)
        y = y[0] if isinstance(y, tuple) else y
        dy = rng.standard_normal(np.shape(y))
        dx = adapter.backward(dy)

        def f(xv: np.ndarray, st: dict) -> float:
            adapter.load_state_dict(st)
            adapter.train(train)
            with RNGState():
                out = adapter(xv)
            out = out[0] if isinstance(out, tuple) else out
            return float(np.sum(dy * out))

        res.rows.append(_row(res, f"grad_input@{k + 1}", dx, x,
                             lambda e, xv=x: f(xv + e, state), rng))
        for t, g in adapter.grads.items():
            res.rows.append(_row(res, f"grad_{t}@{k + 1}", g, state[t],
                                 lambda e, t=t: f(x, {**state, t: state[t] + e}), rng))
        adapter.load_state_dict(state)


def _row(res: CaseResult, tensor: str, grad: Any, at: np.ndarray, f, rng) -> Row:
    label = dict(layer=res.layer, case=res.case, dtype=res.dtype, mode=res.mode)
    if not isinstance(grad, np.ndarray) or grad.shape != np.shape(at):
        got = "None" if grad is None else f"shape {np.shape(grad)}"
        return Row(**label, tensor=tensor, passed=False, rule="gradcheck",
                   message=f"{tensor}: the backward gave {got}, expected an array of shape "
                           f"{np.shape(at)}")
    n = at.size
    idx = np.arange(n) if n <= SAMPLE else rng.choice(n, SAMPLE, replace=False)
    num = np.empty(len(idx))
    for j, i in enumerate(idx):
        e = np.zeros(n)
        e[i] = EPS
        e = e.reshape(at.shape)
        num[j] = (f(e) - f(-e)) / (2 * EPS)
    ana = grad.reshape(-1)[idx].astype(np.float64)
    err = np.abs(ana - num)
    bound = ATOL + RTOL * np.abs(num)
    worst = int(np.argmax(err / bound)) if len(idx) else 0
    ok = bool(np.all(err <= bound))
    msg = "" if ok else (
        f"{tensor}: {int((err > bound).sum())} of {len(idx)} checked elements differ from "
        f"finite differences of the forward; worst at flat index {int(idx[worst])}: backward "
        f"{ana[worst]:.6g} vs numeric {num[worst]:.6g} (atol {ATOL:g}, rtol {RTOL:g})")
    return Row(**label, tensor=tensor, passed=ok, rule="gradcheck",
               tolerance=float(bound[worst]) if len(idx) else 0.0,
               max_abs_err=float(err.max()) if len(idx) else 0.0,
               headroom=float((err / bound).max()) if len(idx) else 0.0,
               n_elements=int(n), shape=tuple(at.shape), message=msg)
