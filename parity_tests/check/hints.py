"""Hints for known failure patterns: one diagnosis per failing tensor, never for a passing one.

Each failing tensor is diagnosed on the first run where it fails: the run is replayed in
torch float64 on exactly the inputs, parameters and upstream gradients the layer saw (the
truth), and, for some patterns, on a variant of the torch module (kernel flipped, padding
+-1, momentum inverted ...): when the layer matches a variant, the variant names the bug.
Other rules read the arrays directly (a constant ratio, a transpose, an extra batch axis,
non-finite values, gradient on every tie), or ask finite differences of the layer's own
forward whether its backward is the derivative of that forward.
"""
from __future__ import annotations

import contextlib
import copy
import warnings
from typing import Any

import numpy as np

from . import rules, rules_layers
from .masks import apply_mask
from .replay import Ctx, replay, user_arrays
from .result import CheckResult
from ..harness.results import CaseResult, Row

RULES = rules.GENERIC + rules_layers.RULES + rules.LAST
PER_TENSOR = 2          # hints kept per failing tensor
TOTAL = 8


def _forward(session: Any):
    """torch forward for the replay: a recorded dropout mask, else the spec's own."""
    def run(module: Any, xs: list, seed: int, step: Any) -> Any:
        mask = step.kwargs.get("mask")
        if mask is not None and getattr(module, "training", False) and hasattr(module, "p"):
            return apply_mask(xs[0], mask, float(module.p))
        spec = session.ref.spec
        return spec.torch_forward(module, xs, seed) if spec.torch_forward else module(*xs)
    return run


def diagnose(session: Any, res: CaseResult, row: Row, adapter: Any) -> list[str]:
    """Hints for one failing tensor of one run."""
    import torch
    ctx = adapter.ctx
    case, spec = ctx.case, session.ref.spec
    base, _, step = row.tensor.partition("@")
    build = spec.torch_module
    fwd = _forward(session)
    with _quiet(), torch.random.fork_rng():
        truth = replay(spec, case, res.dtype, res.mode, adapter.trace, session.seed, build,
                       forward=fwd)
        module = build(case)
    c = Ctx(spec, case, res.dtype, res.mode, res, row, base, int(step) - 1 if step else 0,
            adapter.trace, user_arrays(adapter.trace), truth, module,
            lambda modify: replay(spec, case, res.dtype, res.mode, copy.deepcopy(adapter.trace),
                                  session.seed, build, modify, forward=fwd),
            set(adapter.dropped), adapter, session)
    out: list[str] = []
    for rule in RULES:
        try:
            with _quiet():
                h = rule(c)
        except Exception:  # noqa: BLE001 - a rule that cannot read the arrays says nothing
            h = None
        if h and h not in out:
            out.append(h)
        if len(out) >= PER_TENSOR:
            break
    return out


def hints_for(session: Any, result: CheckResult, adapters: dict) -> list[str]:
    """Hints for every failing tensor (each on the first run where it fails)."""
    seen: dict[str, tuple[CaseResult, Row]] = {}
    for res in result.results:
        for row in res.rows:
            if not row.passed:
                seen.setdefault(row.tensor.partition("@")[0], (res, row))
    hints: list[str] = []
    for res, row in seen.values():
        adapter = adapters.get((res.case, res.dtype, res.mode))
        if adapter is None:
            continue
        for h in diagnose(session, res, row, adapter):
            if h not in hints:
                hints.append(h)
        if len(hints) >= TOTAL:
            break
    return hints[:TOTAL]


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield
