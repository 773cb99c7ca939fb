"""Which torch callable is which op: the tables ``from_fx`` reads to map a traced node onto
the op table (``ops.OPS``), and ``register_op``, which adds a user's op and its targets.

``FUNCTIONS``: op key -> the torch callables fx records for it; ``METHODS``: Tensor method
-> op key; ``QUALIFIED``: functions of packages that need not be importable, by qualified
name; ``USER_FUNCTIONS``: callables added with ``register_op``; ``INPLACE``: the in-place
function forms. torch is imported lazily, only when a table is built or a name looked up.
"""
from __future__ import annotations

import builtins
import inspect
import operator
from typing import Any, Callable

from .ops import OPS, Op

# OPS key -> the torch callables fx records for it (dotted paths; missing ones are skipped).
FUNCTIONS = {
    "add": "operator.add operator.iadd torch.add",
    "sub": "operator.sub operator.isub torch.sub torch.subtract",
    "mul": "operator.mul operator.imul torch.mul torch.multiply",
    "div": "operator.truediv operator.itruediv torch.div torch.divide torch.true_divide",
    "floordiv": "operator.floordiv", "neg": "operator.neg torch.neg torch.negative",
    "pow": "operator.pow torch.pow", "getitem": "operator.getitem",
    "setitem": "operator.setitem", "getattr": "builtins.getattr",
    "flatten": "torch.flatten", "reshape": "torch.reshape", "permute": "torch.permute",
    "transpose": "torch.transpose torch.swapaxes", "unsqueeze": "torch.unsqueeze",
    "squeeze": "torch.squeeze", "cat": "torch.cat torch.concat torch.concatenate",
    "stack": "torch.stack", "chunk": "torch.chunk", "split": "torch.split",
    "mean": "torch.mean", "sum": "torch.sum", "max": "torch.max", "min": "torch.min",
    "amax": "torch.amax", "amin": "torch.amin", "maximum": "torch.maximum",
    "minimum": "torch.minimum", "detach": "torch.detach", "clone": "torch.clone",
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
    "matmul": "torch.matmul operator.matmul", "bmm": "torch.bmm", "norm": "torch.norm",
    "normalize": "F.normalize", "zeros_like": "torch.zeros_like", "ones_like": "torch.ones_like",
    "clamp_min": "torch.clamp_min", "clamp_max": "torch.clamp_max", "t": "torch.t",
}
# Functions of packages that need not be importable, by qualified name -> OPS key.
QUALIFIED = {"torchvision.ops.stochastic_depth.stochastic_depth": "stochastic_depth"}
# Callables added with ``register_op`` -> OPS key.
USER_FUNCTIONS: dict[Any, str] = {}
# Tensor method -> OPS key (in-place ``x_`` forms map to their functional op).
METHODS = {m: m for m in (
    "add sub mul div neg pow flatten permute transpose unsqueeze squeeze contiguous clone "
    "detach size dim numel mean sum max min amax amin maximum minimum relu sigmoid tanh softmax log_softmax chunk split "
    "sqrt rsqrt exp log abs square reciprocal clamp expand expand_as to type_as float double "
    "matmul bmm norm repeat clamp_min clamp_max new_zeros new_ones t").split()}
METHODS.update({"view": "reshape", "reshape": "reshape", "view_as": "reshape_as",
                 "reshape_as": "reshape_as", "swapaxes": "transpose", "clip": "clamp"})
METHODS.update({m + "_": m for m in
                 "add sub mul div neg relu sigmoid tanh sqrt exp log abs clamp clamp_min "
                 "clamp_max".split()})
METHODS["clip_"] = "clamp"
# Attributes a forward may read: of any traced value (None), and of an op's result by key.
GETATTR = {None: ("shape", "ndim", "dtype", "device"), "max": ("values", "indices"), "min": ("values", "indices")}
# Ops and modules whose result may share its input's memory in torch (a view, or the
# input itself): an in-place op on one of them also changes the other.
VIEWS = frozenset("getitem reshape reshape_as flatten unsqueeze squeeze contiguous detach expand "
                  "expand_as permute transpose chunk split dropout dropout2d Flatten Unflatten "
                  "Identity Dropout Dropout2d to type_as float double t".split())
INPLACE = {"operator.setitem", "operator.iadd", "operator.isub", "operator.imul", "operator.itruediv", "torch.relu_"}


def function_table() -> dict[Any, str]:
    """torch callable -> op key, for the callables importable here and the registered ones."""
    import torch
    roots = {"operator": operator, "builtins": builtins, "torch": torch, "F": torch.nn.functional}
    table: dict[Any, str] = {}
    for key, paths in FUNCTIONS.items():
        for path in paths.split():
            head, *rest = path.split(".")
            obj: Any = roots[head]
            for part in rest:
                obj = getattr(obj, part, None)
            if obj is not None:
                table[obj] = key
    table.update(USER_FUNCTIONS)
    return table


def qualified_name(target: Any) -> str:
    """torch.fx's qualified name of a callable (``torch.cumsum``), or '' when it has none."""
    from torch.fx.node import _get_qualified_name
    try:
        return _get_qualified_name(target)
    except Exception:  # noqa: BLE001 - not every callable has one
        return ""


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
    if not callable(forward) or (backward is not None and not callable(backward)):
        raise TypeError("register_op: forward and backward must be callables (backward may be "
                        f"None), got {type(forward).__name__} and {type(backward).__name__}")
    method = isinstance(torch_target, str) and torch_target.startswith("Tensor.")
    if isinstance(torch_target, str):
        label = torch_target
    elif callable(torch_target):
        label = qualified_name(torch_target) or repr(torch_target)
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
        METHODS[torch_target[len("Tensor."):]] = key
    elif isinstance(torch_target, str):
        QUALIFIED[torch_target] = key
    else:
        USER_FUNCTIONS[torch_target] = key
    return key
