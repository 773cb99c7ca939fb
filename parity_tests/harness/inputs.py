"""Input generators: random (kinks redrawn), distinct (no near-ties), ties, NaN; and the
redraw of a norm layer's parameters and statistics away from their trivial defaults."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .spec import Case

MAX_REDRAWS = 50


def normal(shape: tuple[int, ...], rng: np.random.Generator, scale: float = 1.0,
           kink: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Standard normal draws; elements that ``kink`` flags are redrawn until none is left."""
    x = np.asarray(rng.standard_normal(shape) * scale)       # 0-d stays an array
    if kink is None:
        return x
    for _ in range(MAX_REDRAWS):
        bad = kink(x)
        n = int(np.count_nonzero(bad))
        if n == 0:
            return x
        x[bad] = rng.standard_normal(n) * scale
    raise RuntimeError("input generator: could not redraw elements away from kinks")


def distinct(shape: tuple[int, ...], rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """A shuffled even grid over about [-3, 3]: every value distinct, and neighbours at least
    ~8 float32 ULPs apart, so no pooling window holds a tie after rounding to float32
    (ties get their own cases)."""
    n = int(np.prod(shape, dtype=np.int64))
    if n == 0:
        return np.zeros(shape)
    ranks = rng.permutation(n).astype(np.float64)          # (n,)
    spread = max(6.0, n * 2e-6)                            # 2e-6 ~ 8 ulp of float32 near 3
    return ((ranks - n / 2) * (spread / n) * scale).reshape(shape)


def ties(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Small integers in [-2, 2]: exact ties everywhere, exact in any float dtype."""
    return rng.integers(-2, 3, size=shape).astype(np.float64)


def with_nan(shape: tuple[int, ...], rng: np.random.Generator, fraction: float = 0.15) -> np.ndarray:
    """Ties plus NaN at about ``fraction`` of the positions (several NaN per window)."""
    x = ties(shape, rng)
    x[rng.random(shape) < fraction] = np.nan
    return x


def draw(case: Case, rng: np.random.Generator, scale: float = 1.0,
         kink: Callable[[np.ndarray, Case], np.ndarray] | None = None,
         random_kind: str = "normal") -> list[np.ndarray]:
    """Inputs for ``case`` (float64) according to ``case.kind``."""
    out = []
    for shape in case.input_shapes:
        if case.kind == "ties":
            out.append(ties(shape, rng))
        elif case.kind == "nan":
            out.append(with_nan(shape, rng))
        elif random_kind == "distinct":
            out.append(distinct(shape, rng, scale))
        else:
            k = (lambda x, c=case: kink(x, c)) if kink is not None else None
            out.append(normal(shape, rng, scale, k))
    return out


def redraw_norm(m: Any, rng: np.random.Generator) -> None:
    """A batch/instance norm's parameters and running statistics away from the trivial
    ones/zeros: weight ~ U(0.5, 1.5), bias ~ N(0, 0.5), running mean ~ N(0, 0.5),
    running var ~ U(0.5, 2)."""
    c = m.num_features
    if m.affine:
        m.weight.copy_(_tensor(rng.uniform(0.5, 1.5, c)))
        m.bias.copy_(_tensor(rng.normal(0, 0.5, c)))
    if m.track_running_stats:
        m.running_mean.copy_(_tensor(rng.normal(0, 0.5, c)))
        m.running_var.copy_(_tensor(rng.uniform(0.5, 2.0, c)))


def _tensor(a: np.ndarray) -> Any:
    import torch       # the harness imports torch lazily: report workers set its threads first
    return torch.from_numpy(a)
