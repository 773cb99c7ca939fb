"""``check_layer`` and ``check_spec``: the Python entry points of the drop-in check."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .context import Prefs
from .core import Session, run_check, select_runs
from .layout import check_layout, parse_expr
from .explore import explore
from .gradcheck import gradcheck_layer
from .reference import for_spec, resolve
from .repro import reproduction
from .result import CheckResult
from .targets import Target, load_target
from ..harness.spec import Case, ParitySpec


def prefs_from(param_map: dict[str, str] | None = None, args: dict[str, str] | None = None,
               init: dict[str, Any] | None = None, layout: str | None = None) -> Prefs:
    """Session choices from the user's options: ``param_map`` torch name -> expression
    (``W.T``), ``args`` user parameter -> role, ``init`` constructor values, ``layout``."""
    return Prefs(param_map={k: parse_expr(v) for k, v in (param_map or {}).items()},
                 args=dict(args or {}), init=dict(init or {}),
                 input_layout=check_layout(layout))


def check_spec(spec: ParitySpec, make_user: Callable[[Case, np.dtype], Any], *,
               param_map: dict[str, str] | None = None,
               runs: Sequence[tuple[Case, str, str]] | None = None, stop_at_first: bool = False,
               seed: int = 0, label: str = "layer", reference: str = "",
               hints: bool = True) -> CheckResult:
    """Run the objects ``make_user(case, dtype)`` builds through ``spec``'s runs (default
    all): the mutants and other layers built from a case's parameters."""
    ref = for_spec(spec, reference)
    target = Target("object", label, label, factory=make_user)
    session = Session(ref, target, prefs_from(param_map), seed)
    return run_check(session, spec.runs() if runs is None else runs, label,
                     stop_at_first=stop_at_first, hints=hints)


def check_layer(layer: Any, ref: Any, *, param_map: dict[str, str] | None = None,
                args: dict[str, str] | None = None, init: dict[str, Any] | None = None,
                layout: str | None = None, kwargs: dict[str, Any] | None = None,
                input_shape: Sequence[int] | None = None, examples: int = 20,
                dtypes: Sequence[str] | None = None, modes: Sequence[str] | None = None,
                only: str | None = None, seed: int = 0) -> CheckResult:
    """Check ``layer`` against ``ref``.

    ``layer``: a class, a function, a (forward, backward) pair, or their text
    ('file.py:Class', 'file.py:conv_forward' finds conv_backward, 'file.py:fwd,bwd').
    ``ref``: a torch.nn class or torch.nn.functional function (or their dotted names), or
    'gradcheck' (finite differences of the layer's own forward; needs ``input_shape``).

    Cases: the spec of ``ref`` when it has one and neither ``kwargs`` nor ``input_shape`` is
    given (``only``: case ids containing this text); otherwise ``examples`` configurations
    drawn by hypothesis around ``kwargs`` and ``input_shape`` (0: exactly that one).
    ``param_map``: torch name -> the layer's array, as an expression ('W.T',
    "params['W']"); ``args``: the layer's parameter -> torch's role ('k' -> 'kernel_size');
    ``init``: values for constructor arguments torch has no counterpart for; ``layout``:
    'NHWC' for channels-last layers. Raises ``MappingError``/``BindingError`` (subclasses
    of ValueError/TypeError) when the layer cannot be driven.
    """
    target = load_target(layer)
    prefs = prefs_from(param_map, args, init, layout)
    if isinstance(ref, str) and ref.strip().lower() == "gradcheck":
        return _gradcheck(target, input_shape, kwargs, seed, modes)
    reference = resolve(ref)
    if reference.spec is None or kwargs is not None or input_shape is not None:
        if input_shape is None:
            raise ValueError(f"check: {reference.label} has no parity spec: give the input "
                             f"shape (--input-shape 2,3,8) and the constructor arguments "
                             f"(--kwargs name=value,...)")
        return explore(target, reference, prefs, kwargs=kwargs or {},
                       input_shape=tuple(input_shape), examples=examples, dtypes=dtypes,
                       modes=modes, seed=seed, layer_ref=layer)
    runs = select_runs(reference.spec, only, dtypes, modes)
    if not runs:
        raise ValueError(f"check: no case of the {reference.spec.name} spec matches the filters")
    session = Session(reference, target, prefs, seed)
    result = run_check(session, runs, target.label)
    first = result.first_failure
    if first is not None:
        result.reproduction = reproduction(target.where, reference.label, param_map, only=first.case,
                                           dtype=first.dtype, mode=first.mode, args=args,
                                           init=init, layout=layout)
    return result


def _gradcheck(target: Target, input_shape: Sequence[int] | None, kwargs: dict | None,
               seed: int, modes: Sequence[str] | None) -> CheckResult:
    if input_shape is None:
        raise ValueError("check: --ref gradcheck needs the input shape (--input-shape 2,3,8) "
                         "and the constructor arguments (--kwargs name=value,...)")
    if target.kind != "class":
        raise ValueError("check: --ref gradcheck takes a class (forward and backward methods)")
    return gradcheck_layer(target.cls, target.label, tuple(input_shape), dict(kwargs or {}),
                           seed, modes)
