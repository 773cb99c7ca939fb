"""What the ModuleInfo and OpInfo sources share: a sample's call as tensors plus a template,
cases (contiguous and Fortran-ordered) and the spec around them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from ..harness.spec import Case, ParitySpec
from ..harness.tolerance import Terms

LAYOUTS = ("contig", "fortran")


@dataclass(frozen=True)
class Call:
    """A call with its tensors taken out: ``args``/``kwargs`` hold ``Slot(i)`` where tensor
    ``i`` of ``arrays`` goes (NumPy copies: float64 or integer)."""
    arrays: tuple[np.ndarray, ...]
    args: tuple
    kwargs: dict

    def bind(self, values: list) -> tuple[list, dict]:
        """args and kwargs with ``values`` (torch tensors or NumPy arrays) in the slots."""
        torch_side = any(type(v).__module__.startswith("torch") for v in values)

        def put(v: Any) -> Any:
            if isinstance(v, Slot):
                return values[v.i]
            if isinstance(v, DType):
                return getattr(__import__("torch"), v.name) if torch_side else np.dtype(v.name)
            if isinstance(v, (list, tuple)):
                return type(v)(put(u) for u in v)
            return v
        return [put(a) for a in self.args], {k: put(v) for k, v in self.kwargs.items()}


@dataclass(frozen=True)
class Slot:
    i: int


@dataclass(frozen=True)
class DType:
    """A dtype argument, given to torch as torch's and to NumPy as NumPy's."""
    name: str


def split_call(args: tuple, kwargs: dict) -> Call:
    """Take every tensor out of ``args``/``kwargs`` (nested in lists and tuples too)."""
    import torch
    arrays: list[np.ndarray] = []

    def take(v: Any) -> Any:
        if isinstance(v, torch.Tensor):
            arrays.append(v.detach().cpu().numpy().copy())
            return Slot(len(arrays) - 1)
        if isinstance(v, torch.dtype):                 # dtype=torch.float64: each side's own
            return DType(str(v).replace("torch.", ""))
        if isinstance(v, (list, tuple)) and any(isinstance(u, torch.Tensor) for u in v):
            return type(v)(take(u) for u in v)
        return v
    a = tuple(take(v) for v in args)
    k = {name: take(v) for name, v in kwargs.items()}
    return Call(tuple(arrays), a, k)


def sample_id(index: int, desc: str) -> str:
    """``<index>_<torch's description>``, made safe for a pytest id and a file name."""
    text = re.sub(r"[^A-Za-z0-9.=,+-]+", "_", desc).strip("_") or "default"
    return f"s{index:02d}_{text[:60]}"


def layout(x: np.ndarray, name: str) -> np.ndarray:
    """The array in a layout: C-contiguous, or Fortran-ordered (not C-contiguous for 2+ dims)."""
    return x.copy(order="F" if name == "fortran" else "C")    # 0-d stays 0-d


def cases_for(sid: str, call: Call, **more: Any) -> list[Case]:
    """One case per layout; params keep the call (and ``more``), input_shapes its arrays'.
    A ``dtype=`` argument sets the output dtype: such a case runs in that dtype only."""
    fixed = [v.name for v in call.kwargs.values() if isinstance(v, DType)]
    more = {**more, "dtypes": tuple(fixed)} if fixed else more
    return [Case(f"{sid}_{lay}", {"call": call, "layout": lay, **more},
                 tuple(a.shape for a in call.arrays)) for lay in LAYOUTS
            if lay == "contig" or any(a.ndim >= 2 for a in call.arrays)]


def make_inputs(case: Case, rng: np.random.Generator) -> list[np.ndarray]:
    """The sample's own tensors (torch drew them), in the case's layout."""
    return [layout(a.copy(), case.params["layout"]) for a in case.params["call"].arrays]


def terms(case: Case, tensor: str) -> Terms:
    """What one element sums, for the tolerance: up to every input element of the sample
    (a full reduction bounds any single op), each term of the inputs' rms size (a result
    that cancels, like a softmax gradient, still rounds at the size of what formed it)."""
    floats = [a for a in case.params["call"].arrays if a.dtype.kind == "f" and a.size]
    k = max([int(a.size) for a in case.params["call"].arrays] + [1])
    sq = [np.square(a[np.isfinite(a)]).mean() for a in floats if np.isfinite(a).any()]
    return Terms(k, float(np.sqrt(max(sq))) if sq else 0.0)


class SampleSpec(ParitySpec):
    """A spec whose cases may name the only dtypes they run in (``params['dtypes']``)."""

    def runs(self) -> Iterable[tuple[Case, str, str]]:
        for case, dtype, mode in super().runs():
            if dtype in case.params.get("dtypes", (dtype,)):
                yield case, dtype, mode


def spec(name: str, cases: list[Case], torch_module: Callable, numpy_module: Any,
         train_eval_differ: bool, description: str, **hooks: Any) -> ParitySpec:
    return SampleSpec(name=name, torch_module=torch_module, numpy_module=numpy_module,
                      cases=cases, train_eval_differ=train_eval_differ, reduction=terms,
                      make_inputs=make_inputs, description=description, **hooks)
