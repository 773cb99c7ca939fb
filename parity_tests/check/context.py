"""What an adapter needs to know about one case, and what holds across a whole check."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .layout import Expr, Layout
from .reference import Reference, option_values
from ..harness.spec import Case


class MappingError(ValueError):
    """torch's parameters or buffers could not be matched with the user layer's arrays."""


@dataclass
class Prefs:
    """Choices that hold for every case of one check."""
    param_map: dict[str, Expr] = field(default_factory=dict)    # torch name -> expression
    args: dict[str, str] = field(default_factory=dict)          # user parameter -> role
    init: dict[str, Any] = field(default_factory=dict)          # user constructor values
    input_layout: str | None = None                             # 'NHWC' ...
    layouts: dict[str, Layout] = field(default_factory=dict)    # settled per torch name
    mapping: dict[str, str] = field(default_factory=dict)       # torch name -> description
    notes: list[str] = field(default_factory=list)
    orders: dict[str, Any] = field(default_factory=dict)        # returned-gradient order,
                                                                # settled by shapes

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclass
class Context:
    """One case of the spec, seen from the user's side."""
    ref: Reference
    case: Case
    dtype: np.dtype
    torch: Any                                  # the torch module (float32), for attributes
    shapes: "OrderedDict[str, tuple]"           # torch state present in this case
    params: set[str]                            # which of those are parameters
    absent: dict[str, tuple]                    # parameters torch lacks here -> their shape
    prefs: Prefs
    seed: int = 0
    mode: str = "train"

    def options(self, mode: str | None = None) -> dict[str, Any]:
        return option_values(self.ref, self.case, self.torch, mode or self.mode)

    @property
    def spatial(self) -> int:
        for name in ("kernel_size", "stride", "padding", "dilation"):
            v = getattr(self.torch, name, None)
            if isinstance(v, tuple) and v and not isinstance(v[0], tuple):
                return len(v)
        return 2


def build_context(ref: Reference, case: Case, dtype: np.dtype, prefs: Prefs,
                  seed: int = 0) -> Context:
    """The torch module of ``case`` (built without touching torch's RNG) and its state."""
    import torch
    with torch.random.fork_rng():
        module = ref.spec.torch_module(case)
    shapes = OrderedDict((k, tuple(v.shape)) for k, v in module.state_dict().items())
    params = {k for k, _ in module.named_parameters()}
    absent = _absent_parameters(ref, case, module)
    return Context(ref, case, np.dtype(dtype), module, shapes, params, absent, prefs, seed)


def _absent_parameters(ref: Reference, case: Case, module: Any) -> dict[str, tuple]:
    """Parameters that an option turned off (bias=False, affine=False): name -> the shape
    they have when on, so a layer that always has them can hold their neutral value."""
    import torch
    flips = {k: True for k in ("bias", "affine", "elementwise_affine")
             if case.params.get(k) is False}
    if not flips:
        return {}
    try:
        with torch.random.fork_rng():
            full = ref.spec.torch_module(Case(case.id, {**case.params, **flips}, case.input_shapes))
    except Exception:  # noqa: BLE001 - no shape known: the layer's own array decides
        return {}
    have = dict(module.named_parameters())
    return {k: tuple(v.shape) for k, v in full.named_parameters() if k not in have}
