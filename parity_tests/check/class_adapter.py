"""A user class (constructed from each case) or an object a factory built, driven as a
Module: its arrays found and mapped to torch's names, its forward and backward called
through bindings, its gradients read wherever it keeps them."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from . import access, names
from .adapters import RNGState, UserAdapter, draw_inputs
from .binding import Binding, bind, signature, takes_var_keyword
from .values import ModeStr
from .context import Context, MappingError
from .layout import IDENTITY, Layout, candidates, expr_layout

# Learning rate passed to a backward that applies its own update: a power of two (exact to
# divide by) large enough that the update dominates the weight, so the gradient read back
# from the change, (W0 - W1) / lr, keeps the gradient's own relative precision.
UPDATE_LR = 1024.0


class ClassAdapter(UserAdapter):
    """A user class (constructed here from the case) or an object a factory built."""

    def __init__(self, ctx: Context, cls: type | None = None, obj: Any = None,
                 ctor: Binding | None = None) -> None:
        super().__init__(ctx)
        self.cls = cls if cls is not None else type(obj)
        self.ctor_passed: dict[int, str] = {}
        self.ctor = ctor
        self.from_factory = obj is not None
        self.obj = obj if obj is not None else self._construct(ctor)
        self.module_like = access.is_module(self.obj)
        self.fwd, self.fwd_binding = self._method(names.FORWARD_NAMES, "function")
        bwd = self._method(names.BACKWARD_NAMES, "backward", required=False)
        self.bwd, self.bwd_binding = bwd if bwd else (None, None)
        self.forward_only = self.bwd is None
        self.mode_attr = None if self.module_like else access.mode_attribute(self.cls)
        self.mode_takes = self.module_like or self.mode_attr is not None or (
            "training" in self.fwd_binding.roles()) or self._mode_methods()
        self.slots: "OrderedDict[str, tuple]" = OrderedDict()
        self.neutral: dict[tuple, float] = {}
        self.primed = False
        self.prime_error = ""
        self.catcher = GradCatcher()
        self._map()
        self.grads = OrderedDict((t, None) for t in self.slots if t in ctx.params)

    # ------------------------------------------------------------------ construction
    def _construct(self, ctor: Binding | None) -> Any:
        ctx = self.ctx
        values: dict[str, Any] = dict(ctx.options("train"))
        if ctor is not None:
            for b in ctor.bound:
                r = b.role
                if r in ctx.shapes and ctx.ref.roles[r].kind in ("param", "buffer"):
                    arr = _torch_state(ctx)[r]
                    lay = ctx.prefs.layouts.get(r, IDENTITY)
                    values[r] = lay.to_user(arr)
                    self.layouts[r] = lay
                elif r in ctx.absent:
                    values[r] = None if b.default is None or isinstance(b.default, bool) \
                        else np.full(ctx.absent[r], names.NEUTRAL[r], ctx.dtype)
            extra = {"dtype": ctx.dtype}
            obj = ctor.call(self.cls, values, extra, fixed=ctx.prefs.init)
            for b in ctor.bound:
                if isinstance(values.get(b.role), np.ndarray):
                    self.ctor_passed[id(values[b.role])] = b.role
            return obj
        return self.cls(**ctx.prefs.init)

    def _method(self, candidates: tuple[str, ...], context: str, required: bool = True):
        for n in candidates:
            fn = getattr(self.obj, n, None)
            if callable(fn) and not isinstance(fn, type):
                if n == "__call__" and context == "backward":
                    continue
                order = [*self.ctx.ref.inputs(), "training"] if context == "function" else None
                return fn, bind(fn, self.ctx.ref, context, explicit=self.ctx.prefs.args,
                                label=f"{self.cls.__name__}.{n}", positional=order,
                                spatial=self.ctx.spatial)
        if required:
            raise MappingError(f"{self.cls.__name__}: no forward method (looked for "
                               f"{', '.join(candidates[:6])} ...)")
        return None

    def _mode_methods(self) -> bool:
        ev, tr = getattr(self.obj, "eval", None), getattr(self.obj, "train", None)
        return (callable(ev) and len(signature(ev)) == 0) or (
            callable(tr) and [p.name for p in signature(tr)] in (["mode"], ["training"]))

    # ------------------------------------------------------------------ mapping
    def _setup(self) -> None:
        """What a framework does between construction and the first forward: tell the
        layer its input shape (``set_input_shape``) and hand it an optimizer
        (``initialize(optimizer)``), here one that records the gradient it is given."""
        obj = self.obj
        x = self._to_user(draw_inputs(self.ctx)[0])
        for n in names.SETUP_SHAPE:
            fn = getattr(obj, n, None)
            if callable(fn) and getattr(obj, "input_shape", None) is None and len(signature(fn)) == 1:
                fn(tuple(x.shape[1:]))
        for n in names.SETUP_NAMES:
            fn = getattr(obj, n, None)
            params = signature(fn) if callable(fn) else []
            if params and all(p.name in names.OPTIMIZER_ARGS or p.default is not p.empty
                              for p in params):
                fn(**{p.name: self.catcher for p in params if p.name in names.OPTIMIZER_ARGS})
                self.ctx.prefs.note(f"{n}(optimizer) given an optimizer whose update(w, grad) "
                                    f"records grad and leaves w alone")
                return

    def _map(self) -> None:
        ctx = self.ctx
        if not self.module_like and not self.from_factory:
            try:
                self._setup()
            except Exception as e:  # noqa: BLE001 - the run reports the layer's raise
                self.prime_error = f"{type(e).__name__}: {e}"
        if self.module_like:
            state = dict(self.obj.state_dict())
            for t in ctx.shapes:
                if t in state:
                    self.slots[t] = ("module", t)
                elif t in ctx.params:
                    self.missing.add(t)
                else:
                    self.dropped.add(t)
            return
        for attempt in range(2):
            self.slots.clear()
            self.missing.clear()
            self.dropped.clear()
            self._map_arrays()
            need = [t for t in self.missing]
            if not need or attempt == 1 or not self._prime():
                break
        for t, path in self.slots.items():
            if path[0] != "module" and t in ctx.shapes:
                ctx.prefs.mapping.setdefault(t, self.layouts.get(t, IDENTITY).describe(
                    access.text(path), ctx.shapes[t]))

    def _map_arrays(self) -> None:
        ctx = self.ctx
        arrays = access.scan(self.obj)
        gradish = {p for p in arrays for q in arrays
                   if q != p and access.name(p) in names.grad_names(access.name(q))}
        free = {p: a for p, a in arrays.items() if p not in gradish}
        used: set[tuple] = set()
        wanted = list(ctx.shapes) + [t for t in ctx.absent if t not in ctx.shapes]

        def take(t: str, path: tuple, lay: Layout, alts: list[Layout] | None = None) -> None:
            self.slots[t] = path
            self.layouts[t] = lay
            if alts and len(alts) > 1 and t not in ctx.prefs.layouts:
                self.alternatives[t] = alts
            used.add(path)

        for t in wanted:                                    # --param-map
            expr = ctx.prefs.param_map.get(t)
            if expr is None:
                continue
            path = tuple(expr.path)
            if path not in arrays:
                raise MappingError(f"{self.cls.__name__}: --param-map {t}={expr.text()}: the "
                                   f"layer has no such array; it has "
                                   f"{_listing(arrays)}")
            take(t, path, expr_layout(expr, self._shape(t), arrays[path].shape))
        for t in wanted:                                    # arrays passed to the constructor
            if t in self.slots:
                continue
            for p, a in free.items():
                if p not in used and self.ctor_passed.get(id(a)) == t:
                    lay = self.layouts.get(t, IDENTITY)      # as passed; others if it fails
                    alts = candidates(self._shape(t), None)
                    take(t, p, lay, [lay] + [x for x in alts if x != lay])
        for how in ("name", "shape"):
            for t in wanted:
                if t in self.slots:
                    continue
                shape = self._shape(t)
                options = []
                for p, a in free.items():
                    if p in used:
                        continue
                    if how == "name" and access.text(p) != t and names.match(access.name(p), {t}) is None:
                        continue
                    if how == "shape" and access.name(p) in names.CACHED:
                        continue
                    lays = candidates(shape, a.shape)
                    if lays:
                        options.append((p, lays))
                if how == "name":
                    exact = [o for o in options if access.name(o[0]) == t or access.text(o[0]) == t]
                    options = exact or options
                if len(options) == 1 or (how == "name" and options):
                    p, lays = options[0]
                    pref = ctx.prefs.layouts.get(t)
                    take(t, p, pref if pref in lays else lays[0], lays)
                    if len(lays) == 1 and t not in ctx.prefs.layouts:
                        ctx.prefs.layouts[t] = lays[0]       # the shapes settled it
                        ctx.prefs.mapping[t] = lays[0].describe(access.text(p), shape)
                elif len(options) > 1 and t in ctx.shapes:
                    if t in ctx.params or t not in names.SYNONYMS:
                        raise MappingError(
                            f"{self.cls.__name__}: torch's {t} {shape} is ambiguous: several "
                            f"arrays have that shape ({', '.join(access.text(o[0]) for o in options)}); "
                            f"name it with --param-map {t}=<attribute>")
        for t in ctx.shapes:
            if t not in self.slots:
                (self.missing if t in ctx.params else self.dropped).add(t)

    def _shape(self, t: str) -> tuple:
        return self.ctx.shapes.get(t) or self.ctx.absent.get(t, ())

    def _prime(self) -> bool:
        """Run one forward so that parameters created at the first call exist."""
        if self.primed:
            return False
        self.primed = True
        try:
            with RNGState():
                xs = [self._to_user(x) for x in draw_inputs(self.ctx)]
                values = {**self.ctx.options("train"), **dict(zip(self.ctx.ref.inputs(), xs))}
                self.fwd_binding.call(self.fwd, values, {"dtype": self.ctx.dtype})
        except Exception as e:  # noqa: BLE001 - the run reports it as the layer's raise
            self.prime_error = f"{type(e).__name__}: {e}"
            return False
        return True

    # ------------------------------------------------------------------ state
    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        out: OrderedDict[str, np.ndarray] = OrderedDict()
        state = dict(self.obj.state_dict()) if self.module_like else None
        for t in self.ctx.shapes:                         # torch's order, not the layer's
            path = self.slots.get(t)
            if path is None:
                continue
            a = state.get(t) if state is not None else access.get(self.obj, path)
            if isinstance(a, np.ndarray):
                out[t] = np.array(self.layouts.get(t, IDENTITY).to_torch(a, self.ctx.shapes[t]),
                                  copy=True)
        return out

    def load_state_dict(self, state: dict[str, Any]) -> "ClassAdapter":
        if self.module_like:
            self.obj.load_state_dict({t: state[t] for t in self.slots if t in state}, strict=False)
        else:
            for t, path in self.slots.items():
                if t in state:
                    new = self.layouts[t].to_user(np.asarray(state[t]))
                    self._regrad(t, path, new.shape)
                    access.put(self.obj, path, new)
                elif t in self.ctx.absent:            # bias=False: the layer's b held at 0
                    cur = access.get(self.obj, path)
                    access.put(self.obj, path, np.full(cur.shape, names.NEUTRAL[t], self.ctx.dtype))
        self.trace.initial = {t: np.array(state[t], copy=True) for t in self.slots if t in state}
        return self

    def _regrad(self, t: str, path: tuple, shape: tuple) -> None:
        """A parameter given another layout (settling W as (in, out)): the gradient array
        the constructor made for it (``zeros_like(W)``) takes the new shape too."""
        old = access.get(self.obj, path)
        if t not in self.ctx.params or not isinstance(old, np.ndarray) or old.shape == shape:
            return
        g, _ = access.grad_of(self.obj, path, set(self.slots.values()))
        if isinstance(g, np.ndarray) and g.shape == old.shape:
            access.replace_array(self.obj, g, np.zeros(shape, g.dtype))

    def train(self, mode: bool = True) -> "ClassAdapter":
        self._training = bool(mode)
        self.ctx.mode = "train" if mode else "eval"
        obj = self.obj
        if self.module_like:
            obj.train(mode)
            return self
        tr, ev = getattr(obj, "train", None), getattr(obj, "eval", None)
        if callable(tr) and not isinstance(tr, type):
            sig = signature(tr)
            if len(sig) == 0 and mode:
                tr()
            elif len(sig) == 1 and sig[0].name in ("mode", "training", "flag", "is_training"):
                tr(bool(mode))
        if not mode and callable(ev) and not isinstance(ev, type) and len(signature(ev)) == 0:
            ev()
        if self.mode_attr:
            cur = getattr(obj, self.mode_attr, None)
            setattr(obj, self.mode_attr, ModeStr(bool(mode)) if isinstance(cur, str) else bool(mode))
        elif not isinstance(obj, type):
            try:
                obj.training = bool(mode)
            except Exception:  # noqa: BLE001 - slots or properties: the layer has its own mode
                pass
        return self

    # ------------------------------------------------------------------ forward / backward
    def __call__(self, *xs: Any, **kwargs: Any) -> Any:
        values = {**self.ctx.options(), **self._inputs_values(list(xs))}
        extra = {"dtype": self.ctx.dtype, "mask": kwargs.get("mask", self.mask)}
        if self.module_like and not self.fwd_binding.has("mask") and "mask" in kwargs:
            ret = self.obj(*xs, **kwargs)
        else:
            ret = self.fwd_binding.call(self.fwd, values, extra)
        if ret is None and not self.module_like:
            ret, _ = access.first_attr(self.obj, names.OUTPUT_ATTRS)
        y = self._split_output(self._plain(ret))
        y = tuple(self._to_torch(v) for v in y) if isinstance(y, tuple) else self._to_torch(y)
        self._record(list(xs), y, kwargs)
        return y

    def backward(self, dy: np.ndarray) -> Any:
        obj, ctx = self.obj, self.ctx
        if self.module_like:
            obj.zero_grad()
            dx = obj.backward(dy)
            grads = {t: g for t, g in obj.named_grads() if t in self.grads}
            return self._finish_backward(dy, dx, grads)
        params = {t: p for t, p in self.slots.items() if t in ctx.params}
        found = {t: access.grad_of(obj, p, set(self.slots.values()))[0] for t, p in params.items()}
        for g in found.values():                     # accumulating layers start from zero
            if isinstance(g, np.ndarray) and g.flags.writeable:
                g[...] = 0
        lr = self.bwd_binding.has("lr")
        before = {t: np.array(access.get(obj, p), copy=True) for t, p in params.items()} if lr else {}
        dy_user, scale = self._upstream(dy)
        self.catcher.seen.clear()
        values = {**ctx.options(), **self._inputs_values([s for s in self.trace.steps[-1].inputs])}
        extra = {"grad_output": dy_user, "cache": self.cache, "lr": UPDATE_LR, "dtype": ctx.dtype,
                 "mask": self.cache if isinstance(self.cache, np.ndarray) else self.mask}
        try:
            ret = self.bwd_binding.call(self.bwd, values, extra)
        except Exception:
            own = self._own_output(values)
            if scale is None or own is None:
                raise
            # a loss whose backward takes its own predictions (nnfs:
            # loss_activation.backward(loss_activation.output, y)), not an upstream gradient
            ret = self.bwd_binding.call(self.bwd, values, {**extra, "grad_output": own})
            ctx.prefs.note(f"the loss's backward is given its forward's {own.name!r}, "
                           f"as it expects (no upstream gradient)")
        ret = self._plain(ret)
        extras: list = []
        if isinstance(ret, (tuple, list)):
            k = _input_position(ret, values.get(ctx.ref.inputs()[0]), ctx.prefs.orders)
            dx, extras = ret[k], list(ret[:k]) + list(ret[k + 1:])
            if k:
                ctx.prefs.note(f"the backward returns the input gradient at position {k} "
                               f"(the only returned array of the input's shape)")
        else:
            dx = ret
        if dx is None:
            dx, _ = access.first_attr(obj, names.INPUT_GRAD_ATTRS)
        grads: dict[str, Any] = {}
        for t, p in params.items():
            g, _ = access.grad_of(obj, p, set(self.slots.values()))
            grads[t] = g if g is not None else self.catcher.seen.get(id(access.get(obj, p)))
        for e in extras:                                   # (dx, dW, db) returned
            if not isinstance(e, np.ndarray):
                continue
            for t, p in params.items():
                if t not in grads or grads[t] is None or grads.get(t) is found.get(t):
                    cur = access.get(obj, p)
                    if isinstance(cur, np.ndarray) and cur.shape == e.shape and not _claimed(grads, e):
                        grads[t] = e
                        break
        if lr:
            for t, p in params.items():
                after = access.get(obj, p)
                if grads.get(t) is None and isinstance(after, np.ndarray):
                    grads[t] = (before[t].astype(np.float64) - after) / UPDATE_LR
                    grads[t] = grads[t].astype(after.dtype)
                access.put(obj, p, before[t])              # undo the update
            ctx.prefs.note("gradients read from the update backward(grad, learning_rate) applies")
        if len(ctx.ref.inputs()) > 1:
            dx = (dx,) + (None,) * (len(ctx.ref.inputs()) - 1)
        return self._finish_backward(dy, dx, grads, scale)

    def describe_args(self) -> str:
        return ", ".join(b.describe() for b in self.fwd_binding.bound)

    def _own_output(self, values: dict) -> Any:
        """The array of the input's shape the forward stored (``self.output``), or None."""
        x = values.get(self.ctx.ref.inputs()[0])
        out, name = access.first_attr(self.obj, names.OUTPUT_ATTRS)
        if out is None or not isinstance(x, np.ndarray) or out.shape != x.shape:
            return None
        return _Named(out, name)

    def describe_slot(self, t: str) -> str:
        """torch's tensor ``t`` as an expression of the layer's array: 'W.T'."""
        return self.layouts.get(t, IDENTITY).describe(access.text(self.slots[t]),
                                                      self.ctx.shapes[t])

    def taken(self) -> set[str]:
        if self.from_factory:
            return set(self.ctx.ref.roles)           # built from the case by a factory
        out = set(self.fwd_binding.roles())
        for b in (self.ctor, self.bwd_binding):
            if b is not None:
                out |= b.roles()
        if self.ctor is not None and takes_var_keyword(self.cls):
            out |= set(self.ctx.ref.roles)
        if any(t in self.ctx.params for t in self.slots):
            out |= set(names.SHAPE_OPTIONS)
        out |= set(self.slots)
        return out


def _input_position(ret: Any, x: Any, orders: dict) -> int:
    """Where a returned tuple holds the input gradient: first, unless the first has not the
    input's shape and exactly one other has (``return dW, db, dx``); a case where several
    have it (all shapes (1, 1)) keeps the position an earlier case settled."""
    shape = np.shape(x) if isinstance(x, np.ndarray) else None
    if shape is None or not ret:
        return 0
    hits = [i for i, r in enumerate(ret) if isinstance(r, np.ndarray) and r.shape == shape]
    if len(hits) == 1:
        orders["input_grad"] = hits[0]
        return hits[0]
    k = orders.get("input_grad", 0)
    return k if k in hits else 0


def _claimed(grads: dict, e: np.ndarray) -> bool:
    return any(g is e for g in grads.values())


def _listing(arrays: dict) -> str:
    return ", ".join(f"{access.text(p)} {tuple(a.shape)}" for p, a in arrays.items()) or "none"


def _torch_state(ctx: Context) -> dict[str, np.ndarray]:
    """The case's torch state in the case dtype (constructor arrays before the load)."""
    return {k: v.detach().numpy().astype(ctx.dtype if v.is_floating_point() else v.numpy().dtype)
            for k, v in ctx.torch.state_dict().items()}


class _Named(np.ndarray):
    """An array that remembers the attribute it came from (for the note)."""

    def __new__(cls, a: np.ndarray, name: str) -> "_Named":
        obj = np.array(a, copy=True).view(cls)
        obj.name = name
        return obj


class GradCatcher:
    """The optimizer a layer applies in its own backward (``self.W = self.W_opt.update(
    self.W, grad_w)``): records each gradient by the array it updates and leaves the array
    alone. ``copy.copy`` of it shares the record."""

    def __init__(self) -> None:
        self.seen: dict[int, np.ndarray] = {}

    def update(self, w: Any, grad: Any, *args: Any, **kwargs: Any) -> Any:
        self.seen[id(w)] = np.array(grad, copy=True)
        return w

    step = apply = update
