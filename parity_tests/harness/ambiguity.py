"""Internal kinks and ties that float32 cannot resolve: found in the float64 truth, then
moved away by a small change of the inputs.

A network's float32 gradient is well defined only where every internal ReLU-like input
is clearly on one side of its kink and every max-pooling window has a clear winner. Deep
in a network the float32 forward carries an error ``delta`` (torch float32 against the
float64 truth, per internal tensor); where the truth lies within ``MARGIN * delta`` of a
kink (or two window values within ``MARGIN * delta`` of each other), float32 may take the
other branch, and a train-mode BatchNorm then spreads the flipped gradient everywhere. That
is not a bug of either float32 side, but a draw no float32 code can be judged on. Exact
ties and exact kink values (zeros out of a ReLU, pooled again) are no such place: every
float32 side has them too and follows torch's rule there, which the suite pins.

``separate`` finds those places and moves the inputs and parameters (by a minimum-norm step
along the gradients of the ambiguous quantities) until each is at least ``TARGET * delta``
away, then rounds them back to float32 and checks again. ``MARGIN`` is the tolerance
policy's ``RATIO``: NumPy float32 may err up to 4 times torch's error, so an element
closer than that is undecided. Redrawing the whole input instead would rarely succeed: a
GoogLeNet at width 8 has 3-12 such elements per draw, a small MobileNetV2 up to 35.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .tolerance import EPS32, RATIO

MARGIN = RATIO          # undecided: closer to a kink than this many torch float32 errors
TARGET = 2 * RATIO      # where a nudge moves each undecided quantity
MAX_NUDGES = 4          # nudge-and-check rounds before giving up
MAX_UNDECIDED = 96      # more than this: one backward each is too slow; give up
MAX_STEP = 1e-2         # a step over 1% of a tensor's max|value| is no nudge: give up

_KINKS = {"relu": (0.0,), "relu_": (0.0,), "leaky_relu": (0.0,), "leaky_relu_": (0.0,),
          "prelu": (0.0,), "elu": (0.0,), "selu": (0.0,), "celu": (0.0,),
          "relu6": (0.0, 6.0), "hardswish": (-3.0, 3.0), "hardsigmoid": (-3.0, 3.0)}
_POOLS = {"max_pool1d", "_max_pool1d", "max_pool1d_with_indices",
          "max_pool2d", "_max_pool2d", "max_pool2d_with_indices"}


def _recorder(pins: dict | None = None):
    """A torch function mode that keeps a copy of the input of every kink op and pool.
    ``pins`` maps a record's number to ``(mask, values)``: that op's input takes ``values``
    where ``mask`` is set (its gradient still flows through as if unchanged)."""
    import torch
    from torch.overrides import TorchFunctionMode

    class Recorder(TorchFunctionMode):
        def __init__(self) -> None:
            super().__init__()
            self.records: list[tuple[str, Any, tuple]] = []

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name = getattr(func, "__name__", "")
            x = args[0] if args else kwargs.get("input")
            if isinstance(x, torch.Tensor) and x.is_floating_point():
                if pins and len(self.records) in pins and (name in _KINKS or name in (
                        "hardtanh", "hardtanh_", "clamp")):
                    mask, values = pins[len(self.records)]
                    x = x + torch.where(mask, values - x.detach(), torch.zeros_like(values))
                    args, kwargs = ((x, *args[1:]), kwargs) if args else (args, {**kwargs,
                                                                               "input": x})
                if name in _KINKS:
                    self.records.append(("kink", x.clone(), _KINKS[name]))
                elif name in ("hardtanh", "hardtanh_", "clamp"):
                    self.records.append(("kink", x.clone(), _bounds(name, args, kwargs)))
                elif name in _POOLS:
                    self.records.append(("pool", x.clone(), _pool_params(name, args, kwargs)))
            return func(*args, **kwargs)
    return Recorder()


def recorder(pins: dict | None = None) -> Any:
    """A torch function mode whose ``records`` list the input of every kink op and pool run
    under it (for ``branch_flips``); ``pins`` (from ``kink_pins``) set some of those inputs."""
    return _recorder(pins)


def _bounds(name: str, args: tuple, kwargs: dict) -> tuple[float, ...]:
    """The number bounds of hardtanh (default -1, 1) or clamp (tensor bounds are skipped)."""
    keys, default = (("min_val", "max_val"), (-1.0, 1.0)) if name.startswith("hardtanh") \
        else (("min", "max"), (None, None))
    vals = [kwargs.get(k, args[i + 1] if len(args) > i + 1 else default[i])
            for i, k in enumerate(keys)]
    return tuple(float(v) for v in vals if isinstance(v, (int, float)))


def _pool_params(name: str, args: tuple, kwargs: dict) -> tuple:
    """(dims, kernel, stride, padding, dilation, ceil_mode), each spatial one a tuple."""
    dims = 1 if "1d" in name else 2
    names = ("kernel_size", "stride", "padding", "dilation", "ceil_mode")
    given = dict(zip(names, args[1:]), **{k: v for k, v in kwargs.items() if k in names})

    def tup(v: Any) -> tuple[int, ...]:
        return tuple(int(i) for i in v) if isinstance(v, (tuple, list)) else (int(v),) * dims
    k = tup(given["kernel_size"])
    s = tup(given.get("stride") or k)
    return (dims, k, s, tup(given.get("padding", 0)), tup(given.get("dilation", 1)),
            bool(given.get("ceil_mode", False)))


def _window_gaps(x: Any, params: tuple) -> Any:
    """Differentiable gap between the largest and second largest value of every window."""
    win = _windows(x, params)
    if win is None:
        return None
    top = win.topk(2, dim=-1).values
    return top[..., 0] - top[..., 1]


def _windows(x: Any, params: tuple) -> Any:
    """Every pooling window's values, ``(..., outs..., k*k)``; None for 1-tap windows."""
    import torch
    dims, k, s, p, d, ceil = params
    lead = x.dim() - dims
    for axis in range(dims):
        dim = lead + axis
        n = x.shape[dim]
        span = d[axis] * (k[axis] - 1) + 1
        out = (n + 2 * p[axis] - span + (s[axis] - 1 if ceil else 0)) // s[axis] + 1
        if ceil and (out - 1) * s[axis] >= n + p[axis]:
            out -= 1
        right = max(0, (out - 1) * s[axis] + span - n - p[axis])
        pads = [0, 0] * (x.dim() - dim - 1) + [p[axis], right]
        x = torch.nn.functional.pad(x, pads, value=-math.inf)
        x = x.unfold(dim, span, s[axis])[..., ::d[axis]]          # (..., out, ..., k)
    if math.prod(k) < 2:
        return None
    return x.reshape(*x.shape[:x.dim() - dims], -1)                # (..., outs..., k*k)


def kink_pins(truth: list, other: list) -> dict | None:
    """For a run (``other``) that put some ReLU-like inputs on another side of their kink than
    the truth: per record number, the mask of those elements and a value for them on the
    truth's side (the truth rounded to the run's dtype, at least one unit from the kink).
    None where pooling windows differ too or the records do not pair up."""
    import torch
    if len(truth) != len(other) or any(a[0] != b[0] for a, b in zip(truth, other)):
        return None
    pins = {}
    for i, ((kind, x64, extra), (_, x32, _)) in enumerate(zip(truth, other)):
        if kind == "pool":
            if _pool_flips(x64.detach().double(), x32.detach().double(), extra):
                return None
            continue
        a = x64.detach().double()
        mask = torch.zeros(a.shape, dtype=torch.bool)
        want = a.to(x32.dtype)
        for kink in extra:
            sa, sb = torch.sign(a - kink), torch.sign(x32.detach().double() - kink)
            flip = (sa != sb) & (sa != 0)
            if flip.any():
                k = torch.full_like(want, kink)
                off = torch.nextafter(k, k + sa.to(want.dtype))     # one unit on its side
                good = torch.sign(want.double() - kink) == sa
                want = torch.where(flip & ~good, off, want)
                mask |= flip
        if mask.any():
            pins[i] = (mask, want)
    return pins


def _pool_flips(a: Any, b: Any, params: tuple) -> int:
    """Windows whose winner in ``b`` is not the truth's (``a``'s) clear winner."""
    wa, wb = _windows(a, params), _windows(b, params)
    if wa is None:
        return 0
    top = wa.topk(2, dim=-1)
    clear = (top.values[..., 0] - top.values[..., 1]) > 0
    return int(((top.indices[..., 0] != wb.argmax(dim=-1)) & clear).sum())


def branch_flips(truth: list, other: list) -> int:
    """How many internal kinks and pooling windows another run (``_record`` lists) resolved
    to another side than the truth: a ReLU-like input on the other side of its kink (the
    truth's exact kink values aside), or another window winner where the truth has a clear
    one. Records that do not pair up (another sequence of ops) count as one flip."""
    import torch
    if len(truth) != len(other) or any(a[0] != b[0] for a, b in zip(truth, other)):
        return 1
    flips = 0
    for (kind, x64, extra), (_, x32, _) in zip(truth, other):
        a, b = x64.detach().double(), x32.detach().double()
        if kind == "kink":
            for kink in extra:
                sa, sb = torch.sign(a - kink), torch.sign(b - kink)
                flips += int(((sa != sb) & (sa != 0)).sum())
            continue
        flips += _pool_flips(a, b, extra)
    return flips


def _undecided(rec64: list, rec32: list) -> list[tuple[Any, float]]:
    """(quantity, target) for every undecided element: kink distance or window gap."""
    out = []
    if len(rec64) != len(rec32) or any(a[0] != b[0] for a, b in zip(rec64, rec32)):
        return out                          # the two runs took different paths: no pairing
    for (kind, x64, extra), (_, x32, _) in zip(rec64, rec32):
        err = float((x32.double() - x64.detach()).abs().max()) if x64.numel() else 0.0
        scale = float(x64.detach().abs().max()) if x64.numel() else 0.0
        delta = max(err, EPS32 * scale)
        if delta == 0.0:
            continue
        if kind == "kink":
            for kink in extra:
                q = (x64 - kink).flatten()
                qd = q.detach()
                near = (qd.abs() < MARGIN * delta) & (qd != 0)    # exact: clamped, as torch
                for i in np.flatnonzero(near.numpy()):
                    out.append((q[int(i)], (1.0 if qd[int(i)] >= 0 else -1.0) * TARGET * delta))
        else:
            gaps = _window_gaps(x64, extra)
            if gaps is None:
                continue
            g = gaps.flatten()
            gd = g.detach()
            for i in np.flatnonzero(((gd < MARGIN * delta) & (gd != 0)).numpy()):
                out.append((g[int(i)], TARGET * delta))
    return out


def applies(module: Any) -> bool:
    """Internal activations exist: the module has children or a forward of its own."""
    if getattr(module, "single_op", False):
        return False
    return any(True for _ in module.children()) or not type(module).__module__.startswith("torch.")


def _record(model: Any, xs: list[np.ndarray], grad: bool) -> tuple[list, list]:
    import torch
    ts = [torch.from_numpy(x.copy()).requires_grad_(grad and x.dtype.kind == "f") for x in xs]
    rec = _recorder()
    with torch.set_grad_enabled(grad), rec:
        model(*ts)
    return rec.records, ts


def separate(t64: Any, t32: Any, xs: list[np.ndarray]
             ) -> tuple[list[np.ndarray], int, dict[str, np.ndarray]]:
    """Float32-representable inputs (float64 arrays) and parameters at which no internal
    kink or window tie of ``t64`` (the float64 truth) is undecided against ``t32``'s
    float32 error: ``(xs, nudges, params)``, ``params`` the float32 values of the changed
    parameters by name (already set in ``t64``/``t32``). The step moves inputs and
    parameters together (where a deep signal hardly depends on the input, as in an eval-mode
    network, only the weights can move it). ``nudges`` is -1, and nothing is changed, when
    undecided places remain after MAX_NUDGES rounds or a step would not be small (over
    MAX_STEP of a tensor's largest value). The models run as they are: pass copies (a
    train-mode BatchNorm updates its running statistics)."""
    import torch
    given, xs = xs, list(xs)
    named = [(k, p) for k, p in t64.named_parameters() if p.requires_grad]
    p32 = dict(t32.named_parameters())
    start = {k: p.detach().clone() for k, p in named}
    for nudge in range(MAX_NUDGES + 1):
        rec32, _ = _record(t32, [x.astype(np.float32) if x.dtype.kind == "f" else x
                                 for x in xs], grad=False)
        rec64, ts = _record(t64, xs, grad=True)
        todo = _undecided(rec64, rec32)
        if not todo:
            changed = {k: p32[k].detach().numpy().copy() for k, p in named
                       if not torch.equal(p.detach(), start[k])}
            return xs, nudge, changed
        leaves = [t for t in ts if t.requires_grad] + [p for _, p in named]
        step = _step(todo, leaves) if nudge < MAX_NUDGES and len(todo) <= MAX_UNDECIDED else None
        if step is None:
            break
        at = 0
        for i, x in enumerate(xs):
            if x.dtype.kind == "f":
                xs[i] = (x + step[at].reshape(x.shape)).astype(np.float32).astype(np.float64)
                at += 1
        with torch.no_grad():
            for (k, p), d in zip(named, step[at:]):
                new = (p + torch.from_numpy(d.reshape(p.shape))).float()
                p32[k].copy_(new)
                p.copy_(new.double())
    with torch.no_grad():                       # undecided: leave everything as it was
        for k, p in named:
            p.copy_(start[k])
            p32[k].copy_(start[k].float())
    return given, -1, {}


def _step(todo: list, leaves: list) -> list[np.ndarray] | None:
    """Minimum-norm change of the leaves that moves every undecided quantity to its target
    (to first order), one array per leaf; None when some leaf would move by more than
    MAX_STEP of its largest value."""
    import torch
    rows = []
    for q, _ in todo:                       # one row of dq/dleaves per undecided element
        gs = torch.autograd.grad(q, leaves, retain_graph=True, allow_unused=True)
        rows.append(np.concatenate([np.zeros(t.numel()) if g is None else
                                    g.detach().numpy().ravel() for g, t in zip(gs, leaves)]))
    G = np.stack(rows)                                               # (k, leaf values)
    want = np.array([t - float(q.detach()) for q, t in todo])      # (k,)
    flat = G.T @ np.linalg.lstsq(G @ G.T, want, rcond=None)[0]
    out, at = [], 0
    for t in leaves:
        d = flat[at:at + t.numel()]
        at += t.numel()
        if not np.abs(d).max(initial=0.0) <= MAX_STEP * float(t.detach().abs().max()):
            return None
        out.append(d)
    return out
