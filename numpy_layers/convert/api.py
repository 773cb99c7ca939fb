"""``from_torch``: the NumPy twin of a torch.nn module, parameters and buffers copied.

A module whose whole tree has converters (``registry``) is built directly; any other model
(a custom ``nn.Module`` with its own ``forward``, or a container holding one) is traced with
``torch.fx`` and becomes a ``GraphModule`` (``fx``). torch is imported lazily, only when
``from_torch`` is called.
"""
from __future__ import annotations

from typing import Any

from .. import modules as M
from .fx import from_fx
from .registry import build, class_key, describe, supported, unsupported


def from_torch(module: Any) -> M.Module:
    """Build the NumPy twin of ``module``: same class, options, parameters, buffers, mode.

    torch.nn classes and Sequential containers of them convert directly. A model holding
    any other class (custom ``forward``) is traced with ``torch.fx`` into a ``GraphModule``.
    Raises TypeError naming every torch.nn module without a twin, or ``ConversionError``
    (a TypeError and ValueError) listing every unsupported operation of a traced model.
    """
    import torch
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    missing = unsupported(module)
    if any(class_key(m) is None for _, m in missing):
        out = from_fx(module)                # torch.fx tracing, only for custom models
    elif missing:
        raise TypeError(
            "from_torch: no NumPy twin for these modules:\n  "
            + "\n  ".join(describe(p, m) for p, m in missing)
            + f"\nsupported: {', '.join(supported())}"
            + "\nadd one without editing numpy_layers: numpy_layers.register_module(torch_class, "
              "converter)"
        )
    else:
        out = build(module)
    out.load_state_dict({k: v.detach().cpu().numpy() for k, v in module.state_dict().items()})
    _tie(module, out)
    return out


def _tie(module: Any, out: M.Module) -> None:
    """A parameter torch shares under several names (``fc2.weight = fc1.weight``) becomes
    one array in the twin, its gradients summed under the first name, as torch's."""
    first: dict[int, tuple[M.Module, str]] = {}
    mods = dict(out.named_modules())
    for name, p in module.named_parameters(remove_duplicate=False):
        path, _, leaf = name.rpartition(".")
        if id(p) in first:
            mods[path].tie_parameter(leaf, *first[id(p)])
        else:
            first[id(p)] = (mods[path], leaf)
