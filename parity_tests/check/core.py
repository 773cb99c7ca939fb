"""The check itself: the spec's runs, each through the harness's ``run_case`` with the user's
layer behind an adapter, then coverage, hints and a verdict.

A ``Session`` holds what is shared by every run of one check (the reference, the target,
the bindings, the settled layouts) and gives ``run_case`` a copy of the spec whose hooks
build the user's layer, drive its forward, and inject into torch the dropout mask recovered
from the user's output when the layer cannot take one.
"""
from __future__ import annotations

import contextlib
import dataclasses
import warnings
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from . import coverage
from .adapters import UserAdapter, deep_probe
from .class_adapter import ClassAdapter
from .function_adapter import FunctionAdapter
from .binding import Binding, BindingError, bind
from .context import Context, MappingError, Prefs, build_context
from .hints import hints_for
from .masks import apply_mask, mask_row, recover_mask
from .layout import plausible, settles
from .reference import Reference
from .replay import close
from .result import CheckResult, NotCovered
from .targets import Target
from ..harness.results import CaseResult
from ..harness.runner import default_torch_forward, run_case
from ..harness.spec import Case

Run = tuple  # (Case, dtype, mode)


class Session:
    """Shared state of one check; ``spec`` is the spec ``run_case`` drives."""

    def __init__(self, ref: Reference, target: Target, prefs: Prefs, seed: int = 0) -> None:
        self.ref, self.target, self.prefs, self.seed = ref, target, prefs, seed
        self.current: UserAdapter | None = None
        self.masks: dict[int, np.ndarray] = {}
        self.last_mask: np.ndarray | None = None
        self.ctor: Binding | None = None
        self.fwd: Binding | None = None
        self.bwd: Binding | None = None
        self.spec = dataclasses.replace(ref.spec, torch_module=ref.spec.torch_module,
                                        numpy_module=self._numpy_module,
                                        torch_forward=self._torch_forward,
                                        numpy_forward=self._numpy_forward)

    # ------------------------------------------------------------------ building
    def _bindings(self, ctx: Context) -> None:
        if self.target.kind == "class" and self.ctor is None:
            self.ctor = bind(self.target.cls, self.ref, "ctor", explicit=self.prefs.args,
                             label=f"{self.target.label}()", skip=tuple(self.prefs.init),
                             positional=_ctor_order(self.ref), spatial=ctx.spatial)
        if self.target.kind == "function" and self.fwd is None:
            self.fwd = bind(self.target.fwd, self.ref, "function", explicit=self.prefs.args,
                            label=self.target.fwd.__name__, spatial=ctx.spatial)
            if self.target.bwd is not None:
                self.bwd = bind(self.target.bwd, self.ref, "backward",
                                explicit=self.prefs.args, label=self.target.bwd.__name__,
                                spatial=ctx.spatial)

    def build(self, case: Case, dtype: str) -> UserAdapter:
        ctx = build_context(self.ref, case, np.dtype(dtype), self.prefs, self.seed)
        self._bindings(ctx)
        if self.target.kind == "class":
            return ClassAdapter(ctx, cls=self.target.cls, ctor=self.ctor)
        if self.target.kind == "object":
            return ClassAdapter(ctx, obj=self.target.factory(case, np.dtype(dtype)))
        return FunctionAdapter(ctx, self.target.fwd, self.target.bwd, self.fwd, self.bwd)

    # ------------------------------------------------------------------ spec hooks
    def _numpy_module(self, case: Case, dtype: np.dtype) -> UserAdapter:
        if self.current is None or self.current.ctx.case.id != case.id:
            self.current = self.build(case, np.dtype(dtype).name)
        return self.current

    def _torch_forward(self, module: Any, xs: list, seed: int) -> Any:
        kind = self.ref.random
        if kind and module.training:
            mask = self._mask(module, xs, seed, kind)
            return apply_mask(xs[0], mask, float(module.p))
        if self.ref.spec.torch_forward is not None:
            return self.ref.spec.torch_forward(module, xs, seed)
        return default_torch_forward(module, xs, seed)     # inplace=True: on a copy

    def _mask(self, module: Any, xs: list, seed: int, kind: str) -> np.ndarray:
        if seed not in self.masks:
            adapter = self.current
            if adapter is not None and _takes_mask(adapter):
                import torch
                with torch.random.fork_rng():
                    torch.manual_seed(seed)
                    y = module(xs[0].detach().clone())
                keep = recover_mask(y.detach().numpy(), kind)
            else:
                x = xs[0].detach().numpy().astype(adapter.ctx.dtype)
                y = deep_probe(adapter, [x])
                keep = recover_mask(np.asarray(y[0] if isinstance(y, tuple) else y), kind)
            self.masks[seed] = keep
        self.last_mask = self.masks[seed]
        return self.masks[seed]

    def _numpy_forward(self, n: UserAdapter, xs: list, torch_outs: list) -> Any:
        n.n_outputs = len(torch_outs)
        if self.ref.random and n.training:
            n.mask = self.last_mask
        if not n.alternatives:
            return n(*xs)
        return self._settle(n, xs, torch_outs)

    def _settle(self, n: UserAdapter, xs: list, torch_outs: list) -> Any:
        """Pick among layouts the shapes cannot tell apart (a square matrix; the arrays a
        function receives): the first that runs and reproduces torch's output."""
        first: Any = None
        error: Exception | None = None
        saved = {t: v.copy() for t, v in n.state_dict().items()}
        initial = dict(n.trace.initial)
        combos = plausible(n.alternatives, n.ctx.shapes)
        for i, combo in enumerate(combos):
            n.layouts.update(dict(zip(n.alternatives, combo)))
            if i:
                n.trace.initial = initial
                n.load_state_dict(saved)
            try:
                y = n(*xs)
            except Exception as e:  # noqa: BLE001 - another layout may run
                error = error or e
                continue
            if first is None or (not first[2] and _same_shapes(y, torch_outs)):
                first = (combo, y, _same_shapes(y, torch_outs))
            if _matches(y, torch_outs, n.ctx.dtype):
                for t, lay in zip(n.alternatives, combo):
                    shape = n.ctx.shapes.get(t) or n.ctx.absent.get(t, ())
                    if settles(lay, n.alternatives[t], shape):
                        self.prefs.layouts[t] = lay
                        if t in n.ctx.shapes:
                            self.prefs.mapping[t] = n.describe_slot(t)
                n.alternatives = {}
                return y
            n.trace.steps.pop()
        if first is None:
            raise error
        combo, y, _ = first                      # none reproduces torch: the first that ran
        n.layouts.update(dict(zip(n.alternatives, combo)))
        n.trace.initial = initial
        n.load_state_dict(saved)
        n.alternatives = {}
        return n(*xs)


def _ctor_order(ref: Reference) -> list[str]:
    import inspect
    if ref.module is None:
        return list(ref.roles)
    return [n for n in inspect.signature(ref.module).parameters if n in ref.roles]


def _takes_mask(adapter: UserAdapter) -> bool:
    b = getattr(adapter, "fwd_binding", None)
    return b is not None and b.has("mask")


def _same_shapes(y: Any, torch_outs: list) -> bool:
    ys = y if isinstance(y, tuple) else (y,)
    return all(np.shape(a) == tuple(np.shape(t)) for a, t in zip(ys, torch_outs))


def _matches(y: Any, torch_outs: list, dtype: np.dtype) -> bool:
    ys = y if isinstance(y, tuple) else (y,)
    return all(close(np.asarray(a) if isinstance(a, np.ndarray) else a, np.asarray(t),
                     dtype == np.float32, loose=True)
               for a, t in zip(ys, torch_outs))


# ============================================================================= the check
def run_check(session: Session, runs: Iterable[Run], label: str, *, source: str = "spec",
              stop_at_first: bool = False, hints: bool = True) -> CheckResult:
    """Every run (not covered ones listed apart), then raise coverage, then hints."""
    ref = session.ref
    result = CheckResult(label, ref.label, source)
    records: list[tuple[Any, dict[str, str], str]] = []
    traces: dict[Any, UserAdapter] = {}
    runs = list(runs)
    for i, (case, dtype, mode) in enumerate(runs):
        key = (case.id, dtype, mode)
        session.masks = {}
        try:
            with quiet():
                adapter = session.build(case, dtype)
        except (BindingError, MappingError):
            if i == 0:
                raise                              # the layer cannot be checked at all
            adapter = None
            error = "building the NumPy layer raised " + _last_error()
        except Exception as e:  # noqa: BLE001 - a constructor that raises is the layer's
            adapter, error = None, f"building the NumPy layer raised {type(e).__name__}: {e}"
        if adapter is not None and adapter.missing and getattr(adapter, "prime_error", ""):
            adapter, error = None, f"NumPy forward raised {adapter.prime_error}"
        feats = coverage.features(ref, case, adapter.ctx.torch if adapter else
                                  _torch(session, case))
        if adapter is not None:
            adapter.train(mode == "train")
            cov = coverage.static(adapter, ref, case, adapter.ctx.torch, mode)
            if cov:
                result.not_covered.append(NotCovered(key, cov.reasons))
                continue
            session.current = adapter
            with quiet():
                res = run_case(session.spec, case, dtype, mode, session.seed)
            cov = coverage.static(adapter, ref, case, adapter.ctx.torch, mode)
            if cov:                                # options read from a dict: known now
                result.not_covered.append(NotCovered(key, cov.reasons, res.error))
                continue
            refused = coverage.refusal(res.error)
            if refused:                            # assert (W + 2*pad - k) % stride == 0
                result.not_covered.append(NotCovered(key, [refused], res.error))
                continue
            if ref.random and mode == "train":
                row = mask_row(list(session.masks.values()), res, case)
                if row is not None:
                    res.rows.append(row)
            traces[key] = adapter
        else:
            res = CaseResult(ref.spec.name, case.id, dtype, mode, error=error)
        result.results.append(res)
        records.append((key, feats, res.error or ""))
        if stop_at_first and not res.passed and not res.error:
            break                        # (a raise may turn out to be not covered)
    result.forward_only = bool(traces) and all(a.forward_only for a in traces.values())
    coverage.eval_backward(result)
    _raise_coverage(result, records)
    result.mapping = dict(session.prefs.mapping)
    result.notes += session.prefs.notes
    if session.target.kind == "function" and session.fwd is not None:
        result.arguments = ", ".join(b.describe() for b in session.fwd.bound)
    if hints:
        result.hints = hints_for(session, result, traces)
        keep = {(r.case, r.dtype, r.mode): r.passed for r in result.results}
        where = coverage.confined([(k, f, keep[k]) for k, f, _ in records if k in keep])
        if where:
            result.hints.insert(0, where)
        if result.results and all(r.error.startswith("NumPy forward raised")
                                  for r in result.results):
            result.hints.insert(0, coverage.all_raised(result, runs))
    return result


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """The layer's own warnings (0/0 in an empty batch) and torch's are not the verdict:
    the rows say what they led to."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _torch(session: Session, case: Case) -> Any:
    import torch
    with torch.random.fork_rng():
        return session.ref.spec.torch_module(case)


def _last_error() -> str:
    import sys
    e = sys.exc_info()[1]
    return f"{type(e).__name__}: {e}"


def _raise_coverage(result: CheckResult, records: list) -> None:
    """Runs that raise on a feature nothing else shares: not covered (with the exception)."""
    unc = coverage.raising_features(records)
    if not unc:
        return
    keep = []
    feats = {key: f for key, f, _ in records}
    for res in result.results:
        key = (res.case, res.dtype, res.mode)
        hit = [f for f in feats.get(key, {}).values() if f in unc]
        if res.error and hit:
            result.not_covered.append(NotCovered(key, hit, res.error))
        else:
            keep.append(res)
    result.results = keep


def select_runs(spec: Any, only: str | None, dtypes: Sequence[str] | None,
                modes: Sequence[str] | None) -> list[Run]:
    return [(c, d, m) for c, d, m in spec.runs()
            if (only is None or only in c.id) and (not dtypes or d in dtypes)
            and (not modes or m in modes)]
