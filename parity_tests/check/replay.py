"""Replay a traced run in torch float64 (the truth, or a variant of the torch module) and
collect the user layer's arrays of the same run, keyed like the report's rows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .trace import Trace
from ..harness.results import CaseResult, Row
from ..harness.runner import stable_seed
from ..harness.spec import Case, ParitySpec

Arrays = dict[str, Any]


def as_f64(x: Any) -> Any:
    """A float array as float64 (the replay's truth dtype); anything else unchanged."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x.astype(np.float64)
    return x


def close(a: Any, b: Any, f32: bool, loose: bool = False) -> bool:
    """Same shape and equal up to float32 (or float64) rounding noise, NaN equal to NaN."""
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray) or a.shape != b.shape:
        return False
    a, b = a.astype(np.float64), b.astype(np.float64)
    fin = np.isfinite(b)
    scale = float(np.abs(b[fin]).max()) if fin.any() else 1.0
    # Only chooses a hint (does a variant of torch explain the numbers?), never a verdict:
    # the variants differ from the real layer by O(1) relative (eps-sized for eps placement,
    # which has its own array-based hint), while float32 rounding of a K-term sum is about
    # eps32 * sqrt(K) of the tensor's scale: 1e-5 at K = 7000, beyond the suite's longest
    # sums (4608). 1e-4 separates the two with room on both sides.
    rtol = 1e-4 if f32 else 1e-9
    if loose:           # which layout reproduces torch at all (a wrong one is O(1) off)
        rtol = 1e-2
    return bool(np.allclose(a, b, rtol=rtol, atol=rtol * max(scale, 1e-12), equal_nan=True))


def replay(spec: ParitySpec, case: Case, dtype: str, mode: str, trace: Trace, seed: int,
           build: Callable[[Case], Any], modify: Callable[[Any], Any] | None = None,
           forward: Callable[[Any, list, int, Any], Any] | None = None) -> list[Arrays] | None:
    """torch float64 on the trace's inputs: per step the output(s), buffers, grad_input and
    parameter gradients, keyed like the rows. ``modify(module)`` makes a variant;
    ``forward(module, inputs, seed, step)`` replaces ``module(*inputs)`` (a dropout mask)."""
    import torch
    with torch.random.fork_rng():
        t = build(case).double()
    t.train(mode == "train")
    state = {k: torch.from_numpy(np.array(as_f64(v))) for k, v in trace.initial.items()}
    t.load_state_dict(state, strict=False)
    try:
        if modify is not None:
            with torch.no_grad():
                if modify(t) is False:
                    return None
        case_seed = stable_seed(seed, spec.name, case.id, dtype, mode)
        out = []
        for k, step in enumerate(trace.steps):
            xs = [torch.from_numpy(np.array(as_f64(x))) for x in step.inputs]
            xs = [x.requires_grad_(True) if x.is_floating_point() else x for x in xs]
            fseed = stable_seed(case_seed, k)
            if forward is not None:
                y = forward(t, xs, fseed, step)
            else:
                y = spec.torch_forward(t, xs, fseed) if spec.torch_forward else t(*xs)
            ys = tuple(y) if isinstance(y, (tuple, list)) else (y,)
            rec: Arrays = {"output": ys[0].detach().numpy().copy()}
            if len(ys) > 1:
                rec["indices"] = ys[1].detach().numpy().copy()
            rec.update({n: b.detach().numpy().copy() for n, b in t.named_buffers()})
            if step.dy is not None and ys[0].requires_grad:
                ys[0].backward(torch.from_numpy(as_f64(step.dy)))
                for i, x in enumerate(xs):
                    if x.grad is not None:
                        rec["grad_input" if len(xs) == 1 else f"grad_input{i}"] = x.grad.numpy().copy()
                rec.update({f"grad_{n}": p.grad.numpy().copy()
                            for n, p in t.named_parameters() if p.grad is not None})
            out.append(rec)
        return out
    except Exception:  # noqa: BLE001 - an invalid variant is simply not a match
        return None


def user_arrays(trace: Trace) -> list[Arrays]:
    """The layer's arrays per step, keyed like the rows."""
    out = []
    for step in trace.steps:
        ys = step.output if isinstance(step.output, (tuple, list)) else (step.output,)
        rec: Arrays = {"output": ys[0]}
        if len(ys) > 1:
            rec["indices"] = ys[1]
        rec.update(step.buffers)
        dx = step.dx if isinstance(step.dx, (tuple, list)) else (step.dx,)
        if len(step.inputs) == 1:
            rec["grad_input"] = dx[0]
        else:
            rec.update({f"grad_input{i}": d for i, d in enumerate(dx)})
        rec.update({f"grad_{n}": g for n, g in step.grads.items()})
        out.append(rec)
    return out


@dataclass
class Ctx:
    spec: ParitySpec
    case: Case
    dtype: str
    mode: str
    res: CaseResult
    row: Row | None
    tensor: str            # failing tensor without its @step
    step: int
    trace: Trace
    user: list[Arrays]
    ref: list[Arrays] | None
    module: Any            # the torch module (float32), to read its attributes
    variant: Callable[[Callable[[Any], Any]], list[Arrays] | None]
    dropped: set
    adapter: Any = None    # the user's layer behind its adapter (finite differences)
    session: Any = None

    @property
    def f32(self) -> bool:
        return self.dtype == "float32"

    def pair(self, tensor: str | None = None) -> tuple[Any, Any]:
        t = tensor or self.tensor
        if self.ref is None or self.step >= len(self.user) or self.step >= len(self.ref):
            return None, None
        return self.user[self.step].get(t), self.ref[self.step].get(t)

    def matches(self, modify: Callable[[Any], Any]) -> bool:
        var = self.variant(modify)
        a = self.user[self.step].get(self.tensor) if self.step < len(self.user) else None
        return bool(var) and self.step < len(var) and close(a, var[self.step].get(self.tensor), self.f32)
