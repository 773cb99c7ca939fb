"""Which cases a layer can express, and which it cannot (*not covered*, never failures).

Before a run: a case that sets an option the layer does not take (a constructor or function
argument, or a key it reads from its option dict), needs a parameter the layer has no array
for, or runs in eval mode when the layer has no train/eval switch, is not covered.

After all runs: a *feature* (an input rank, an option that differs from torch's default, a
tuple-valued or string-valued option) on which every run raised, while other runs did not,
is not covered either, with the exception shown; a raise anywhere else is a failure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import names
from .reference import Reference, non_default


IMPLIED_STRIDE = "stride=None with a tuple kernel_size"


def _describe(k: str, v: Any) -> str:
    if isinstance(v, str):
        return f"{k}={v!r}"
    if v is None:
        return f"{k}=None"
    if isinstance(v, (tuple, list)) and len(set(map(repr, v))) > 1:
        return f"tuple {k}"
    if k == "return_indices" and v:
        return "return_indices"
    return k


def features(ref: Reference, case: Any, module: Any) -> dict[str, str]:
    """option -> feature name for each non-default option, plus the input rank."""
    out = {f"rank{len(case.input_shapes[0])}": f"{len(case.input_shapes[0])}-D input"
           if case.input_shapes else "no input"}
    if any(0 in tuple(s) for s in case.input_shapes):
        out["empty"] = "empty input"           # a layer dividing by the batch size raises
    for k, v in non_default(ref, case, module).items():
        if k not in names.INERT_OPTIONS:
            out[k] = _describe(k, v)
    k = case.params.get("kernel_size")
    if "stride" in ref.roles and "stride" not in out and case.params.get("stride", 0) is None \
            and _describe("kernel_size", k).startswith("tuple"):
        out["stride"] = IMPLIED_STRIDE         # stride None: the uneven kernel size
    for k, v in case.params.items():        # required options given as uneven tuples
        if k not in out and k in ref.roles and _describe(k, v).startswith("tuple"):
            out[k] = _describe(k, v)
    for k, v in case.params.items():        # how the spec draws inputs: ignore_index hits,
        if (k in ref.roles and ref.roles[k].kind != "input") or v in (None, False, 0, 1, "class"):
            continue                            # probability targets ('target' names both)
        out[k] = f"{k}={v}" if isinstance(v, str) else k
    return out


@dataclass
class Coverage:
    """Why a run was not covered (empty when it was)."""
    reasons: list[str] = field(default_factory=list)
    exception: str = ""

    def __bool__(self) -> bool:
        return bool(self.reasons)


def static(adapter: Any, ref: Reference, case: Any, module: Any, mode: str) -> Coverage:
    """What the layer cannot express in this run, known before running it."""
    cov = Coverage()
    if mode == "eval" and ref.spec is not None and ref.spec.train_eval_differ \
            and not adapter.mode_takes:
        cov.reasons.append("eval mode")
        return cov
    taken = adapter.taken()
    kept = adapter.compared_state
    buffers = [t for t in kept if t not in adapter.ctx.params]
    feats = features(ref, case, module)
    for k, v in non_default(ref, case, module).items():
        if k in taken and not isinstance(v, str) and v is not None and adapter.string_only(k):
            cov.reasons.append(f"numeric {k} (the layer takes {k} as a string)")
            continue
        if k in names.INERT_OPTIONS or k in taken:
            continue
        if k in ("bias", "affine", "elementwise_affine") and v is False:
            continue                          # an array held at its neutral value does it
        if k in names.BUFFER_ONLY_OPTIONS and not buffers and (
                not names.BUFFER_ONLY_OPTIONS[k] or mode != "eval"):
            continue                          # only the running statistics would differ
        cov.reasons.append(feats.get(k, k))
    if case.params.get("momentum", 0.0) is None and "num_batches_tracked" in adapter.ctx.shapes \
            and "num_batches_tracked" not in kept and "running_mean" in kept:
        cov.reasons.append("momentum=None (a cumulative average needs a num_batches_tracked count)")
    if not cov.reasons:                       # else the option explains the odd shape
        cov.reasons += [f"{t} (the layer has no array for it)" for t in sorted(adapter.missing)]
    return cov


def raising_features(runs: list[tuple[Any, dict[str, str], str]]) -> dict[str, str]:
    """feature -> exception, for features on which every run raised while some run did not.

    ``runs``: (run key, its features, the error text or ''). When a run has several such
    features, the one that explains the most runs takes the blame (a 3-D input that raises
    everywhere, not the one option its 3-D case also set)."""
    if all(err for _, _, err in runs) or not runs:
        return {}
    by_feature: dict[str, list[int]] = {}
    for i, (_, feats, _) in enumerate(runs):
        for f in feats.values():
            by_feature.setdefault(f, []).append(i)
    cands = {f: idx for f, idx in by_feature.items() if all(runs[i][2] for i in idx)}
    out: dict[str, str] = {}
    left = {i for idx in cands.values() for i in idx}
    while left:
        f = max(cands, key=lambda g: (len(set(cands[g]) & left), g.endswith("-D input"),
                                      g != IMPLIED_STRIDE))
        hit = set(cands[f]) & left
        if not hit:
            break
        out[f] = runs[min(hit)][2]
        left -= hit
    return out


def confined(runs: list[tuple[Any, dict[str, str], bool]]) -> str:
    """A hint when the failures are exactly the runs with one feature: (run key, its
    features, passed). '' when no feature separates them."""
    bad = [f for _, f, ok in runs if not ok]
    good = [f for _, f, ok in runs if ok]
    if not bad or not good:
        return ""
    common = set(bad[0].values()).intersection(*(set(f.values()) for f in bad[1:]))
    for feat in sorted(common):
        if not any(feat in f.values() for f in good):
            return (f"every failing case has {feat} ({len(bad)} runs) and every run without "
                    f"it passes ({len(good)}): the layer treats {feat} differently from torch")
    return ""


BACKWARD_RAISED = "NumPy backward raised"
REFUSALS = ("NumPy forward raised AssertionError", "NumPy forward raised NotImplementedError")


def refusal(error: str) -> str:
    """A forward that refuses the case on purpose (an ``assert`` on its input, a
    NotImplementedError) states what it does not take: not covered, the message shown."""
    if not error.startswith(REFUSALS):
        return ""
    msg = error.split(":", 1)[1].strip() if ":" in error else ""
    return f"refused by the layer ({msg[:60]})" if msg else "refused by the layer (assert)"


def all_raised(result: Any, runs: list) -> str:
    """Every covered case raised in the forward: say how the layer was called."""
    first = result.results[0]
    case = next(c for c, d, m in runs if c.id == first.case)
    shape = tuple(case.input_shapes[0]) if case.input_shapes else ()
    return (f"every case raised in the forward; it is called with the whole batch, input "
            f"{shape} in torch's layout (N, C, ...): give --layout NHWC for channels-last, "
            f"--arg for an argument bound to the wrong role; a layer taking one sample "
            f"without its batch axis is not supported")


def eval_backward(result: Any) -> None:
    """A backward written for training only (CS231n's batch norm: no cache in test mode)
    raises on every eval run while train runs go through: the eval forward is still
    compared, the eval gradients are not covered (the raise still counts towards a
    feature that raises everywhere)."""
    ev = [r for r in result.results if r.mode == "eval" and not r.error.startswith(
        ("NumPy forward", "building"))]
    if not ev or not all(r.error.startswith(BACKWARD_RAISED) for r in ev) or not any(
            r.mode == "train" and not r.error for r in result.results):
        return
    result.partly["eval-mode gradients"] = ev[0].error
    for r in ev:
        r.error = ""
