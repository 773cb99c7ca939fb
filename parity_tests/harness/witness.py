"""A third witness where NumPy and torch disagree on a gradient: finite differences of the
NumPy layer's own forward, in float64.

Along two random directions ``v``, the central difference of ``sum(dy * forward(theta))``
is compared with ``<gradient, v>`` under torch.autograd.gradcheck's settings (eps 1e-6,
atol 1e-5, rtol 1e-3): when they agree, the backward differentiates the layer's forward and
it is the forward that differs from torch where it matters; when they do not, the backward
is wrong. Nothing is computed for a passing row.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3
AGREE, DISAGREE = "agrees", "disagrees"


def agrees(f: Callable[[np.ndarray], float], at: np.ndarray, grad: np.ndarray,
           rng: np.random.Generator, directions: int = 2) -> bool | None:
    """Whether ``grad`` is the gradient of ``f`` at ``at`` along random directions (None
    when it cannot be told: shapes differ, a non-finite value, ``f`` raises)."""
    if not isinstance(grad, np.ndarray) or grad.shape != np.shape(at) \
            or not np.isfinite(at).all() or not np.isfinite(grad).all():
        return None
    ok = []
    for _ in range(directions):
        v = rng.standard_normal(np.shape(at))
        try:
            num = (f(at + EPS * v) - f(at - EPS * v)) / (2 * EPS)
        except Exception:  # noqa: BLE001 - a forward that cannot take the point: no witness
            return None
        if not np.isfinite(num):
            return None
        ana = float(np.sum(grad.astype(np.float64) * v))
        ok.append(abs(ana - num) <= ATOL * np.sqrt(v.size) + RTOL * max(abs(num), abs(ana)))
    return all(ok)


def witness(build: Callable[[], Any], mode: str, state: dict[str, np.ndarray], xs: list,
            dy: np.ndarray, grads: dict[str, np.ndarray]) -> dict[str, str]:
    """tensor name ('grad_input', 'grad_<param>') -> 'agrees'/'disagrees' for each gradient
    given, from a float64 layer ``build()`` loaded with ``state``."""
    f64 = {k: np.asarray(v, np.float64) if np.asarray(v).dtype.kind == "f" else v
           for k, v in state.items()}
    x64 = [np.asarray(x, np.float64) if np.asarray(x).dtype.kind == "f" else x for x in xs]
    dy64 = np.asarray(dy, np.float64)
    try:
        layer = build()
    except Exception:  # noqa: BLE001 - no float64 twin: no witness
        return {}

    def f(inputs: list, st: dict) -> float:
        layer.load_state_dict(st)
        layer.train(mode == "train")
        y = layer(*inputs)
        y = y[0] if isinstance(y, tuple) else y
        if hasattr(layer, "zero_grad"):
            layer.zero_grad()
        return float(np.sum(dy64 * np.asarray(y, np.float64)))

    rng = np.random.default_rng(0)
    out: dict[str, str] = {}
    for name, grad in grads.items():
        if name == "grad_input":
            verdict = agrees(lambda x: f([x] + x64[1:], f64), x64[0], grad, rng)
        else:
            p = name[len("grad_"):]
            if p not in f64:
                continue
            verdict = agrees(lambda w, p=p: f(x64, {**f64, p: w}), f64[p], grad, rng)
        if verdict is not None:
            out[name] = AGREE if verdict else DISAGREE
    return out


def note(verdict: str) -> str:
    """The words added to a failing row's message."""
    if verdict == AGREE:
        return ("finite differences of NumPy's own forward agree with its gradient: the "
                "forward differs from torch's")
    return "finite differences of NumPy's own forward disagree with its gradient: the backward is wrong"
