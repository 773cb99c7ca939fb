"""``GraphModule``: a NumPy twin of a torch.fx graph, with forward and backward.

It holds (a) a module tree mirroring the torch model's submodules, so parameter and
buffer names are torch's (``layer1.0.conv1.weight``), and (b) a list of ``Node``:
``placeholder`` (an input), ``get_attr`` (a parameter, buffer or constant used directly),
``call_module`` (a child by qualified name), ``call_function`` (an entry of
``ops.OPS``) and ``output``. ``forward`` evaluates the nodes in order; ``backward``
walks them in reverse, summing the gradients of values used several times, calling the
children's own ``backward`` and the ops' backward, and adding parameter gradients of
``get_attr`` nodes; nodes made under the forward's ``torch.no_grad()`` pass no gradient
back. Built by ``numpy_layers.from_torch``; imports numpy only.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import check_grad
from ..modules.module import Module
from .nodes import Node, Ref, grad_meta, ref_names, resolve_refs, route_grad
from .ops import OPS

__all__ = ["GraphModule", "GraphHolder", "Node", "Ref"]


class GraphHolder(Module):
    """A custom torch container in the mirrored tree: it only holds parameters, buffers and
    children; the root ``GraphModule`` runs them."""

    def __init__(self, torch_class: str = "") -> None:
        super().__init__()
        self.torch_class = torch_class

    def forward(self, *inputs: Any) -> Any:
        raise TypeError(f"GraphHolder({self.torch_class}): this submodule is part of a converted "
                        f"graph; call the root GraphModule")

    def extra_repr(self) -> str:
        return self.torch_class


class GraphModule(Module):
    """Runs ``nodes`` over the children; ``forward(*inputs)`` and ``backward(grad_output)``
    as any layer (a tuple of input gradients for several inputs, None for integer ones)."""

    def __init__(self, nodes: list[Node], torch_class: str = "", other: Any = None,
                 traced_training: bool | None = None) -> None:
        """``other``: the graph of the model's other mode (``not traced_training``) where its
        forward reads ``self.training``, or the error converting it raised (raised again
        when the twin runs in that mode); None: the same graph in both modes."""
        super().__init__()
        self.torch_class = torch_class
        self.rng = np.random.default_rng()   # draws of F.dropout, stochastic_depth in training
        self._label = f"GraphModule({torch_class})" if torch_class else "GraphModule"
        self.nodes, self._bound, self._free = main = self._plan(list(nodes))
        self._plans: dict[bool, Any] = {}
        if traced_training is not None:
            self._plans[traced_training] = main
            self._plans[not traced_training] = main if other is None else \
                other if isinstance(other, Exception) else self._plan(list(other))
        self._over: frozenset[str] = frozenset()

    def _plan(self, nodes: list[Node]) -> tuple[list[Node], dict, list[list[str]]]:
        """(nodes, each call's bound arguments, the values free after each node)."""
        bad = [f"{n.name}: {n.target}" for n in nodes
               if n.op == "call_function" and n.target not in OPS]
        if bad:
            raise ValueError(f"{self._label}: unknown operations {bad}; known: {sorted(OPS)}")
        bound = {n.name: OPS[n.target].signature.bind(*n.args, **n.kwargs)
                 for n in nodes if n.op == "call_function"}
        last: dict[str, int] = {}
        for i, n in enumerate(nodes):
            last[n.name] = i
            for r in ref_names((n.args, n.kwargs)):
                last[r] = i
        free: list[list[str]] = [[] for _ in nodes]
        for name, i in last.items():
            free[i].append(name)
        return nodes, bound, free

    # ------------------------------------------------------------------ in-place activations
    # A clamping activation (ReLU, ReLU6, Hardtanh) right after a batch norm or an addition,
    # the only reader of that value, writes its output over it, as torch's inplace=True
    # does: no fresh output array (pages the OS must hand over and zero) and one stream of
    # memory traffic less. Safe because those producers return a new array they do not keep
    # for their backward, and no other node reads it.
    _OVER_FUNCTIONS = frozenset({"add", "sub"})
    _OVER_MODULES = frozenset({"BatchNorm1d", "BatchNorm2d", "BatchNorm3d"})

    def _write_over(self) -> frozenset[str]:
        """Names of the activation nodes that write over their input (found at each forward:
        children can be replaced after conversion)."""
        uses: dict[str, int] = {}
        for n in self.nodes:
            for r in ref_names((n.args, n.kwargs)):
                uses[r] = uses.get(r, 0) + 1
        by_name = {n.name: n for n in self.nodes}
        over = set()
        for n in self.nodes:
            if n.op != "call_module" or n.kwargs or len(n.args) != 1 \
                    or not isinstance(n.args[0], Ref):
                continue
            if not getattr(self._sub(n.target), "can_write_over_input", False):
                continue
            src = by_name[n.args[0].name]
            fresh = (src.op == "call_function" and src.target in self._OVER_FUNCTIONS) or \
                (src.op == "call_module"
                 and type(self._sub(src.target)).__name__ in self._OVER_MODULES)
            if fresh and uses[src.name] == 1:
                over.add(n.name)
        return frozenset(over)

    # ------------------------------------------------------------------ tree lookups
    def _sub(self, path: str) -> Module:
        m: Module = self
        for part in filter(None, path.split(".")):
            m = m._modules[part]
        return m

    def _attr(self, node: Node) -> tuple[Module | None, str]:
        """(owner, name) when a get_attr node names a parameter or buffer, else (None, '')."""
        owner_path, _, name = node.target.rpartition(".")
        try:
            owner = self._sub(owner_path)
        except KeyError:
            return None, ""
        if name in owner._parameters or name in owner._buffers:
            return owner, name
        return None, ""

    def _get(self, node: Node) -> Any:
        owner, name = self._attr(node)
        if owner is None:
            return node.value
        return owner._parameters[name] if name in owner._parameters else owner._buffers[name]

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs: Any) -> Any:
        plan = self._plans.get(self.training)   # the graph of this mode
        if isinstance(plan, Exception):
            raise plan
        if plan is not None:
            self.nodes, self._bound, self._free = plan
        places = [n for n in self.nodes if n.op == "placeholder"]
        need = sum(not n.has_default for n in places)
        if not need <= len(inputs) <= len(places):
            raise TypeError(f"{self._label}: expected {need} to {len(places)} inputs "
                            f"({', '.join(n.target for n in places)}), got {len(inputs)}")
        env: dict[str, Any] = {}
        caches: dict[str, Any] = {}
        out: Any = None
        self._over = self._write_over()
        for i, node in enumerate(self.nodes):
            if node.op == "placeholder":
                k = places.index(node)
                value = inputs[k] if k < len(inputs) else node.value
            elif node.op == "get_attr":
                value = self._get(node)
            elif node.op == "call_module":
                value, caches[node.name] = self._call_module(node, env)
            elif node.op == "call_function":
                op = OPS[node.target]
                kwargs = resolve_refs(self._bound[node.name].kwargs, env)
                if op.uses_mode:
                    kwargs["_training"] = self.training
                if op.uses_rng:
                    kwargs["_rng"] = self.rng
                try:
                    args = resolve_refs(self._bound[node.name].args, env)
                    value, caches[node.name] = op.forward(*args, **kwargs)
                except (TypeError, ValueError) as e:
                    self._raise_placed(e, node)
                if isinstance(value, np.floating):    # 0-D arithmetic gives NumPy scalars
                    value = np.asarray(value)
            else:                                   # output
                value = out = resolve_refs(node.args[0], env)
            env[node.name] = value
            for name in self._free[i]:
                env.pop(name, None)
        self._push_cache((caches, grad_meta(out), [grad_meta(x) for x in inputs], self.nodes,
                          self._bound))
        return out

    # ------------------------------------------------------------------ backward
    def _seed(self, grad_output: Any, meta: Any) -> Any:
        """Check ``grad_output`` against the output: an array (None: 1.0 for a scalar), or
        for a tuple output a matching tuple with None for outputs without gradient, or one
        array for its first element; for a dict output a dict (missing keys: no gradient)."""
        if isinstance(meta, dict):
            if not isinstance(grad_output, dict) or set(grad_output) - set(meta):
                raise ValueError(f"{self._label}.backward: the output is a dict with keys "
                                 f"{sorted(meta)}; expected a dict of gradients with some of "
                                 f"them, got {type(grad_output).__name__}"
                                 f"{' with keys ' + str(sorted(grad_output)) if isinstance(grad_output, dict) else ''}")
            return {k: None if grad_output.get(k) is None else self._seed(grad_output[k], m)
                    for k, m in meta.items()}
        if isinstance(meta, list):
            if not isinstance(grad_output, (tuple, list)):
                grad_output = [grad_output] + [None] * (len(meta) - 1)
            if len(grad_output) != len(meta):
                raise ValueError(f"{self._label}.backward: expected {len(meta)} output gradients, "
                                 f"got {len(grad_output)}")
            return [None if g is None else self._seed(g, m) for g, m in zip(grad_output, meta)]
        if meta is None:
            return None
        return check_grad(self._label, grad_output, *meta)

    def backward(self, grad_output: Any = None) -> Any:
        caches, out_meta, in_meta, nodes, bound_args = self._pop_cache()
        grads: dict[str, Any] = {}
        route_grad(nodes[-1].args[0], self._seed(grad_output, out_meta), grads)
        input_grads = []
        for node in reversed(nodes[:-1]):
            g = grads.pop(node.name, None)
            if node.no_grad and node.op != "placeholder":
                continue
            if node.op == "call_module":
                self._module_backward(node, g, caches[node.name], grads)
            elif node.op == "call_function":
                op = OPS[node.target]
                if g is None or op.backward is None:
                    continue
                bound = bound_args[node.name]
                for name, gi in op.backward(g, caches[node.name]).items():
                    route_grad(bound.arguments.get(name), gi, grads)
            elif node.op == "get_attr" and g is not None:
                owner, name = self._attr(node)
                if owner is not None and name in owner._parameters:
                    owner._accumulate(name, g)
            elif node.op == "placeholder":
                input_grads.append(g)
        input_grads.reverse()
        input_grads = [g if m is not None else None for g, m in zip(input_grads, in_meta)]
        return input_grads[0] if len(input_grads) == 1 else tuple(input_grads)

    def _raise_placed(self, e: Exception, node: Node) -> None:
        """Raise ``e`` again (same type), its message prefixed with the node it came from."""
        try:
            placed = type(e)(f"{self._label}: node {node.name} ({node.label}): {e}")
        except Exception:  # noqa: BLE001 - a type that takes other arguments: as it was
            raise e from None
        raise placed from e

    def _call_module(self, node: Node, env: dict[str, Any]) -> tuple[Any, tuple | None]:
        """Run a child; return (output, (its cache,) or None). The child's cache is taken
        into the graph's own, so a module called any number of times per forward (a shared
        activation) is not limited by ``MAX_PENDING_FORWARDS``."""
        mod = self._sub(node.target)
        before = mod._caches[-1] if mod._caches else None
        args = resolve_refs(node.args, env)
        try:
            if node.name in self._over and isinstance(args[0], np.ndarray) \
                    and args[0].flags.writeable and args[0].dtype.kind == "f":
                value = mod.forward_inplace(args[0])
            else:
                value = mod(*args, **resolve_refs(node.kwargs, env))
        except (TypeError, ValueError) as e:      # say which module of the model it was
            self._raise_placed(e, node)
        pushed = bool(mod._caches) and mod._caches[-1] is not before
        return value, ((mod._caches.pop(),) if pushed else None)

    def _module_backward(self, node: Node, g: Any, held: tuple | None,
                         grads: dict[str, Any]) -> None:
        mod = self._sub(node.target)
        if isinstance(g, (tuple, list)):           # (output, indices): the output's gradient
            g = g[0]
        if g is None:                              # output unused: its cache is just dropped
            return
        if held is not None:                       # hand the child its forward's cache back
            mod._caches.append(held[0])
        try:
            gin = mod.backward(g)
        except Exception:
            if held is not None and mod._caches and mod._caches[-1] is held[0]:
                mod._caches.pop()                  # a rejected gradient leaves no stray cache
            raise
        args = node.args
        route_grad(args[0] if len(args) == 1 else args, gin if len(args) == 1 else list(gin), grads)

    # ------------------------------------------------------------------ display
    def code(self) -> str:
        """The graph, one node per line (``name = op target(args)``)."""
        lines = []
        for n in self.nodes:
            args = ", ".join([repr(a) for a in n.args] + [f"{k}={v!r}" for k, v in n.kwargs.items()])
            lines.append(f"{n.name} = {n.op} {n.label or n.target}({args})")
        return "\n".join(lines)

    def extra_repr(self) -> str:
        return self.torch_class
