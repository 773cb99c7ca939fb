"""The reference a layer is checked against: a ``torch.nn`` class or a
``torch.nn.functional`` function, reduced to one description.

Either way the cases come from the spec of the module (``F.conv2d`` -> the ``Conv2d`` spec),
and every argument of the reference call gets a *role* named as torch names it: the inputs
(``input``, ``target``), the state (``weight``, ``running_mean``), the options (``stride``,
``eps``, ``p``) and the mode (``training``). A user's arguments are bound to these roles.
"""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ..specs import all_specs
from ..harness.spec import Case, ParitySpec

# torch.nn class -> its torch.nn.functional twin (the functional's arguments name the roles).
FUNCTIONAL = {
    "Conv1d": "conv1d", "Conv2d": "conv2d", "ConvTranspose2d": "conv_transpose2d",
    "Linear": "linear", "MaxPool1d": "max_pool1d", "MaxPool2d": "max_pool2d",
    "AvgPool1d": "avg_pool1d", "AvgPool2d": "avg_pool2d",
    "AdaptiveAvgPool2d": "adaptive_avg_pool2d", "AdaptiveMaxPool2d": "adaptive_max_pool2d",
    "BatchNorm2d": "batch_norm", "BatchNorm1d": "batch_norm", "InstanceNorm2d": "instance_norm",
    "LayerNorm": "layer_norm", "GroupNorm": "group_norm",
    "LocalResponseNorm": "local_response_norm", "Dropout": "dropout", "Dropout2d": "dropout2d",
    "ReLU": "relu", "ReLU6": "relu6", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu",
    "SELU": "selu", "GELU": "gelu", "SiLU": "silu", "Mish": "mish", "Sigmoid": "sigmoid",
    "Tanh": "tanh", "Hardswish": "hardswish", "Hardsigmoid": "hardsigmoid",
    "Softplus": "softplus", "Softmax": "softmax", "LogSoftmax": "log_softmax",
    "MSELoss": "mse_loss", "L1Loss": "l1_loss", "SmoothL1Loss": "smooth_l1_loss",
    "NLLLoss": "nll_loss", "CrossEntropyLoss": "cross_entropy", "BCELoss": "binary_cross_entropy",
    "BCEWithLogitsLoss": "binary_cross_entropy_with_logits", "MaxUnpool2d": "max_unpool2d",
    "ChannelShuffle": "channel_shuffle", "Hardtanh": "hardtanh",
}
# functional -> the module whose spec supplies its cases (the first listed above wins).
MODULE_OF = {}
for _m, _f in FUNCTIONAL.items():
    MODULE_OF.setdefault(_f, _m)

# Signatures of torch functionals that are builtins (inspect cannot read them).
_BUILTIN_SIGNATURES = {
    "hardtanh": "input, min_val=-1.0, max_val=1.0, inplace=False",
}

RANDOM = {"Dropout": "element", "Dropout2d": "channel"}     # masks recovered from the output


class ReferenceError_(ValueError):
    """REF is not a torch.nn module class nor a torch.nn.functional function."""


@dataclass
class Role:
    name: str
    kind: str             # 'input', 'param', 'buffer', 'option', 'mode'
    index: int = 0        # position among the inputs
    default: Any = inspect.Parameter.empty


@dataclass
class Reference:
    """``module``: the torch.nn class whose spec supplies cases; ``functional``: the name of
    its torch.nn.functional twin (or the REF itself); ``label``: REF as the user wrote it."""
    module: type | None
    functional: str | None
    label: str
    spec: ParitySpec | None = None
    by_functional: bool = False
    roles: dict[str, Role] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)   # the functional's argument order

    @property
    def name(self) -> str:
        return self.module.__name__ if self.module is not None else self.functional or self.label

    @property
    def random(self) -> str | None:
        return RANDOM.get(self.name)

    def inputs(self) -> list[str]:
        return [r.name for r in sorted(self.roles.values(), key=lambda r: r.index)
                if r.kind == "input"]


def _functional_signature(name: str) -> inspect.Signature | None:
    import numpy_layers.functional as nf
    import torch.nn.functional as tf
    for mod in (tf, nf):             # torch's own where inspect can read it
        fn = getattr(mod, name, None)
        if fn is None:
            continue
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        if any(p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in sig.parameters.values()):
            return sig
    text = _BUILTIN_SIGNATURES.get(name)
    if text:
        return inspect.signature(eval(f"lambda {text}: None"))  # noqa: S307 - fixed table
    return None


def label_of(obj: Any) -> str:
    """'torch.nn.Conv2d', 'torch.nn.functional.conv2d' or the object's own name."""
    import torch
    name = getattr(obj, "__name__", None)
    if name and getattr(torch.nn, name, None) is obj:
        return f"torch.nn.{name}"
    if name and getattr(torch.nn.functional, name, None) is obj:
        return f"torch.nn.functional.{name}"
    if isinstance(obj, type):
        return f"{obj.__module__}.{obj.__qualname__}"
    return name or repr(obj)


@lru_cache(maxsize=None)
def _spec_named(name: str) -> ParitySpec | None:
    return next((s for s in all_specs() if s.name == name), None)


def resolve(ref: Any) -> Reference:
    """A Reference for a torch.nn class, a torch.nn.functional function, or their dotted name."""
    import torch
    if isinstance(ref, str):
        ref = _load_torch(ref)
    if isinstance(ref, type) and issubclass(ref, torch.nn.Module):
        fname = FUNCTIONAL.get(ref.__name__)
        r = Reference(ref, fname, label_of(ref), _spec_named(ref.__name__))
    elif callable(ref) and getattr(ref, "__module__", "") and (
            getattr(torch.nn.functional, getattr(ref, "__name__", ""), None) is ref):
        fname = ref.__name__
        mod_name = MODULE_OF.get(fname)
        module = getattr(torch.nn, mod_name) if mod_name else None
        r = Reference(module, fname, label_of(ref), _spec_named(mod_name) if mod_name else None,
                      by_functional=True)
    else:
        raise ReferenceError_(f"check: --ref {label_of(ref)} is neither a torch.nn module class "
                              f"nor a torch.nn.functional function (e.g. torch.nn.Conv2d, "
                              f"torch.nn.functional.conv2d)")
    _add_roles(r)
    return r


def for_spec(spec: ParitySpec, label: str = "") -> Reference:
    """The reference a spec describes (its torch.nn class when torch has one by its name)."""
    import torch
    cls = getattr(torch.nn, spec.name, None)
    ref = resolve(cls) if isinstance(cls, type) and issubclass(cls, torch.nn.Module) else None
    if ref is None:
        ref = Reference(None, None, label or spec.name, spec)
        _add_roles(ref)
    ref.spec = spec
    ref.label = label or ref.label
    return ref


def _load_torch(text: str) -> Any:
    import importlib
    mod, _, name = text.rpartition(".")
    if not mod.startswith("torch"):
        raise ReferenceError_(f"check: --ref {text}: give a torch.nn class or a "
                              f"torch.nn.functional function, e.g. torch.nn.Conv2d")
    try:
        obj = getattr(importlib.import_module(mod), name)
    except (ImportError, AttributeError):
        raise ReferenceError_(f"check: --ref {text}: torch has no such name") from None
    return obj


def _add_roles(r: Reference) -> None:
    roles: dict[str, Role] = {}
    if r.module is not None:
        fwd = inspect.signature(r.module.forward).parameters
        ins = [n for n, p in fwd.items() if n != "self" and p.default is p.empty]
        for i, n in enumerate(ins):
            roles[n] = Role(n, "input", i)
        for n, p in inspect.signature(r.module).parameters.items():
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                roles.setdefault(n, Role(n, "option", default=p.default))
        for n, p in fwd.items():          # forward options: MaxUnpool2d's output_size
            if n != "self" and p.default is not p.empty:
                roles.setdefault(n, Role(n, "option", default=p.default))
    sig = _functional_signature(r.functional) if r.functional else None
    if sig is not None:
        r.positional = [n for n, p in sig.parameters.items()
                        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        for n, p in sig.parameters.items():
            if p.kind == p.KEYWORD_ONLY:
                continue
            if n in ("input", "target", "indices") and n not in roles:
                roles[n] = Role(n, "input", len([x for x in roles.values() if x.kind == "input"]))
            elif n in ("training", "use_input_stats"):
                roles[n] = Role(n, "mode", default=p.default)
            elif n not in roles and not n.startswith("_"):
                roles[n] = Role(n, "option", default=p.default)
    if r.module is not None:
        for n, kind in _state_kinds(r).items():
            roles[n] = Role(n, kind)
    for n in ("weight", "bias", "running_mean", "running_var"):
        if n in roles and roles[n].kind == "option":       # functional-only: still state
            roles[n] = Role(n, "buffer" if n.startswith("running") else "param")
    roles.setdefault("training", Role("training", "mode"))
    r.roles = roles


def _state_kinds(r: Reference) -> dict[str, str]:
    """State names of the module (from a spec case when there is one) and their kind."""
    import torch
    module = None
    try:
        with torch.random.fork_rng():
            if r.spec is not None and r.spec.cases:
                module = r.spec.torch_module(r.spec.cases[0])
    except Exception:  # noqa: BLE001 - no state known is fine: roles still name it
        module = None
    out: dict[str, str] = {}
    if module is not None:
        out.update({n: "param" for n, _ in module.named_parameters()})
        out.update({n: "buffer" for n, _ in module.named_buffers()})
    return out


def option_values(ref: Reference, case: Case, module: Any, mode: str) -> dict[str, Any]:
    """role -> value for one case: options as the torch module holds them (``stride=None``
    resolved to the kernel size), the mode as a bool."""
    out: dict[str, Any] = {}
    for name, role in ref.roles.items():
        if role.kind == "option":
            if name in case.params:
                v = getattr(module, name, case.params[name])
                if _is_state(v):
                    v = case.params[name]
                out[name] = case.params[name] if v is None and case.params[name] is not None \
                    else v
            elif hasattr(module, name) and not callable(getattr(module, name)):
                out[name] = getattr(module, name)
            elif role.default is not inspect.Parameter.empty:
                out[name] = role.default
        elif role.kind == "mode":
            train = mode == "train"
            if name == "use_input_stats":
                train = train or not getattr(module, "track_running_stats", True)
            out[name] = train
    if out.get("dim", 0) is None and _IMPLICIT_DIM.search(ref.label) and case.input_shapes:
        # softmax's dim=None is torch's implicit dim, not NumPy's axis=None (every axis)
        out["dim"] = 0 if len(case.input_shapes[0]) in (0, 1, 3) else 1
    return out


_IMPLICIT_DIM = re.compile(r"(?i)(softmax|softmin)$")


def non_default(ref: Reference, case: Case, module: Any) -> dict[str, Any]:
    """The options of ``case`` whose effective value differs from torch's default (the
    options a layer must be able to take for the case to be covered)."""
    if ref.module is None:
        return {}
    sig = inspect.signature(ref.module).parameters
    required = {k: v for k, v in case.params.items()
                if k in sig and sig[k].default is inspect.Parameter.empty}
    try:
        import torch
        with torch.random.fork_rng():
            plain = ref.module(**required)
    except Exception:  # noqa: BLE001 - compare with the signature's defaults instead
        plain = None
    out: dict[str, Any] = {}
    for k, v in case.params.items():
        if k in required or k not in sig:
            continue
        have, base = getattr(module, k, v), getattr(plain, k, sig[k].default) \
            if plain is not None else sig[k].default
        if _is_state(have) or _is_state(base):     # bias=True: the option, not the tensor
            have, base = v, sig[k].default
        if not same_value(have, base):
            out[k] = have if have is not None else v
    return out


def _is_state(v: Any) -> bool:
    """A tensor or array (the module's ``bias`` parameter, not its ``bias`` option)."""
    return hasattr(v, "shape") and hasattr(v, "dtype")


def same_value(a: Any, b: Any) -> bool:
    """Equal as options: (2, 2) == 2, None only equals None, arrays compared elementwise."""
    seq = (tuple, list)
    if isinstance(a, seq) or isinstance(b, seq):
        a = tuple(a) if isinstance(a, seq) else (a,) * len(b)
        b = tuple(b) if isinstance(b, seq) else (b,) * len(a)
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is b
    try:
        return bool(np.all(np.asarray(a) == np.asarray(b)))
    except Exception:  # noqa: BLE001 - incomparable values are different
        return False
