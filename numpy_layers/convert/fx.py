"""torch.fx models -> ``numpy_layers.graph.GraphModule`` (``from_torch``'s path for any model
with a custom ``forward``).

The model is traced by ``fx_trace`` (modules with a NumPy twin kept whole); each fx node
becomes a ``graph.Node``: functions and Tensor methods are mapped onto the
``graph_ops.OPS`` table (``_FUNCTIONS``, ``_METHODS``, ``_QUALIFIED`` by qualified name, and
what ``register_op`` adds), submodules onto their converted twins, and every unsupported
use is collected into one ``ConversionError``. torch is imported lazily, as in ``convert``.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from . import modules as M
from .convert import (CONTAINERS, ConversionError, _build, _converter, _key, _unsupported,
                      describe, supported)
from .fx_trace import trace_module

# OPS key -> the torch callables fx records for it (dotted paths; missing ones are skipped).
_FUNCTIONS = {
    "add": "operator.add operator.iadd torch.add",
    "sub": "operator.sub operator.isub torch.sub torch.subtract",
    "mul": "operator.mul operator.imul torch.mul torch.multiply",
    "div": "operator.truediv operator.itruediv torch.div torch.divide torch.true_divide",
    "floordiv": "operator.floordiv", "neg": "operator.neg torch.neg torch.negative",
    "pow": "operator.pow torch.pow", "getitem": "operator.getitem", "getattr": "builtins.getattr",
    "flatten": "torch.flatten", "reshape": "torch.reshape", "permute": "torch.permute",
    "transpose": "torch.transpose torch.swapaxes", "unsqueeze": "torch.unsqueeze",
    "squeeze": "torch.squeeze", "cat": "torch.cat torch.concat torch.concatenate",
    "stack": "torch.stack", "chunk": "torch.chunk", "split": "torch.split",
    "mean": "torch.mean", "sum": "torch.sum", "detach": "torch.detach", "clone": "torch.clone",
    "sqrt": "torch.sqrt", "rsqrt": "torch.rsqrt", "exp": "torch.exp", "log": "torch.log",
    "abs": "torch.abs", "square": "torch.square", "reciprocal": "torch.reciprocal",
    "clamp": "torch.clamp torch.clip",
    "relu": "torch.relu torch.relu_ F.relu", "relu6": "F.relu6", "leaky_relu": "F.leaky_relu",
    "elu": "F.elu", "selu": "torch.selu F.selu", "gelu": "F.gelu", "silu": "F.silu",
    "mish": "F.mish", "sigmoid": "torch.sigmoid F.sigmoid", "tanh": "torch.tanh F.tanh",
    "hardswish": "F.hardswish", "hardsigmoid": "F.hardsigmoid", "softplus": "F.softplus",
    "softmax": "torch.softmax F.softmax", "log_softmax": "torch.log_softmax F.log_softmax",
    "max_pool2d": "F.max_pool2d torch.max_pool2d", "avg_pool2d": "F.avg_pool2d",
    "adaptive_avg_pool2d": "F.adaptive_avg_pool2d",
    "adaptive_max_pool2d": "F.adaptive_max_pool2d", "dropout": "F.dropout",
    "dropout2d": "F.dropout2d", "hardtanh": "F.hardtanh",
    "interpolate": "F.interpolate", "upsample": "F.upsample",
    "upsample_nearest": "F.upsample_nearest", "upsample_bilinear": "F.upsample_bilinear",
    "conv1d": "F.conv1d torch.conv1d", "conv2d": "F.conv2d torch.conv2d",
    "conv_transpose1d": "F.conv_transpose1d torch.conv_transpose1d",
    "conv_transpose2d": "F.conv_transpose2d torch.conv_transpose2d", "linear": "F.linear",
    "batch_norm": "F.batch_norm", "instance_norm": "F.instance_norm",
    "layer_norm": "F.layer_norm", "group_norm": "F.group_norm",
    "local_response_norm": "F.local_response_norm", "prelu": "F.prelu torch.prelu",
    "pixel_shuffle": "F.pixel_shuffle torch.pixel_shuffle",
    "pixel_unshuffle": "F.pixel_unshuffle torch.pixel_unshuffle",
    "channel_shuffle": "F.channel_shuffle torch.channel_shuffle torch.native_channel_shuffle",
    "pad": "F.pad", "max_pool1d": "F.max_pool1d torch.max_pool1d",
    "avg_pool1d": "F.avg_pool1d torch.avg_pool1d",
    "adaptive_avg_pool1d": "F.adaptive_avg_pool1d torch.adaptive_avg_pool1d",
    "adaptive_max_pool1d": "F.adaptive_max_pool1d", "max_unpool2d": "F.max_unpool2d",
    "mse_loss": "F.mse_loss", "l1_loss": "F.l1_loss", "smooth_l1_loss": "F.smooth_l1_loss",
    "binary_cross_entropy": "F.binary_cross_entropy",
    "binary_cross_entropy_with_logits": "F.binary_cross_entropy_with_logits",
    "cross_entropy": "F.cross_entropy", "nll_loss": "F.nll_loss",
}
# Functions of packages that need not be importable, by qualified name -> OPS key.
_QUALIFIED = {"torchvision.ops.stochastic_depth.stochastic_depth": "stochastic_depth"}
# Callables added with ``register_op`` -> OPS key.
_USER_FUNCTIONS: dict[Any, str] = {}
# Tensor method -> OPS key (in-place ``x_`` forms map to their functional op).
_METHODS = {m: m for m in (
    "add sub mul div neg pow flatten permute transpose unsqueeze squeeze contiguous clone "
    "detach size dim numel mean sum relu sigmoid tanh softmax log_softmax chunk split "
    "sqrt rsqrt exp log abs square reciprocal clamp expand expand_as").split()}
_METHODS.update({"view": "reshape", "reshape": "reshape", "view_as": "reshape_as",
                 "reshape_as": "reshape_as", "swapaxes": "transpose", "clip": "clamp"})
_METHODS.update({m + "_": m for m in
                 "add sub mul div neg relu sigmoid tanh sqrt exp log abs clamp".split()})
_METHODS["clip_"] = "clamp"
_INPLACE = {"operator.iadd", "operator.isub", "operator.imul", "operator.itruediv", "torch.relu_"}


def _function_table() -> dict[Any, str]:
    import builtins
    import operator

    import torch
    roots = {"operator": operator, "builtins": builtins, "torch": torch, "F": torch.nn.functional}
    table: dict[Any, str] = {}
    for key, paths in _FUNCTIONS.items():
        for path in paths.split():
            head, *rest = path.split(".")
            obj: Any = roots[head]
            for part in rest:
                obj = getattr(obj, part, None)
            if obj is not None:
                table[obj] = key
    table.update(_USER_FUNCTIONS)
    return table


def _qualified(target: Any) -> str:
    from torch.fx.node import _get_qualified_name
    try:
        return _get_qualified_name(target)
    except Exception:  # noqa: BLE001 - not every callable has one
        return ""


def _label(node: Any) -> str:
    """What the user wrote: ``torch.fft.fft``, ``Tensor.cumsum``, ``operator.add`` ..."""
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    from torch.fx.node import _get_qualified_name
    try:
        name = _get_qualified_name(node.target)
    except Exception:  # noqa: BLE001 - only a display name
        name = repr(node.target)
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
    from .graph import GraphHolder
    if id(tm) not in memo:
        if _converter(tm) is not None and not _unsupported(tm):
            memo[id(tm)] = _build(tm)
        else:
            memo[id(tm)] = GraphHolder(type(tm).__name__)
            _fill(memo[id(tm)], tm, memo)
    return memo[id(tm)]


def _to_args(a: Any, alias: dict[str, str]) -> Any:
    """fx arguments with Nodes replaced by Refs (to the latest in-place result that updated
    them, see ``alias``), torch.Size by tuples, dtypes by names."""
    import torch
    from torch import fx

    from .graph import Ref
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


def from_fx(module: Any) -> M.Module:
    """Trace ``module`` and build its GraphModule; every unsupported use is collected.

    An in-place op (``x.add_(y)``, ``F.relu(x, inplace=True)``, ``nn.ReLU(inplace=True)``)
    is run out of place and later uses of ``x`` read its result, which is what torch
    computes (views of ``x`` taken before the in-place op are not updated)."""
    from .graph import GraphModule, Node, Ref
    from .graph_ops import OPS
    graph, consts = trace_module(module)
    functions, alias = _function_table(), {}
    problems: dict[str, list[str]] = {}
    nodes = []
    for n in graph.nodes:
        args, kwargs, label, key = _to_args(n.args, alias), _to_args(n.kwargs, alias), "", None
        if n.op == "placeholder":
            nodes.append(Node("placeholder", n.name, n.target, label=n.target,
                              value=args[0] if args else None, has_default=bool(args)))
            continue
        if n.op == "get_attr":
            value = _array(consts[n.target]) if n.target in consts else None
            nodes.append(Node("get_attr", n.name, n.target, label=n.target, value=value))
            continue
        if n.op == "output":
            nodes.append(Node("output", n.name, args=args))
            continue
        if n.op == "call_module":
            sub = module.get_submodule(n.target)
            label = describe(n.target, sub)
            if _converter(sub) is None or _key(sub) in CONTAINERS:
                problems.setdefault(f"module {label} (no NumPy twin)", []).append(n.name)
            inplace = bool(getattr(sub, "inplace", False))
            nodes.append(Node("call_module", n.name, n.target, args, kwargs, label=label))
        else:
            label = _label(n)
            key = _METHODS.get(n.target) if n.op == "call_method" else \
                functions.get(n.target) or _QUALIFIED.get(_qualified(n.target))
            if key == "getattr" and len(args) > 1 and args[1] not in ("shape", "ndim"):
                key, label = None, f"Tensor.{args[1]}"
            if key is None:
                problems.setdefault(f"{label} ({n.op})", []).append(n.name)
            else:
                try:
                    OPS[key].signature.bind(*args, **kwargs)
                except TypeError as e:
                    problems.setdefault(f"{label} ({n.op}) with arguments {args}, {kwargs}: {e}",
                                        []).append(n.name)
            inplace = label in _INPLACE or label.endswith("_") or kwargs.get("inplace") is True
            nodes.append(Node("call_function", n.name, key or "", args, kwargs, label=label))
        if inplace and n.args and isinstance(args[0], Ref):   # every name of the value
            for k, v in list(alias.items()):
                if v == args[0].name:
                    alias[k] = n.name
            alias[args[0].name] = alias[n.args[0].name] = n.name
    if problems:
        cls = f"{type(module).__module__}.{type(module).__qualname__}"
        lines = [f"  {what}: {len(names)} use{'s' if len(names) > 1 else ''} ({', '.join(names)})"
                 for what, names in problems.items()]
        raise ConversionError(
            f"from_torch: cannot convert {cls}: {len(problems)} unsupported operation"
            f"{'s' if len(problems) > 1 else ''} in its torch.fx graph:\n" + "\n".join(lines)
            + f"\nsupported functions and Tensor methods: {', '.join(sorted(OPS))}"
            + f"\nsupported modules: {', '.join(supported())}"
            + "\nadd a missing one without editing numpy_layers: numpy_layers.register_op("
              "torch_target, forward, backward) for a function or Tensor method, "
              "numpy_layers.register_module(torch_class, converter) for a module")
    out = GraphModule(nodes, type(module).__name__)
    return _fill(out, module, {id(module): out})


def register_op(torch_target: Any, forward: Callable[..., tuple[Any, Any]],
                backward: Callable[[Any, Any], Any] | None = None) -> str:
    """Teach ``from_torch`` one more function or Tensor method of a traced forward.

    ``torch_target``: what the forward calls: a callable (``torch.cumsum``,
    ``torch.nn.functional.softsign``), a qualified name (``"package.module.function"``,
    whose package need not be importable here), or ``"Tensor.<method>"``.
    ``forward(*args, **kwargs) -> (output, cache)`` takes the torch function's arguments
    (NumPy arrays for tensors; for a method the tensor comes first), and
    ``backward(grad_output, cache)`` returns the gradients: one array (for the first
    argument), a tuple (one per positional argument, None where there is none) or a dict
    {argument name: gradient}. ``backward=None``: no gradient flows through the op.
    A later registration for the same target replaces an earlier one. Returns the op's key.
    """
    from .graph_ops import OPS, Op
    if not callable(forward) or (backward is not None and not callable(backward)):
        raise TypeError("register_op: forward and backward must be callables (backward may be "
                        f"None), got {type(forward).__name__} and {type(backward).__name__}")
    method = isinstance(torch_target, str) and torch_target.startswith("Tensor.")
    if isinstance(torch_target, str):
        label = torch_target
    elif callable(torch_target):
        label = _qualified(torch_target) or repr(torch_target)
    else:
        raise TypeError(f"register_op: expected a callable, a qualified name or 'Tensor.<method>' "
                        f"as torch_target, got {torch_target!r}")
    key = f"user:{label}"
    names = [p.name for p in inspect.signature(forward).parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

    def checked(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out = forward(*args, **kwargs)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError(f"the forward registered for {label} must return (output, cache), "
                            f"got {type(out).__name__}")
        return out
    checked.__signature__ = inspect.signature(forward)   # type: ignore[attr-defined]

    def grads(dy: Any, cache: Any) -> dict[str, Any]:
        g = backward(dy, cache)
        if isinstance(g, dict):
            return g
        return dict(zip(names, g)) if isinstance(g, (tuple, list)) else {names[0]: g}
    OPS[key] = Op(key, checked, None if backward is None else grads)
    if method:
        _METHODS[torch_target[len("Tensor."):]] = key
    elif isinstance(torch_target, str):
        _QUALIFIED[torch_target] = key
    else:
        _USER_FUNCTIONS[torch_target] = key
    return key
