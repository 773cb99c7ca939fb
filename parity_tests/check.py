"""Check a NumPy layer of your own against its torch.nn twin, with one call or one command.

    python -m parity_tests check my_conv.py:MyConv --ref torch.nn.Conv2d
    python -m parity_tests check my_act.py:MyHardtanh --ref torch.nn.Hardtanh --input-shape 2,3,8

    from parity_tests.check import check_layer
    result = check_layer(MyConv, torch.nn.Conv2d, param_map={"weight": "W", "bias": "b"})
    result.passed, result.summary(), result.rows

The layer needs ``forward`` and ``backward`` and its parameters as array attributes (the
discovery and mapping rules are in ``check_adapter``). Cases come from the registered spec
of the reference class; a class without a spec gets a matrix drawn by hypothesis from its
constructor signature and the given input shape (``check_explore``). Every run goes through
the harness's ``run_case``: the same rows and tolerances as the report.
"""
from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import importlib.util
import inspect
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .check_adapter import (OPTIONAL_BUFFERS, Adapter, MappingError, access, constructor_kwargs,
                            map_names)
from .check_result import CheckResult
from .harness.registry import all_specs
from .harness.runner import run_case
from .harness.spec import Case, ParitySpec

__all__ = ["check_layer", "check_spec", "CheckResult", "MappingError", "main"]

UserFactory = Callable[[Case, np.dtype], Any]


# ----------------------------------------------------------------------------- loading
def load_object(ref: str) -> Any:
    """'path/to/file.py:Name', 'package.module:Name' or 'package.module.Name' -> the object."""
    if ":" in ref:
        where, name = ref.rsplit(":", 1)
    else:
        where, _, name = ref.rpartition(".")
    if where.endswith(".py") or "/" in where:
        path = Path(where).resolve()
        if not path.exists():
            raise FileNotFoundError(f"check: no file {where}")
        mod_name = f"_parity_check_{path.stem}_{abs(hash(str(path)))}"
        spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    if not hasattr(module, name):
        raise AttributeError(f"check: {where} has no attribute {name!r}")
    return getattr(module, name)


def _name(obj: Any) -> str:
    if isinstance(obj, type):
        if obj.__module__.startswith("torch"):
            import torch
            nn_cls = getattr(torch.nn, obj.__name__, None)
            return f"torch.nn.{obj.__name__}" if nn_cls is obj else f"{obj.__module__}.{obj.__qualname__}"
        return obj.__qualname__
    return getattr(obj, "__name__", repr(obj))


def spec_for(ref: type) -> ParitySpec | None:
    """The registered spec whose torch module is an instance of ``ref`` (by class name)."""
    for spec in all_specs():
        if spec.name == ref.__name__:
            return spec
    return None


def _torch_kwargs(ref: type, params: dict[str, Any]) -> dict[str, Any]:
    """The case parameters that are arguments of the torch constructor."""
    try:
        names = set(inspect.signature(ref).parameters)
    except (TypeError, ValueError):
        return dict(params)
    return {k: v for k, v in params.items() if k in names}


# ----------------------------------------------------------------------------- running
class _Session:
    """Builds the user's layer for each case, wrapped in an ``Adapter`` keyed by torch's
    names; remembers the mapping, the buffers left out and the last adapter (its trace)."""

    def __init__(self, spec: ParitySpec, make_user: UserFactory,
                 param_map: dict[str, str] | None, label: str) -> None:
        self.spec, self.make_user, self.param_map, self.label = spec, make_user, param_map, label
        self.mapping: dict[str, str] = {}
        self.dropped: set[str] = set()
        self.last: Adapter | None = None

    def torch_module(self, case: Case) -> Any:
        m = self.spec.torch_module(case)
        for name in self.dropped:
            if name in dict(m.named_buffers()):
                setattr(m, name, None)      # left out: the user layer does not keep it
        return m

    def numpy_module(self, case: Case, dtype: np.dtype) -> Adapter:
        import torch
        with torch.random.fork_rng():
            t = self.spec.torch_module(case)
        user = self.make_user(case, dtype)
        state = t.state_dict()
        shapes = OrderedDict((k, tuple(v.shape)) for k, v in state.items())
        absent = {k for k, v in [*t._parameters.items(), *t._buffers.items()] if v is None}
        mapping = map_names(shapes, access(user).arrays(), self.param_map, self.label, absent)
        self.dropped |= {k for k in OPTIONAL_BUFFERS if k in shapes and k not in mapping}
        self.mapping.update(mapping)
        self.last = Adapter(user, mapping, {k for k, _ in t.named_parameters()})
        return self.last

    def spec_for_user(self) -> ParitySpec:
        return dataclasses.replace(self.spec, torch_module=self.torch_module,
                                   numpy_module=self.numpy_module)


def check_spec(spec: ParitySpec, make_user: UserFactory, *, param_map: dict[str, str] | None = None,
               runs: Sequence[tuple[Case, str, str]] | None = None, stop_at_first: bool = False,
               seed: int = 0, label: str = "layer", reference: str = "",
               hints: bool = True) -> CheckResult:
    """Run ``make_user(case, dtype)``'s layers through ``spec``'s runs (default all)."""
    from .check_hints import diagnose
    session = _Session(spec, make_user, param_map, label)
    runs = list(spec.runs() if runs is None else runs)
    if runs:                                  # mapping errors surface before any run
        session.numpy_module(runs[0][0], np.dtype(runs[0][1]))
    user_spec = session.spec_for_user()
    result = CheckResult(label, reference or spec.name, "spec")
    for case, dtype, mode in runs:
        res = run_case(user_spec, case, dtype, mode, seed)
        result.results.append(res)
        if not res.passed and len(result.failures) == 1:
            if hints and session.last is not None:
                result.hints = diagnose(spec, case, dtype, mode, res, session.last.trace, seed,
                                        session)
            if stop_at_first:
                break
    result.mapping = session.mapping
    if session.dropped:
        result.notes.append(f"the layer keeps no {', '.join(sorted(session.dropped))}: "
                            f"left out of the comparison")
    return result


def _user_factory(cls: Callable, ref: type, spec: ParitySpec,
                  extra: dict[str, Any] | None = None) -> UserFactory:
    defaults = {p.name: p.default for p in inspect.signature(ref).parameters.values()}

    def make(case: Case, dtype: np.dtype) -> Any:
        import torch
        with torch.random.fork_rng():
            t = spec.torch_module(case)
        params = {**_torch_kwargs(ref, case.params), **(extra or {})}
        kwargs = constructor_kwargs(cls, params, dtype, t, _name(cls))
        make.ignored |= {k for k, v in params.items() if k not in kwargs and k != "device"
                         and not (k in defaults and _same(v, defaults[k]))}
        return cls(**kwargs)
    make.ignored = set()
    return make


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - arrays and the like: not the default
        return False


def check_layer(layer: Any, ref: Any, *, param_map: dict[str, str] | None = None,
                kwargs: dict[str, Any] | None = None,
                input_shape: Sequence[int] | None = None, examples: int = 20,
                dtypes: Sequence[str] | None = None, modes: Sequence[str] | None = None,
                only: str | None = None, seed: int = 0) -> CheckResult:
    """Check ``layer`` (a class, or 'file.py:Class') against ``ref`` (a torch.nn class, or
    'torch.nn.Conv2d').

    Cases: the registered spec of ``ref`` when there is one and neither ``kwargs`` nor
    ``input_shape`` is given (``only``: case ids containing this text); otherwise
    ``examples`` configurations drawn by hypothesis around ``kwargs`` and ``input_shape``
    (0: exactly that one configuration), a failure shrunk to the smallest. ``dtypes``,
    ``modes`` filter the runs. Raises ``MappingError`` when the parameters cannot be matched.
    """
    cls = load_object(layer) if isinstance(layer, str) else layer
    ref_cls = load_object(ref) if isinstance(ref, str) else ref
    label, ref_label = _name(cls), _name(ref_cls)
    spec = spec_for(ref_cls)
    if spec is None or kwargs is not None or input_shape is not None:
        from .check_explore import explore
        if input_shape is None:
            raise ValueError(f"check: {ref_label} has no parity spec: give input_shape "
                             f"(--input-shape) and the constructor kwargs (--kwargs)")
        return explore(cls, ref_cls, label=label, ref_label=ref_label, kwargs=kwargs or {},
                       input_shape=tuple(input_shape), examples=examples, dtypes=dtypes,
                       modes=modes, param_map=param_map, seed=seed, layer_ref=layer)
    runs = [(c, d, m) for c, d, m in spec.runs()
            if (only is None or only in c.id) and (not dtypes or d in dtypes)
            and (not modes or m in modes)]
    if not runs:
        raise ValueError(f"check: no run of the {spec.name} spec matches the filters")
    make = _user_factory(cls, ref_cls, spec)
    result = check_spec(spec, make, param_map=param_map, runs=runs, seed=seed, label=label,
                        reference=ref_label)
    if make.ignored:
        result.notes.append(f"{label}'s constructor does not take {', '.join(sorted(make.ignored))}: "
                            f"cases setting them ran with the layer's own behaviour")
    first = result.first_failure
    if first is not None:
        result.reproduction = reproduction(layer, ref_label, param_map,
                                           only=first.case, dtype=first.dtype, mode=first.mode)
    return result


def reproduction(layer: Any, ref_label: str, param_map: dict[str, str] | None, *,
                 only: str | None = None, kwargs: dict | None = None,
                 input_shape: Sequence[int] | None = None, dtype: str, mode: str) -> str:
    """A command and a Python snippet that rerun exactly one failing run."""
    if isinstance(layer, str):
        where = layer
    else:
        try:
            where = f"{inspect.getsourcefile(layer)}:{layer.__qualname__}"
        except TypeError:
            where = f"{layer.__module__}:{layer.__qualname__}"
    cli = f"python -m parity_tests check {where} --ref {ref_label}"
    py = [f"from parity_tests.check import check_layer",
          f"r = check_layer({where!r}, {ref_label!r},"]
    args = [f"dtypes=[{dtype!r}]", f"modes=[{mode!r}]"]
    if param_map:
        cli += " --param-map " + ",".join(f"{k}={v}" for k, v in param_map.items())
        args.append(f"param_map={param_map!r}")
    if only is not None:
        cli += f" -k {only}"
        args.append(f"only={only!r}")
    if input_shape is not None:
        cli += " --input-shape " + ",".join(map(str, input_shape)) + " --examples 0"
        args += [f"input_shape={tuple(input_shape)!r}", "examples=0"]
        if kwargs:
            cli += " --kwargs " + ",".join(f"{k}={v!r}" for k, v in kwargs.items())
        args.append(f"kwargs={dict(kwargs or {})!r}")
    cli += f" --dtype {dtype} --mode {mode}"
    py.append("                " + ", ".join(args) + ")")
    py.append("print(r.summary())")
    return cli + "\n" + "\n".join(py)


# ----------------------------------------------------------------------------- CLI
def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets and quotes: 'k=(3,3),p=1' -> ['k=(3,3)', 'p=1']."""
    out, depth, cur, quote = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [s.strip() for s in out + [cur] if s.strip()]


def parse_kv(text: str | None, literal: bool = True) -> dict[str, Any]:
    """'a=1,b=(3,3),c=zeros' -> {'a': 1, 'b': (3, 3), 'c': 'zeros'}."""
    out: dict[str, Any] = {}
    for item in _split_top(text or ""):
        if "=" not in item:
            raise ValueError(f"check: expected name=value, got {item!r}")
        k, v = (s.strip() for s in item.split("=", 1))
        if literal:
            try:
                v = ast.literal_eval(v)
            except (ValueError, SyntaxError):
                pass
        out[k] = v
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m parity_tests check``: exit 0 when every run passes, 1 on a failure,
    2 when the layer cannot be checked (mapping, loading, arguments)."""
    ap = argparse.ArgumentParser(prog="python -m parity_tests check",
                                 description="check a NumPy layer against its torch.nn twin")
    ap.add_argument("layer", help="path/to/file.py:Class or package.module:Class")
    ap.add_argument("--ref", required=True, help="the torch class, e.g. torch.nn.Conv2d")
    ap.add_argument("--param-map", default="", help="torch=attribute pairs: weight=W,bias=b")
    ap.add_argument("--kwargs", default=None, help="constructor arguments: in_channels=3,k=(3,3)")
    ap.add_argument("--input-shape", default=None, help="input shape for generated cases: 2,3,8,8")
    ap.add_argument("--examples", type=int, default=20, help="generated configurations (0: one)")
    ap.add_argument("-k", dest="only", help="only spec cases whose id contains this text")
    ap.add_argument("--dtype", action="append", choices=["float32", "float64"])
    ap.add_argument("--mode", action="append", choices=["train", "eval"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    try:
        shape = (tuple(int(s) for s in args.input_shape.split(",") if s.strip())
                 if args.input_shape is not None else None)
        result = check_layer(args.layer, args.ref, param_map=parse_kv(args.param_map, False),
                             kwargs=parse_kv(args.kwargs) if args.kwargs is not None else None,
                             input_shape=shape, examples=args.examples, dtypes=args.dtype,
                             modes=args.mode, only=args.only, seed=args.seed)
    except (MappingError, ValueError, TypeError, ImportError, AttributeError, OSError) as e:
        print(f"check: cannot check {args.layer}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
