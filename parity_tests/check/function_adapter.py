"""A forward function, with its ``*_backward`` partner or forward only, driven as a Module:
the adapter holds the state in torch's layout and passes it in the function's."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from . import names
from .adapters import RNGState, UserAdapter, draw_inputs
from .binding import Binding
from .context import Context
from .layout import IDENTITY, candidates, expr_layout

class FunctionCtx:
    """The ``ctx`` of an autograd.Function-style layer: ``save_for_backward(*arrays)`` keeps
    them as ``saved_tensors``; any other attribute can be set on it."""

    def __init__(self) -> None:
        self.saved_tensors: tuple = ()
        self.needs_input_grad = (True,) * 8

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays

    def mark_dirty(self, *arrays: Any) -> None:
        pass

    mark_non_differentiable = mark_dirty

    @property
    def saved_variables(self) -> tuple:
        return self.saved_tensors


class FunctionAdapter(UserAdapter):
    """A forward function, with its ``*_backward`` partner or forward only."""

    def __init__(self, ctx: Context, fwd: Callable, bwd: Callable | None,
                 fwd_binding: Binding, bwd_binding: Binding | None) -> None:
        super().__init__(ctx)
        self.fwd, self.bwd = fwd, bwd
        self.fwd_binding, self.bwd_binding = fwd_binding, bwd_binding
        self.forward_only = bwd is None
        self.state: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self.args: dict[str, np.ndarray] = {}       # last call's user-layout arrays
        self.reads: set[str] = set()
        self.keys: dict[str, str] = {}              # role -> the dict key the layer reads
        self._raised = False          # every call so far raised (before reading its dict?)
        self._probe()
        roles = self.taken()
        for t in ctx.shapes:
            if t in roles:
                self.state[t] = np.zeros(ctx.shapes[t])
            elif t in ctx.params:
                self.missing.add(t)
            else:
                self.dropped.add(t)
        self.mode_takes = "training" in roles or "use_input_stats" in roles
        self.grads = OrderedDict((t, None) for t in self.state if t in ctx.params)
        held = [t for t, b in ((t, fwd_binding.param_for(t)) for t in ctx.absent)
                if b is not None and b.default is not None]   # bias=False: b held at 0
        for t in list(self.state) + held:
            shape = ctx.shapes.get(t) or ctx.absent[t]
            lays = candidates(shape, None)
            pref = ctx.prefs.layouts.get(t)
            if t in ctx.prefs.param_map:
                self.layouts[t] = expr_layout(ctx.prefs.param_map[t], shape, None)
            else:
                self.layouts[t] = pref or lays[0]
                if len(lays) > 1 and pref is None:
                    self.alternatives[t] = lays
        for t in self.state:
            ctx.prefs.mapping.setdefault(t, self.describe_slot(t))

    def describe_slot(self, t: str) -> str:
        """torch's tensor ``t`` as an expression of what the function receives: 'w.T'."""
        b = self.fwd_binding.param_for(t)
        where = b.param if b is not None else f"{self._dict_name()}[{self.keys.get(t, t)!r}]"
        return self.layouts[t].describe(where, self.ctx.shapes[t])

    def _dict_name(self) -> str:
        return next((b.param for b in self.fwd_binding.bound if b.how == "dict"), "dict")

    def taken(self) -> set[str]:
        out = self.fwd_binding.roles() | self.reads
        if self.fwd_binding.has("dict") and not self.reads and self._raised:
            out |= set(self.ctx.ref.roles)    # raised before reading its dict: unknown, so
                                              # the run decides (a raise on a feature)
        if self.bwd_binding is not None:
            out |= {b.role for b in self.bwd_binding.bound if b.role}
        if any(t in self.ctx.params for t in out):
            out |= set(names.SHAPE_OPTIONS)
        return out

    def _probe(self) -> None:
        """Call the forward once per mode on drawn inputs to learn which options and
        buffers it reads from its option dicts (nothing is kept)."""
        self._raised = True
        alts = {t: candidates(shape, None) for t, shape in self.ctx.shapes.items()
                if self.fwd_binding.param_for(t) is None and t not in self.ctx.prefs.param_map}
        for k in range(max([len(a) for a in alts.values()] + [1])):
            # arrays read from a dict: a raise in one layout (x @ params['W'] with W
            # (in, out)) may stop the call before it reads the rest, so try the others
            self.layouts = {t: a[min(k, len(a) - 1)] for t, a in alts.items()}
            for mode in ("train", "eval"):
                try:
                    with RNGState():
                        self._call(draw_inputs(self.ctx), mode, probe=True)
                    self._raised = False
                except Exception:  # noqa: BLE001 - the real run reports what a layer raises
                    pass
            if not self._raised:
                break
        self.layouts = {}

    def _values(self, xs: list, mode: str) -> dict[str, Any]:
        ctx = self.ctx
        values = {**ctx.options(mode), **self._inputs_values(xs)}
        state = self.state if self.state else {t: np.zeros(s, ctx.dtype) for t, s in ctx.shapes.items()}
        self.args = {}
        for t, a in state.items():
            arr = self.layouts.get(t, IDENTITY).to_user(np.asarray(a, dtype=a.dtype))
            self.args[t] = np.array(arr, copy=True)
            values[t] = self.args[t]
        for t, shape in ctx.absent.items():
            b = self.fwd_binding.param_for(t)
            held = t in self.reads if b is None else b.default is not None   # dict-read: held
            values[t] = self.layouts.get(t, IDENTITY).to_user(
                np.full(shape, names.NEUTRAL[t], ctx.dtype)) if held else None
        return values

    def _call(self, xs: list, mode: str, probe: bool = False) -> Any:
        values = self._values(xs, mode)
        self.fn_ctx = FunctionCtx() if self.fwd_binding.has("ctx") else None
        try:
            ret = self.fwd_binding.call(self.fwd, values, {"mask": self.mask, "dtype": self.ctx.dtype,
                                                          "ctx": self.fn_ctx})
        finally:
            for d in self.fwd_binding.dicts:
                self.reads |= d.read
                self.keys.update(d.keys)
        self._raised = False
        if not probe:
            self._read_back()
        return ret

    def _read_back(self) -> None:
        """Buffers the call updated: written into an option dict, or the array passed in."""
        writes: dict[str, Any] = {}
        for d in self.fwd_binding.dicts:
            writes.update(d.role_writes())
        for t in list(self.state):
            if t in self.ctx.params:
                continue
            v = writes.get(t, self.args.get(t))
            if isinstance(v, np.ndarray):
                self.state[t] = self.layouts[t].to_torch(np.array(v, copy=True), self.ctx.shapes[t])
            elif v is not None and np.isscalar(v):
                self.state[t] = np.asarray(v, dtype=self.state[t].dtype)

    def _returned_buffers(self, ret: Any) -> Any:
        """d2l's ``return Y, moving_mean, moving_var``: a forward that takes the running
        statistics as arguments and returns their new values after the output."""
        bufs = [b.role for b in self.fwd_binding.bound if b.role in self.state
                and b.role not in self.ctx.params and b.index is None]
        if not bufs or not isinstance(ret, tuple) or len(ret) != 1 + len(bufs):
            return ret
        new = ret[1:]
        if not all(isinstance(v, np.ndarray) and v.size == self.state[t].size
                   for t, v in zip(bufs, new)):
            return ret
        for t, v in zip(bufs, new):
            self.state[t] = self.layouts[t].to_torch(np.array(v, copy=True), self.ctx.shapes[t])
        return ret[0]

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        return OrderedDict((t, np.array(v, copy=True)) for t, v in self.state.items())

    def load_state_dict(self, state: dict[str, Any]) -> "FunctionAdapter":
        for t in self.state:
            if t in state:
                self.state[t] = np.array(state[t], copy=True)
        self.trace.initial = {t: np.array(state[t], copy=True) for t in self.state if t in state}
        return self

    def train(self, mode: bool = True) -> "FunctionAdapter":
        self._training = bool(mode)
        self.ctx.mode = "train" if mode else "eval"
        return self

    def __call__(self, *xs: Any, **kwargs: Any) -> Any:
        ret = self._call(list(xs), self.ctx.mode)
        ret = self._returned_buffers(self._plain(ret))
        y = self._split_output(ret)
        if self.fn_ctx is not None:           # backward(ctx, grad): the context is the cache
            self.cache = self.fn_ctx
        self._loss_and_grad(y, xs)
        y = tuple(self._to_torch(v) for v in y) if isinstance(y, tuple) else self._to_torch(y)
        self._record(list(xs), y, kwargs)
        self._forward_args = (list(xs), self.ctx.mode)
        return y

    def _loss_and_grad(self, y: Any, xs: list) -> None:
        """CS231n's ``softmax_loss(x, y) -> (loss, dx)``: a loss without a backward whose
        forward returns its input gradient beside the scalar loss."""
        if self.bwd is not None:
            return
        x = self._to_user(xs[0]) if xs else None
        g = self.cache
        self.forward_only = not (np.ndim(y) == 0 and isinstance(g, np.ndarray)
                                 and isinstance(x, np.ndarray) and g.shape == x.shape)
        if not self.forward_only:
            self.ctx.prefs.note("the forward returns (loss, dx): dx is the gradient")

    def backward(self, dy: np.ndarray) -> Any:
        if self.bwd is None:                  # (loss, dx) from the forward
            dx = self.cache
            if len(self.ctx.ref.inputs()) > 1:
                dx = (dx,) + (None,) * (len(self.ctx.ref.inputs()) - 1)
            return self._finish_backward(dy, dx, {}, np.asarray(dy))
        xs, mode = self._forward_args
        values = self._values(xs, mode)
        dy_user, scale = self._upstream(dy)
        mask = self.cache if isinstance(self.cache, np.ndarray) else self.mask  # (out, mask)
        ret = self.bwd_binding.call(self.bwd, values, {"grad_output": dy_user, "mask": mask,
                                                      "cache": self.cache, "dtype": self.ctx.dtype})
        order = [b.role for b in self.fwd_binding.bound
                 if b.role in self.ctx.ref.roles and self.ctx.ref.roles[b.role].kind in
                 ("input", "param") and b.index is None]
        order += [t for t in self.grads if t not in order and t in self.reads]   # dict-read
        ret = self._plain(ret)
        if isinstance(ret, tuple) and any(isinstance(r, dict) for r in ret):
            ret = _with_dicts(ret, order, self.ctx.ref.roles)      # (dparams, dx)
        elif isinstance(ret, dict):
            ret = _from_dict(ret, order, self.ctx.ref.roles)
        rets = list(ret) if isinstance(ret, (tuple, list)) else [ret]
        rets = self._by_shape(rets, order, values)
        by_role = dict(zip(order, rets))
        ins = self.ctx.ref.inputs()
        dx = tuple(by_role.get(r) for r in ins) if len(ins) > 1 else by_role.get(ins[0], rets[0])
        grads = {t: by_role.get(t) for t in self.grads}
        for t, g in grads.items():
            if g is not None and not isinstance(g, (np.ndarray, np.generic)):
                grads[t] = None
        return self._finish_backward(dy, dx, grads, scale)

    def describe_args(self) -> str:
        return ", ".join(b.describe() for b in self.fwd_binding.bound)

    def _by_shape(self, rets: list, order: list[str], values: dict) -> list:
        """The returned gradients in the forward's argument order: as returned, unless
        exactly one assignment gives every array its argument's shape (``return dw, db, dx``
        for ``forward(x, w, b)``); a case where shapes cannot tell (all (1, 1)) keeps the
        assignment an earlier case settled."""
        shapes = [np.shape(values[r]) if isinstance(values.get(r), np.ndarray) else None
                  for r in order]
        if min(len(rets), len(order)) < 2 or None in shapes:
            return rets
        fits = [[i for i in range(len(rets)) if isinstance(rets[i], np.ndarray)
                 and rets[i].shape == s] for s in shapes]
        picks = [f[0] if len(f) == 1 else None for f in fits]
        orders = self.ctx.prefs.orders
        if None in picks or len(set(picks)) != len(picks):
            picks = orders.get("grads")
            if picks is None or not all(p < len(rets) and p in f for p, f in zip(picks, fits)):
                return rets
        orders["grads"] = picks
        if picks != list(range(len(picks))):
            self.ctx.prefs.note(
                f"the backward returns the gradients of {', '.join(order)} in the order "
                f"{', '.join(order[picks.index(i)] for i in sorted(picks))} (matched by shape)")
        return [rets[i] for i in picks] + [r for i, r in enumerate(rets) if i not in picks]


def _with_dicts(ret: tuple, order: list[str], roles: dict) -> list:
    """``({'w': dw, 'b': db}, dx)``: the gradients of the arrays a dict holds, by their
    names, and the arrays beside the dict, in order, for the arguments the dict left."""
    merged: dict = {}
    for r in ret:
        if isinstance(r, dict):
            merged.update(r)
    named = _from_dict(merged, order, roles)
    rest = iter(r for r in ret if not isinstance(r, dict))
    return [g if g is not None else next(rest, None) for g in named]


def _from_dict(ret: dict, order: list[str], roles: dict) -> list:
    """{'dx': .., 'dw': .., 'db': ..} -> [dx, dw, db] in ``order``."""
    out = []
    for r in order:
        hit = None
        for k, v in ret.items():
            base = k[1:] if k.startswith("d") and len(k) > 1 else k.replace("grad_", "")
            m = names.match(base, {r}) or names.match(k, {r})
            if m is not None:
                hit = v
                break
        out.append(hit)
    return out
