"""``ParitySpec`` and ``Case``: how a layer's two twins are built and which cases run.

A spec file in ``parity_tests/specs/`` defines ``SPEC = ParitySpec(...)`` (or a list
``SPECS``); the registry collects every such file, so adding a file adds the layer to
the suite and the report.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from numpy_layers import from_torch


@dataclass(frozen=True)
class Case:
    """One configuration: constructor kwargs, input shapes and how inputs are drawn.

    ``kind``: 'random' (normal draws, elements near a kink or tie redrawn), 'ties'
    (small integers, so windows hold exact ties), 'nan' (ties plus several NaN).
    ``steps``: forward/backward repetitions (running statistics, gradient accumulation).
    """
    id: str
    params: dict[str, Any]
    input_shapes: tuple[tuple[int, ...], ...]
    kind: str = "random"
    steps: int = 1


@dataclass(frozen=True)
class ErrorInput:
    """A bad input or configuration both sides must reject.

    ``params``: constructor kwargs (the same for torch.nn and numpy_layers); ``x()``: the
    input (an array or any Python object); ``expect``: text the NumPy message must contain
    besides the layer's name ("" for none). ``torch_accepts_reason``: set where torch
    accepts what we reject, with the reason (README, "Differences from torch")."""
    id: str
    params: dict[str, Any]
    x: Callable[[], Any]
    expect: str = ""
    torch_accepts_reason: str = ""


def ones(*shape: int, dtype: Any = np.float32) -> Callable[[], np.ndarray]:
    """An ``ErrorInput.x``: a new array of ones of this shape and dtype at each call."""
    return lambda: np.ones(shape, dtype)


@dataclass
class ParitySpec:
    """How to build and drive the NumPy layer and its torch.nn twin.

    torch_module(case) -> torch.nn.Module (float32; the harness makes the float64 copy).
    numpy_module(case, dtype) -> numpy_layers Module (parameters are then loaded from torch),
        or the string "from_torch" to build it with ``numpy_layers.from_torch``.
    reduction(case, tensor_name) -> number of terms summed into one element of that tensor,
        used by the tolerance policy (default 1).
    kink(x, case) -> bool mask of input elements too close to a kink, to redraw.
    random_inputs: 'normal' (default) or 'distinct' (no two equal values: pooling).
    make_inputs(case, rng) -> list of float64 arrays, replacing the generated inputs.
    init(torch_module, rng) -> None: re-draw parameters/buffers away from trivial defaults.
    eval_only: only eval mode (a network with dropout p > 0, whose training masks are random).
    torch_forward(module, inputs, seed) / numpy_forward(module, inputs, torch_output):
        hooks for layers whose forward needs more than ``m(*inputs)`` (dropout's mask).
    output_names: names of the outputs of a multi-output forward (default: 'output',
        'indices', 'output2' ...).
    grad_all_outputs: back-propagate a random gradient from every output (a detector's
        scales; NumPy's backward gets a tuple), not only from the first.
    error_inputs: bad inputs and configurations (``ErrorInput``) that NumPy must reject with
        a clear message naming the layer, and torch too; ``name`` is then the class name on
        both sides (tests/test_validation.py).
    fuzz() -> hypothesis strategy of ``Case``s torch accepts, drawn by ``python -m
        parity_tests.fuzz``.
    regressions: (case, dtype, mode) found by fuzzing that once failed; every test run
        checks them (tests/test_fuzz.py).
    """
    name: str
    torch_module: Callable[[Case], Any]
    numpy_module: Callable[[Case, np.dtype], Any] | str
    cases: Sequence[Case]
    train_eval_differ: bool = False
    dtypes: tuple[str, ...] = ("float32", "float64")
    reduction: Callable[[Case, str], int] | None = None
    kink: Callable[[np.ndarray, Case], np.ndarray] | None = None
    random_inputs: str = "normal"
    make_inputs: Callable[[Case, np.random.Generator], list] | None = None
    init: Callable[[Any, np.random.Generator], None] | None = None
    torch_forward: Callable[[Any, list, int], Any] | None = None
    numpy_forward: Callable[[Any, list, Any], Any] | None = None
    input_scale: float = 1.0
    eval_only: bool = False     # run in eval mode only (networks with dropout p > 0)
    description: str = ""
    options: dict[str, str] = field(default_factory=dict)   # option -> values covered (README)
    output_names: tuple[str, ...] | None = None
    grad_all_outputs: bool = False
    error_inputs: Sequence[ErrorInput] = ()
    fuzz: Callable[[], Any] | None = None
    regressions: Sequence[tuple[Case, str, str]] = ()

    def __post_init__(self) -> None:
        ids = [c.id for c in self.cases]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"{self.name}: case ids repeat: {repeated}")

    @property
    def modes(self) -> tuple[str, ...]:
        if self.eval_only:
            return ("eval",)
        return ("train", "eval") if self.train_eval_differ else ("train",)

    def numpy_layer(self, case: Case, dtype: np.dtype, torch_module: Any = None) -> Any:
        """The NumPy layer of ``case``: ``numpy_module(case, dtype)`` (parameters still to be
        loaded), or for a "from_torch" spec the twin of ``torch_module`` (parameters, buffers
        and training flag copied; a new ``torch_module(case)`` when None)."""
        if self.numpy_module == "from_torch":
            return from_torch(self.torch_module(case) if torch_module is None else torch_module)
        return self.numpy_module(case, dtype)

    def runs(self) -> Iterable[tuple[Case, str, str]]:
        """Every (case, dtype, mode) this spec asks for."""
        for case in self.cases:
            for dtype in self.dtypes:
                for mode in self.modes:
                    yield case, dtype, mode


def case_id(**parts: Any) -> str:
    """Short readable id from key/value parts: case_id(k=3, s=2, p=1, b=4) -> 'k3_s2_p1_b4'."""
    out = []
    for k, v in parts.items():
        if v is None or v is False:
            continue
        if v is True:
            out.append(k)
        elif isinstance(v, (tuple, list)):
            out.append(k + "x".join(str(i) for i in v))
        else:
            out.append(f"{k}{v}")
    return "_".join(out)


def pair(v: Any) -> tuple:
    """An int (or other scalar option) as the pair torch's 2-D layers make of it; a
    sequence as a tuple."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def grid(**axes: Sequence[Any]) -> list[dict[str, Any]]:
    """Cartesian product of named axes as a list of dicts."""
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*(axes[k] for k in keys))]


def unique(cases: Iterable[Case]) -> list[Case]:
    """Drop repeats of a case (first kept), so every pytest id is distinct; an id that comes
    back with other parameters, shapes or input kind is a ValueError (it would hide a case)."""
    seen: dict[str, Case] = {}
    for c in cases:
        if seen.setdefault(c.id, c) != c:
            raise ValueError(f"two cases share the id {c.id!r}: {seen[c.id]} and {c}")
    return list(seen.values())
