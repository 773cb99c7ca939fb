"""Runs one (layer, case, dtype, mode): both twins, forward, backward, buffers, inputs intact.

Everything NumPy returns is compared with ``compare``; an exception in the NumPy layer
becomes the case's error (naming the stage) instead of stopping the run.
"""
from __future__ import annotations

import contextlib
import copy
import time
import zlib
from typing import Any

import numpy as np

from . import ambiguity
from . import inputs as gen
from . import witness
from .compare import compare
from .orderings import Orderings, ordering_names
from .results import CaseResult, Row
from .spec import Case, ParitySpec
from .tolerance import sibling_terms


def stable_seed(*parts: Any) -> int:
    """Seed that depends only on its parts (not on process or hash randomisation)."""
    return zlib.crc32("|".join(map(str, parts)).encode())


def _as_tuple(v: Any) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _to_numpy(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy()


def _unchanged(label: dict[str, Any], tensor: str, now: np.ndarray, before: np.ndarray) -> Row:
    """Row asserting a caller's array was left exactly as it was passed in."""
    same = now.shape == before.shape and bool(np.array_equal(now, before, equal_nan=True))
    return Row(**label, tensor=tensor, passed=same, rule="exact", tolerance=0.0,
               shape=tuple(before.shape), n_elements=int(before.size),
               headroom=0.0 if same else float("inf"),
               message="" if same else f"{tensor}: the layer modified an array passed to it")


def _leaf(torch: Any, x: np.ndarray) -> Any:
    """torch copy of ``x``; float arrays require grad, integer ones cannot."""
    t = torch.from_numpy(x.copy())
    return t.requires_grad_(True) if t.is_floating_point() else t


def _output_names(n: int) -> list[str]:
    return ["output"] if n == 1 else ["output", "indices"] + [f"output{i}" for i in range(2, n)]


def default_torch_forward(module: Any, xs: list, seed: int = 0) -> Any:
    """``module(*xs)``. An in-place torch module cannot write into a leaf that requires grad:
    it gets a copy (the gradient still flows back to the leaf); numpy_layers never modifies
    its input. Softmax(dim=None)'s warning that the implicit dim is deprecated is known and
    silenced."""
    import warnings
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Implicit dimension choice", UserWarning)
        if getattr(module, "inplace", False):
            return module(xs[0].clone(), *xs[1:])
        return module(*xs)


def _yardstick(t: Any, alts: list[dict] | None, name: str) -> list[np.ndarray] | None:
    """torch float32's value of ``name`` (``t``, the main run's) in every ordering that
    computed it; None for a float64 run (``alts`` None)."""
    if alts is None:
        return None
    main = _to_numpy(t)
    return [main] + [a[name] for a in alts if name in a and a[name].shape == main.shape]


def _torch_call(spec: ParitySpec, module: Any, xs: list, seed: int) -> Any:
    if spec.torch_forward is not None:
        return spec.torch_forward(module, xs, seed)
    return default_torch_forward(module, xs, seed)


def _witness(spec: ParitySpec, case: Case, mode: str, tc: Any, state: dict, xs: list,
             dy: np.ndarray, dxn: tuple, ngrads: dict, rows: list[Row], sfx: str) -> None:
    """Finite differences of the NumPy layer's own forward for each failing gradient row of
    the first step (a layer driven through a forward hook, such as dropout's injected
    mask, has no plain forward to differentiate)."""
    failing = [r for r in rows if not r.passed and r.tensor.startswith("grad_")
               and r.tensor.endswith(sfx) and r.fd_witness == ""]
    if not failing or spec.numpy_forward is not None or spec.grad_all_outputs:
        return
    grads = {"grad_input": dxn[0]} if len(xs) == 1 else {}
    grads.update({f"grad_{k}": v for k, v in ngrads.items() if v is not None})
    grads = {k: v for k, v in grads.items() if any(r.tensor == k + sfx for r in failing)}

    def build() -> Any:
        return spec.numpy_layer(case, np.dtype(np.float64), copy.deepcopy(tc).double())

    verdicts = witness.witness(build, mode, state, xs, dy, grads)
    for r in failing:
        v = verdicts.get(r.tensor[:len(r.tensor) - len(sfx)] if sfx else r.tensor)
        if v:
            r.fd_witness = v
            r.message += f"; {witness.note(v)}"


def run_case(spec: ParitySpec, case: Case, dtype: str, mode: str, seed: int = 0) -> CaseResult:
    """Run one case and return all its rows; never raises for a broken NumPy layer."""
    res = CaseResult(spec.name, case.id, dtype, mode)
    stage = ["setup"]
    t0 = time.perf_counter()
    try:
        _run(spec, case, np.dtype(dtype), mode, seed, res, stage)
    except Exception as e:  # noqa: BLE001 - a broken layer is a result, not a crash
        res.error = f"{stage[0]} raised {type(e).__name__}: {e}"
    res.seconds = time.perf_counter() - t0
    for r in res.rows:
        r.seconds = res.seconds
    return res


def _run(spec: ParitySpec, case: Case, dtype: np.dtype, mode: str, seed: int,
         res: CaseResult, stage: list[str]) -> None:
    import torch

    f32 = dtype == np.float32
    case_seed = stable_seed(seed, spec.name, case.id, dtype.name, mode)
    rng = np.random.default_rng(case_seed)
    torch.manual_seed(case_seed)
    label = dict(layer=spec.name, case=case.id, dtype=dtype.name, mode=mode)
    red = spec.reduction or (lambda c, t: 1)

    stage[0] = "building the torch twin"
    t32 = spec.torch_module(case)
    if spec.init is not None:
        with torch.no_grad():
            spec.init(t32, rng)
    t64 = copy.deepcopy(t32).double()
    tc = t32 if f32 else t64
    training = mode == "train"
    for m in (t32, t64):
        m.train(training)

    stage[0] = "building the NumPy layer"
    n = spec.numpy_layer(case, dtype, tc)
    # A checked user layer may keep fewer buffers (no num_batches_tracked): it names the
    # ones it keeps, and only those are loaded and compared.
    keep = getattr(n, "compared_state", None)
    state = {k: _to_numpy(v) for k, v in tc.state_dict().items() if keep is None or k in keep}
    keys = list(n.state_dict().keys())
    if keys != list(state):
        res.rows.append(Row(**label, tensor="state_dict_keys", passed=False, rule="exact",
                            message=f"state_dict_keys: NumPy has {keys}, torch has {list(state)}"))
        return
    n.load_state_dict(state)
    n.train(training)
    # float32 of a composite module: inputs nudged off undecided internal kinks and ties
    check = f32 and case.kind == "random" and ambiguity.applies(t32)
    probes = (copy.deepcopy(t64), copy.deepcopy(t32)) if check else None
    # float32: torch float32 also runs in other valid orders (see orderings.py), unless the
    # spec's own torch forward injects something (a dropout mask) another layout could change
    others = Orderings(t32, ordering_names(case)) if f32 and spec.torch_forward is None else None

    for step in range(case.steps):
        sfx = f"@{step + 1}" if case.steps > 1 else ""
        if spec.make_inputs is not None:
            xs64 = spec.make_inputs(case, rng)
        else:
            xs64 = gen.draw(case, rng, spec.input_scale, spec.kink, spec.random_inputs)
        if probes is not None:
            stage[0] = "separating internal kinks and ties"
            xs64, _, moved = ambiguity.separate(*probes, [x if x.dtype.kind in "iub" else
                                                          x.astype(dtype).astype(np.float64)
                                                          for x in xs64])
            if moved:                           # the same weights on every side
                with torch.no_grad():
                    for pname, p in t32.named_parameters():
                        if pname in moved:
                            p.copy_(torch.from_numpy(moved[pname]))
                            dict(t64.named_parameters())[pname].copy_(p.double())
                n.load_state_dict(moved, strict=False)
        # Float inputs take the case dtype; integer ones (class targets) stay as they are.
        xs = [x if x.dtype.kind in "iub" else x.astype(dtype) for x in xs64]
        saved = [x.copy() for x in xs]
        fseed = stable_seed(case_seed, step)

        stage[0] = "torch forward"
        before = {k: v.clone() for k, v in tc.state_dict().items()} if others is not None else {}
        xt = [_leaf(torch, x) for x in xs]
        yt = _as_tuple(_torch_call(spec, tc, xt, fseed))
        truth = None                        # the float64 forward's kinks and pooling windows
        if f32:
            xt64 = [_leaf(torch, x if x.dtype.kind in "iub" else x.astype(np.float64)) for x in xs]
            rec = ambiguity.recorder() if check and others is not None else None
            with rec or contextlib.nullcontext():
                yt64 = _as_tuple(_torch_call(spec, t64, xt64, fseed))
            truth = rec.records if rec is not None else None
        else:
            xt64, yt64 = xt, yt

        stage[0] = "NumPy forward"
        if spec.numpy_forward is not None:
            yn = _as_tuple(spec.numpy_forward(n, xs, [_to_numpy(y) for y in yt]))
        else:
            yn = _as_tuple(n(*xs))
        names = list(spec.output_names or _output_names(len(yt)))
        alts: list[dict] | None = [] if f32 else None
        if others is not None:
            stage[0] = "torch float32 in other orderings"
            alts = others.forward(before, xs,
                                  lambda m, x: _as_tuple(_torch_call(spec, m, x, fseed)),
                                  names, truth)
        if len(yn) != len(yt):
            res.rows.append(Row(**label, tensor="output" + sfx, passed=False,
                                message=f"output: NumPy returned {len(yn)} arrays, torch {len(yt)}"))
            return
        for name, a, t, t_ in zip(names, yn, yt, yt64):
            res.rows.append(compare(name + sfx, a, _to_numpy(t_ if f32 else t), dtype,
                                    torch_value=_yardstick(t, alts, name),
                                    reduction=red(case, name), row=label))
        for i, (x, s) in enumerate(zip(xs, saved)):
            res.rows.append(_unchanged(label, f"input{i}_unchanged_by_forward{sfx}", x, s))
        # Buffers (running statistics) right after the forward.
        nstate = n.state_dict()
        brefs = {k: _to_numpy(v) for k, v in (t64 if f32 else tc).named_buffers()}
        for bname, b in tc.named_buffers():
            if keep is not None and bname not in keep:
                continue
            res.rows.append(compare(bname + sfx, nstate.get(bname), brefs[bname], dtype,
                                    torch_value=_yardstick(b, alts, bname),
                                    reduction=sibling_terms(red(case, bname), bname, brefs),
                                    row=label))

        back = [i for i, y in enumerate(yt)
                if y.requires_grad and (i == 0 or spec.grad_all_outputs)]
        if 0 not in back or getattr(n, "forward_only", False):
            continue
        stage[0] = "torch backward"
        dys = [rng.standard_normal(yt[i].shape).astype(dtype) for i in back]
        dys_saved = [d.copy() for d in dys]
        torch.autograd.backward([yt[i] for i in back], [torch.from_numpy(d.copy()) for d in dys])
        if f32:
            torch.autograd.backward([yt64[i] for i in back],
                                    [torch.from_numpy(d.astype(np.float64)) for d in dys])
        if others is not None:
            stage[0] = "torch float32 in other orderings"
            others.backward(dys, back)

        stage[0] = "NumPy backward"
        if spec.grad_all_outputs:          # one gradient per output, None where there is none
            given = dict(zip(back, dys))
            dxn = _as_tuple(n.backward(tuple(given.get(i) for i in range(len(yt)))))
        else:
            dxn = _as_tuple(n.backward(dys[0]))
        # A checked user loss may give no gradient for its target: it names the inputs it
        # differentiates, and only those are compared.
        diffed = getattr(n, "compared_inputs", None)
        for i, (g, x, x64) in enumerate(zip(dxn, xt, xt64)):
            gname = "grad_input" if len(xt) == 1 else f"grad_input{i}"
            if diffed is not None and i not in diffed:
                continue
            ref = x64.grad if f32 else x.grad
            if ref is None:        # integer input: NumPy must return None too
                if g is not None:
                    res.rows.append(Row(**label, tensor=gname + sfx, passed=False,
                                        message=f"{gname}: expected None for an integer input"))
                continue
            res.rows.append(compare(gname + sfx, g, _to_numpy(ref), dtype,
                                    torch_value=_yardstick(x.grad, alts, gname),
                                    reduction=red(case, gname), row=label))
        ngrads = dict(n.named_grads())
        grefs = {f"grad_{k}": _to_numpy(p.grad) for k, p in (t64 if f32 else tc).named_parameters()
                 if p.grad is not None}
        for pname, p in tc.named_parameters():
            if p.grad is None or (keep is not None and pname not in keep):
                continue
            gname = f"grad_{pname}"
            res.rows.append(compare(gname + sfx, ngrads.get(pname), grefs[gname], dtype,
                                    torch_value=_yardstick(p.grad, alts, gname),
                                    reduction=sibling_terms(red(case, gname), gname, grefs),
                                    row=label))
        for i, (x, s) in enumerate(zip(xs, saved)):
            res.rows.append(_unchanged(label, f"input{i}_unchanged_by_backward{sfx}", x, s))
        for i, (d, saved_d) in zip(back, zip(dys, dys_saved)):
            tag = "" if len(back) == 1 else str(i)
            res.rows.append(_unchanged(label, f"grad_output{tag}_unchanged{sfx}", d, saved_d))
        if step == 0:
            _witness(spec, case, mode, tc, state, xs, dys[0], dxn, ngrads, res.rows, sfx)
