"""Adapters: any user layer seen as a numpy_layers Module by the harness runner.

``ClassAdapter`` drives a class (or an object a factory built): its arrays are found where
``access`` finds them and mapped to torch's names (``mapping``), its forward and backward
are called through a ``Binding``; ``FunctionAdapter`` drives a forward function, and its
backward partner when there is one. Both:

- keep torch's names and layout on the outside (``state_dict``, ``named_grads``) and the
  user's inside (``W`` as (in, out), NHWC input);
- sum the gradients of each backward themselves (the user's may overwrite or accumulate),
  read from attributes, dicts, a returned tuple, or the change an update applied;
- record a ``Trace`` of every step for the hints.
"""
from __future__ import annotations

import copy
import random
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from . import access, names
from .binding import Binding, bind, signature, takes_var_keyword
from .context import Context, MappingError
from .layout import IDENTITY, Layout, candidates, expr_layout, input_layout
from .trace import Step, Trace, copy_value
from ..harness import inputs as gen

# Learning rate passed to a backward that applies its own update: a power of two (exact to
# divide by) large enough that the update dominates the weight, so the gradient read back
# from the change, (W0 - W1) / lr, keeps the gradient's own relative precision.
UPDATE_LR = 1024.0


class RNGState:
    """NumPy's and Python's global random states, restored on exit (a probe of a random
    layer must not advance the generator its real call will use)."""

    def __enter__(self) -> "RNGState":
        self.np, self.py = np.random.get_state(), random.getstate()
        return self

    def __exit__(self, *exc: Any) -> None:
        np.random.set_state(self.np)
        random.setstate(self.py)


def draw_inputs(ctx: Context) -> list[np.ndarray]:
    """Inputs for a probe call: the spec's generator, in the case dtype."""
    spec = ctx.ref.spec
    rng = np.random.default_rng(ctx.seed + 7)
    xs = spec.make_inputs(ctx.case, rng) if spec.make_inputs is not None else gen.draw(
        ctx.case, rng, spec.input_scale, spec.kink, spec.random_inputs)
    return [x if x.dtype.kind in "iub" else x.astype(ctx.dtype) for x in xs]


class UserAdapter:
    """The runner's view of a user layer (see the module docstring)."""
    forward_only = False
    module_like = False

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.trace = Trace()
        self.grads: "OrderedDict[str, np.ndarray | None]" = OrderedDict()
        self._training = True
        self.mode_takes = False                 # can the layer be told train/eval?
        self.missing: set[str] = set()          # torch parameters the layer has no array for
        self.dropped: set[str] = set()          # torch buffers the layer keeps no array for
        self.layouts: dict[str, Layout] = {}    # torch name -> layout of the user's array
        self.alternatives: dict[str, list[Layout]] = {}   # ambiguous layouts, to settle
        self.cache: Any = None                  # what the last forward returned beyond y
        self.mask: np.ndarray | None = None     # torch's keep-mask, for layers that take one
        self.n_outputs = 1

    # ------------------------------------------------------------------ runner interface
    @property
    def training(self) -> bool:
        return self._training

    @property
    def compared_state(self) -> set[str]:
        """torch's state names this layer keeps (the runner compares only these)."""
        return set(self.state_dict())

    def taken(self) -> set[str]:
        """Roles the layer can be given: options it takes, arrays it holds or receives."""
        raise NotImplementedError

    def named_grads(self):
        return iter(self.grads.items())

    def in_layout(self, rank: int) -> Layout:
        return input_layout(self.ctx.prefs.input_layout, rank)

    def _to_user(self, x: Any) -> Any:
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            return self.in_layout(x.ndim).to_user(x)
        return x

    def _to_torch(self, y: Any) -> Any:
        if isinstance(y, np.ndarray):
            lay = self.in_layout(y.ndim)
            if lay.perm is not None:
                return np.transpose(y, np.argsort(lay.perm))
        return y

    def _record(self, xs: list, y: Any, kwargs: dict | None = None) -> None:
        kw = dict(kwargs or {})
        if self.mask is not None and self._training:
            kw["mask"] = self.mask
        step = Step([copy_value(x) for x in xs], kw, copy_value(y))
        step.buffers = {t: v for t, v in self.state_dict().items() if t not in self.ctx.params}
        self.trace.steps.append(step)

    def _split_output(self, ret: Any) -> Any:
        """The layer's return value as the reference's output(s); the rest is its cache.
        A NumPy scalar (``np.mean`` of a loss) counts as the 0-d array it stands for."""
        if isinstance(ret, np.generic):
            ret = np.asarray(ret)
        if isinstance(ret, (tuple, list)) and not isinstance(ret, np.ndarray):
            if self.n_outputs > 1 and len(ret) >= self.n_outputs:
                self.cache = ret[self.n_outputs:] or None
                return tuple(ret[:self.n_outputs])
            if len(ret) == 0:
                return None
            self.cache = ret[1] if len(ret) == 2 else tuple(ret[1:])
            return np.asarray(ret[0]) if isinstance(ret[0], np.generic) else ret[0]
        self.cache = None
        return ret

    def _upstream(self, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """What the layer's backward is given: for a scalar output (a loss) 1, as
        ``loss.backward()`` gives, and the gradients are scaled by dy after (they are linear
        in it), so a backward that takes no upstream gradient, or ignores its ``dout=1``,
        is driven as written; else dy in the layer's layout."""
        if np.ndim(dy) == 0:
            return np.ones((), dtype=np.asarray(dy).dtype), np.asarray(dy)
        return self._to_user(dy), None

    def _finish_backward(self, dy: np.ndarray, dx: Any, grads: dict[str, np.ndarray | None],
                         scale: np.ndarray | None = None) -> Any:
        def scaled(g: Any) -> Any:
            if isinstance(g, np.generic):
                g = np.asarray(g)
            if scale is None or not isinstance(g, np.ndarray):
                return g
            return np.asarray(g * scale).astype(g.dtype, copy=False)   # 0-d stays an array

        dx = tuple(scaled(d) for d in dx) if isinstance(dx, tuple) else scaled(dx)
        for t, g in grads.items():
            if g is None or t not in self.grads:
                continue
            g = self.layouts.get(t, IDENTITY).to_torch(np.asarray(scaled(g)), self.ctx.shapes[t])
            self.grads[t] = np.array(g, copy=True) if self.grads[t] is None else self.grads[t] + g
        dx = tuple(self._to_torch(d) for d in dx) if isinstance(dx, tuple) else self._to_torch(dx)
        if isinstance(dx, tuple):                # a loss's target: compared only if given
            self.compared_inputs = {0} | {i for i, d in enumerate(dx) if d is not None}
            for i, name in enumerate(self.ctx.ref.inputs()):
                if i and i not in self.compared_inputs:
                    self.ctx.prefs.note(f"the layer gives no gradient for its {name}: not "
                                        f"compared")
        step = self.trace.steps[-1]
        step.dy, step.dx = dy.copy(), copy_value(dx)
        step.grads = {t: copy_value(g) for t, g in self.grads.items()}
        return dx

    def _inputs_values(self, xs: list) -> dict[str, Any]:
        ins = self.ctx.ref.inputs()
        return {name: self._to_user(x) for name, x in zip(ins, xs)}


# ============================================================================= classes
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
    def _map(self) -> None:
        ctx = self.ctx
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
        gradish = {p for p in arrays for q in arrays if q != p and p[-1] in names.grad_names(q[-1])}
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
                    if how == "name" and access.text(p) != t and names.match(p[-1], {t}) is None:
                        continue
                    lays = candidates(shape, a.shape)
                    if lays:
                        options.append((p, lays))
                if how == "name":
                    exact = [o for o in options if o[0][-1] == t or access.text(o[0]) == t]
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
        for t, path in self.slots.items():
            if t not in self.ctx.shapes:
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
                    access.put(self.obj, path, self.layouts[t].to_user(np.asarray(state[t])))
                elif t in self.ctx.absent:            # bias=False: the layer's b held at 0
                    cur = access.get(self.obj, path)
                    access.put(self.obj, path, np.full(cur.shape, names.NEUTRAL[t], self.ctx.dtype))
        self.trace.initial = {t: np.array(state[t], copy=True) for t in self.slots if t in state}
        return self

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
            from .binding import ModeStr
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
        y = self._split_output(ret)
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
        values = {**ctx.options(), **self._inputs_values([s for s in self.trace.steps[-1].inputs])}
        ret = self.bwd_binding.call(self.bwd, values, {"grad_output": dy_user, "cache": self.cache,
                                                       "lr": UPDATE_LR, "dtype": ctx.dtype})
        extras: list = []
        if isinstance(ret, (tuple, list)):
            dx, extras = ret[0], list(ret[1:])
        else:
            dx = ret
        if dx is None:
            dx, _ = access.first_attr(obj, names.INPUT_GRAD_ATTRS)
        grads: dict[str, Any] = {}
        for t, p in params.items():
            g, _ = access.grad_of(obj, p, set(self.slots.values()))
            grads[t] = g
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


def _claimed(grads: dict, e: np.ndarray) -> bool:
    return any(g is e for g in grads.values())


def _listing(arrays: dict) -> str:
    return ", ".join(f"{access.text(p)} {tuple(a.shape)}" for p, a in arrays.items()) or "none"


def _torch_state(ctx: Context) -> dict[str, np.ndarray]:
    """The case's torch state in the case dtype (constructor arrays before the load)."""
    return {k: v.detach().numpy().astype(ctx.dtype if v.is_floating_point() else v.numpy().dtype)
            for k, v in ctx.torch.state_dict().items()}


# ============================================================================= functions
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
        for t in self.state:
            lays = candidates(ctx.shapes[t], None)
            pref = ctx.prefs.layouts.get(t)
            if t in ctx.prefs.param_map:
                self.layouts[t] = expr_layout(ctx.prefs.param_map[t], ctx.shapes[t], None)
            else:
                self.layouts[t] = pref or lays[0]
                if len(lays) > 1 and pref is None:
                    self.alternatives[t] = lays
        for t in self.state:
            ctx.prefs.mapping.setdefault(t, self.describe_slot(t))

    def describe_slot(self, t: str) -> str:
        """torch's tensor ``t`` as an expression of what the function receives: 'w.T'."""
        b = self.fwd_binding.param_for(t)
        where = b.param if b is not None else f"{self._dict_name()}[{t!r}]"
        return self.layouts[t].describe(where, self.ctx.shapes[t])

    def _dict_name(self) -> str:
        return next((b.param for b in self.fwd_binding.bound if b.how == "dict"), "dict")

    def taken(self) -> set[str]:
        out = self.fwd_binding.roles() | self.reads
        if self.bwd_binding is not None:
            out |= {b.role for b in self.bwd_binding.bound if b.role}
        if any(t in self.ctx.params for t in out):
            out |= set(names.SHAPE_OPTIONS)
        return out

    def _probe(self) -> None:
        """Call the forward once per mode on drawn inputs to learn which options and
        buffers it reads from its option dicts (nothing is kept)."""
        for mode in ("train", "eval"):
            try:
                with RNGState():
                    self._call(draw_inputs(self.ctx), mode, probe=True)
            except Exception:  # noqa: BLE001 - the real run reports what a layer raises
                pass

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
            values[t] = None if b is None or b.default is None else np.full(
                shape, names.NEUTRAL[t], ctx.dtype)
        return values

    def _call(self, xs: list, mode: str, probe: bool = False) -> Any:
        values = self._values(xs, mode)
        ret = self.fwd_binding.call(self.fwd, values, {"mask": self.mask, "dtype": self.ctx.dtype})
        for d in self.fwd_binding.dicts:
            self.reads |= d.read
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
        y = self._split_output(ret)
        y = tuple(self._to_torch(v) for v in y) if isinstance(y, tuple) else self._to_torch(y)
        self._record(list(xs), y, kwargs)
        self._forward_args = (list(xs), self.ctx.mode)
        return y

    def backward(self, dy: np.ndarray) -> Any:
        xs, mode = self._forward_args
        values = self._values(xs, mode)
        dy_user, scale = self._upstream(dy)
        ret = self.bwd_binding.call(self.bwd, values, {"grad_output": dy_user,
                                                      "cache": self.cache, "dtype": self.ctx.dtype})
        order = [b.role for b in self.fwd_binding.bound
                 if b.role in self.ctx.ref.roles and self.ctx.ref.roles[b.role].kind in
                 ("input", "param") and b.index is None]
        if isinstance(ret, dict):
            ret = _from_dict(ret, order, self.ctx.ref.roles)
        rets = list(ret) if isinstance(ret, (tuple, list)) else [ret]
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


def deep_probe(adapter: UserAdapter, xs: list) -> Any:
    """Run ``adapter``'s forward on a copy of the layer with the random state saved, so the
    real call that follows draws the same mask; returns the probe's output (torch layout)."""
    with RNGState():
        twin = copy.deepcopy(adapter)
        twin.trace = Trace()
        return twin(*xs)
