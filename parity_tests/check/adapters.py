"""Adapters: any user layer seen as a numpy_layers Module by the harness runner.

This module holds what both kinds share. ``class_adapter.ClassAdapter`` drives a class (or
an object a factory built): its arrays are found where ``access`` finds them and mapped to
torch's names, its forward and backward are called through a ``Binding``.
``function_adapter.FunctionAdapter`` drives a forward function, and its backward partner
when there is one. Both:

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
from typing import Any

import numpy as np

from .context import Context
from .layout import IDENTITY, Layout, input_layout
from .trace import Step, Trace, copy_value
from ..harness import inputs as gen


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
        self.odd_grads: dict[str, tuple] = {}     # gradient shape unlike its array's
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

    def string_only(self, role: str) -> bool:
        """Whether the layer takes ``role`` as a string only (``padding='valid'``): its
        argument's default is a string and it is not the train/eval mode."""
        if role in ("training", "use_input_stats"):
            return False
        for b in (getattr(self, "ctor", None), getattr(self, "fwd_binding", None)):
            hit = b.param_for(role) if b is not None else None
            if hit is not None:
                return isinstance(hit.default, str)
        return False

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

    def _plain(self, ret: Any) -> Any:
        """Python numbers and nested lists of them (``[[max(0.0, v) for v in row] ...]``)
        as arrays in the case dtype: a Python float carries no dtype choice of the layer.
        A list or tuple holding an array stays a tuple of results."""
        def leaf(v: Any) -> bool:               # a NumPy scalar keeps its own dtype
            return type(v) in (int, float)

        def numeric(v: Any) -> bool:
            return leaf(v) or (isinstance(v, list) and bool(v) and all(numeric(e) for e in v))

        if numeric(ret):
            return np.asarray(ret, dtype=self.ctx.dtype)
        if isinstance(ret, (tuple, list)):
            return type(ret)(np.asarray(v, dtype=self.ctx.dtype) if numeric(v) else v
                             for v in ret)
        return ret

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
            own = self.layouts.get(t, IDENTITY).to_user(np.empty(self.ctx.shapes[t])).shape
            if np.shape(g) != own and np.size(g) == int(np.prod(own)):
                self.odd_grads[t] = (tuple(np.shape(g)), tuple(own))    # for the hint
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


def deep_probe(adapter: UserAdapter, xs: list) -> Any:
    """Run ``adapter``'s forward on a copy of the layer with the random state saved, so the
    real call that follows draws the same mask; returns the probe's output (torch layout)."""
    with RNGState():
        twin = copy.deepcopy(adapter)
        twin.trace = Trace()
        return twin(*xs)
