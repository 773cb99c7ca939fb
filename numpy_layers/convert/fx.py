"""torch.fx models -> ``GraphModule`` (``from_torch``'s path for any model with a custom
``forward``).

The model is traced by ``trace`` (modules with a NumPy twin kept whole); each fx node
becomes a ``graph.Node``: functions and Tensor methods are mapped onto the op table
``ops.OPS`` through the ``targets`` tables, submodules onto their converted twins
(``registry``), and every unsupported use is collected into one ``ConversionError``. torch
is imported lazily.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import modules as M
from .graph import GraphHolder, GraphModule, Node, Ref
from .ops import OPS
from .registry import (CONTAINERS, ConversionError, build, class_key, converter_of, describe,
                       supported, unsupported)
from .targets import (GETATTR, INPLACE, METHODS, QUALIFIED, VIEWS, function_table,
                      qualified_name)
from .trace import trace_module


def _label(node: Any) -> str:
    """What the user wrote: ``torch.fft.fft``, ``Tensor.cumsum``, ``operator.add`` ..."""
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    name = qualified_name(node.target) or repr(node.target)
    for old, new in (("_operator.", "operator."), ("torch._C._nn.", "torch.nn.functional."),
                     ("torch._C._fft.fft_", "torch.fft."), ("torch._C._linalg.linalg_", "torch.linalg."),
                     ("torch._C._special.special_", "torch.special."), ("torch._C._VariableFunctions.", "torch.")):
        if name.startswith(old):
            return new + name[len(old):]
    return name


def _array(t: Any) -> np.ndarray:
    """A NumPy copy of a tensor; floating point must be float32 or float64."""
    import torch
    if t.is_floating_point() and t.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"from_torch: a tensor of dtype {t.dtype} was found; numpy_layers supports "
                        f"float32 and float64 (call .float() or .double() first)")
    return t.detach().cpu().numpy().copy()


def _fill(out: M.Module, tm: Any, memo: dict[int, M.Module]) -> M.Module:
    """Give holder ``out`` the parameters, buffers, children and mode of torch module ``tm``."""
    for name, p in tm._parameters.items():
        out.register_parameter(name, None if p is None else _array(p))
    for name, b in tm._buffers.items():
        out.register_buffer(name, None if b is None else _array(b),
                            persistent=name not in tm._non_persistent_buffers_set)
    for name, c in tm._modules.items():
        out.add_module(name, None if c is None else _mirror(c, memo))
    object.__setattr__(out, "training", tm.training)
    return out


def _mirror(tm: Any, memo: dict[int, M.Module]) -> M.Module:
    """The NumPy twin of a submodule: converted if it (and its subtree) has a twin, else a
    holder; a module reachable under two names is one shared twin, as in torch."""
    if id(tm) not in memo:
        if converter_of(tm) is not None and not unsupported(tm):
            memo[id(tm)] = build(tm)
        else:
            memo[id(tm)] = GraphHolder(type(tm).__name__)
            _fill(memo[id(tm)], tm, memo)
    return memo[id(tm)]


def _to_args(a: Any, alias: dict[str, str]) -> Any:
    """fx arguments with Nodes replaced by Refs (to the latest in-place result that updated
    them, see ``alias``), torch.Size by tuples, dtypes by names."""
    import torch
    from torch import fx

    if isinstance(a, fx.Node):
        return Ref(alias.get(a.name, a.name))
    if isinstance(a, torch.Size):
        return tuple(a)
    if isinstance(a, (tuple, list)):          # fx's immutable_list becomes a plain list
        return (tuple if isinstance(a, tuple) else list)(_to_args(v, alias) for v in a)
    if isinstance(a, dict):
        return {k: _to_args(v, alias) for k, v in a.items()}
    if isinstance(a, slice):
        return slice(_to_args(a.start, alias), _to_args(a.stop, alias), _to_args(a.step, alias))
    if isinstance(a, (torch.dtype, torch.device, torch.memory_format, torch.layout)):
        return str(a)
    return a


class _Memory:
    """Which traced values share memory in torch (``targets.VIEWS``: views, or the input
    itself), so that an in-place op whose effect torch would show elsewhere is reported."""

    def __init__(self) -> None:
        self.base: dict[str, str] = {}        # node -> the value whose memory it uses
        self.stale: dict[str, str] = {}       # node -> in-place node that changed it unseen
        self.attrs: set[str] = set()          # get_attr nodes (parameters, buffers)
        self.labels: dict[str, str] = {}

    def record(self, node: Node, key: str, inplace: bool, alias: dict[str, str]) -> str:
        """Note where ``node``'s value lives; the problem of an in-place op on a parameter
        or buffer (whether read again or not), else ''."""
        first = node.args[0] if node.args else None
        self.labels[node.name] = node.label or node.target
        if node.op == "get_attr":
            self.attrs.add(node.name)
        if not isinstance(first, Ref) or not (inplace or key in VIEWS):
            self.base[node.name] = node.name
            return ""
        root = self.base.get(first.name, first.name)
        self.base[node.name] = node.name if inplace else root
        if not inplace:
            return ""
        if root in self.attrs:
            return (f"{node.label} writes in place into parameter or buffer "
                    f"{self.labels[root]} (the change would outlive the call)")
        group = {first.name} | {k for k, v in alias.items() if v == first.name}
        for other, b in self.base.items():
            if b == root and other not in group and other != node.name:
                self.stale.setdefault(other, f"{node.label} ({node.name}) writes in place into "
                                             f"{self.labels[first.name]} ({first.name}), which "
                                             f"shares memory with {self.labels[other]} ({other}), "
                                             f"read afterwards (torch would show the change there)")
        return ""

    def stale_inputs(self, n: Any, alias: dict[str, str]) -> str:
        """The problem of fx node ``n`` reading a value an in-place op changed unseen."""
        for i in n.all_input_nodes:
            for name in (i.name, alias.get(i.name, i.name)):
                if name in self.stale:
                    return self.stale[name]
        return ""


def _key(nodes: list[Node]) -> list[tuple]:
    """What makes two converted graphs the same computation."""
    return [(n.op, n.name, n.target, repr(n.args), repr(n.kwargs), n.no_grad) for n in nodes]


def from_fx(module: Any) -> M.Module:
    """Trace ``module`` (in its own mode, and in the other: a forward that reads
    ``self.training`` gets one graph per mode) and build its GraphModule."""
    mode = module.training
    nodes = _graph_nodes(module)
    flags = {m: m.training for m in module.modules()}
    try:
        module.train(not mode)
        other: Any = _graph_nodes(module)
        if _key(other) == _key(nodes):
            other = None
    except ConversionError as e:             # reported if the twin is run in that mode
        other = ConversionError(
            f"from_torch: the forward of {type(module).__qualname__} depends on self.training "
            f"and could not be converted in {'training' if not mode else 'eval'} mode (it was "
            f"converted in {'training' if mode else 'eval'} mode):\n{e}")
    finally:                                  # every submodule's own flag back
        for m, flag in flags.items():
            m.training = flag
    out = GraphModule(nodes, type(module).__name__, other=other, traced_training=mode)
    return _fill(out, module, {id(module): out})


def _graph_nodes(module: Any) -> list[Node]:
    """Trace ``module`` into Nodes; every unsupported use is collected into one error.

    An in-place op (``x.add_(y)``, ``F.relu(x, inplace=True)``, ``nn.ReLU(inplace=True)``)
    is run out of place and later uses of ``x`` read its result, which is what torch
    computes. Where torch's result would also show through another tensor sharing x's
    memory (a view of x, or the tensor x is a view of, read after the in-place op), or
    where x is a parameter or buffer (the update would outlive the call), the use is
    reported as unsupported instead (``_Memory``)."""
    graph, consts, scopes = trace_module(module)
    functions, alias = function_table(), {}
    problems: dict[str, list[str]] = {}
    nodes = []
    memory, keys = _Memory(), {}
    for n in graph.nodes:
        stale = memory.stale_inputs(n, alias)
        if stale:
            problems.setdefault(stale, []).append(n.name)
        args, kwargs, label, key = _to_args(n.args, alias), _to_args(n.kwargs, alias), "", None
        if n.op == "placeholder":
            nodes.append(Node("placeholder", n.name, n.target, label=n.target,
                              value=args[0] if args else None, has_default=bool(args)))
            continue
        if n.op == "get_attr":
            value = _array(consts[n.target]) if n.target in consts else None
            nodes.append(Node("get_attr", n.name, n.target, label=n.target, value=value,
                              no_grad=bool(n.meta.get("no_grad"))))
            memory.record(nodes[-1], "", False, alias)
            continue
        if n.op == "output":
            nodes.append(Node("output", n.name, args=args))
            continue
        if n.op == "call_module":
            sub = module.get_submodule(n.target)
            label = describe(n.target, sub)
            if converter_of(sub) is None or class_key(sub) in CONTAINERS:
                problems.setdefault(f"module {label} (no NumPy twin)", []).append(n.name)
            inplace = bool(getattr(sub, "inplace", False))
            nodes.append(Node("call_module", n.name, n.target, args, kwargs, label=label,
                              no_grad=bool(n.meta.get("no_grad"))))
        else:
            label = _label(n)
            key = METHODS.get(n.target) if n.op == "call_method" else \
                functions.get(n.target) or QUALIFIED.get(qualified_name(n.target))
            if key == "getattr" and len(args) > 1 and args[1] not in GETATTR.get(
                    keys.get(getattr(args[0], "name", None)), GETATTR[None]):
                key, label = None, f"Tensor.{args[1]}"
            keys[n.name] = key
            if key is None:
                problems.setdefault(f"{label} ({n.op})", []).append(n.name)
            else:
                try:
                    OPS[key].signature.bind(*args, **kwargs)
                except TypeError as e:
                    problems.setdefault(f"{label} ({n.op}) with arguments {args}, {kwargs}: {e}",
                                        []).append(n.name)
            inplace = label in INPLACE or label.endswith("_") or kwargs.get("inplace") is True
            nodes.append(Node("call_function", n.name, key or "", args, kwargs, label=label,
                              no_grad=bool(n.meta.get("no_grad"))))
        inplace = inplace and bool(n.args) and isinstance(args[0], Ref)
        problem = memory.record(nodes[-1], key or (type(sub).__name__ if n.op == "call_module"
                                                   else ""), inplace, alias)
        if problem:
            problems.setdefault(problem, []).append(n.name)
        if inplace:                                   # every name of the value
            for k, v in list(alias.items()):
                if v == args[0].name:
                    alias[k] = n.name
            alias[args[0].name] = alias[n.args[0].name] = n.name
    if problems:
        cls = f"{type(module).__module__}.{type(module).__qualname__}"
        lines = [f"  {what}: {len(names)} use{'s' if len(names) > 1 else ''} ("
                 + ", ".join(f"{k} in {scopes[k]}" if scopes.get(k) else k for k in names) + ")"
                 for what, names in problems.items()]
        raise ConversionError(
            f"from_torch: cannot convert {cls}: {len(problems)} unsupported operation"
            f"{'s' if len(problems) > 1 else ''} in its torch.fx graph:\n" + "\n".join(lines)
            + f"\nsupported functions and Tensor methods: {', '.join(sorted(OPS))}"
            + f"\nsupported modules: {', '.join(supported())}"
            + "\nadd a missing one without editing numpy_layers: numpy_layers.register_op("
              "torch_target, forward, backward) for a function or Tensor method, "
              "numpy_layers.register_module(torch_class, converter) for a module")
    return nodes
