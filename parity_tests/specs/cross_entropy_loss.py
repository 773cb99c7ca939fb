"""CrossEntropyLoss: class-index and probability targets, weight, ignore_index (hits, in-range
index, all ignored -> NaN mean), label smoothing 0/0.1 (with weights), reductions none/mean/sum,
N-d (N, C, d1, ...) and unbatched (C,) inputs, logits scaled by 1e3 and 1e4."""
from __future__ import annotations

import numpy as np
import torch

from numpy_layers.modules.loss import CrossEntropyLoss
from parity_tests.harness.spec import Case, case_id
from parity_tests.specs._loss_common import class_targets, loss_spec, numel, rand_list

REDS = ("none", "mean", "sum")
_W0 = [0.0, 1.0, 2.0, 3.0]              # class 0 weighs nothing: all-class-0 targets -> 0/0


def _case(x, red="mean", w=False, ls=0.0, target="class", ignore=0.0, ii=None, scale=1.0,
          steps=1, weight=None) -> Case:
    c = x[0] if len(x) == 1 else x[1]
    t = x if target in ("prob", "soft") else (() if len(x) == 1 else (x[0],) + x[2:])
    params: dict = {"reduction": red, "label_smoothing": ls, "target": target,
                    "ignore_frac": ignore, "scale": scale}
    if w or weight is not None:
        params["weight"] = weight if weight is not None else rand_list((c,), seed=c * 31 + len(x))
    if ii is not None:
        params["ignore_index"] = ii
    cid = case_id(x=x, red=red, w=w or weight is not None, ls=ls or None,
                  t=None if target == "class" else target, ign=ignore or None, ii=ii,
                  s=None if scale == 1.0 else f"{scale:g}", steps=steps if steps > 1 else None)
    return Case(cid, params, (x, t), steps=steps)


def _make_inputs(case: Case, rng: np.random.Generator) -> list:
    p = case.params
    xshape, tshape = case.input_shapes
    axis = 0 if len(xshape) == 1 else 1
    c = xshape[axis]
    x = np.asarray(rng.standard_normal(xshape) * p["scale"])
    if p["target"] in ("prob", "soft"):
        t = np.asarray(rng.random(xshape))
        if p["target"] == "prob":                  # rows sum to 1; 'soft' stays unnormalised
            t = t / t.sum(axis=axis, keepdims=True)
        return [x, t]
    return [x, class_targets(case, rng, c)]


def _reduction(case: Case, tensor: str) -> int:
    xshape = case.input_shapes[0]
    c = xshape[0] if len(xshape) == 1 else xshape[1]
    if tensor == "output" and case.params["reduction"] != "none":
        return numel(xshape)
    return c if tensor in ("output", "grad_input0", "grad_input1") else 1


_CASES: list[Case] = []
for red in REDS:
    for w in (False, True):
        for ls in (0.0, 0.1):
            _CASES.append(_case((8, 5), red, w, ls, ignore=0.25))            # -100 hits
            _CASES.append(_case((6, 4), red, w, ls, target="prob"))
    _CASES += [
        _case((4, 3, 5, 6), red, True, 0.1, ignore=0.2),                   # N-d, 2 spatial dims
        _case((2, 4, 7), red, ignore=0.3),                                  # N-d, 1 spatial dim
        _case((3, 4, 2, 5), red, True, 0.1, target="prob"),                 # N-d probabilities
        _case((5,), red), _case((5,), red, True, 0.1),                      # unbatched
        _case((5,), red, True, target="prob"),
        _case((10, 6), red, True, 0.1, ignore=0.3, scale=1e3),              # large logits
        _case((4, 6, 3), red, True, 0.1, target="soft", scale=1e3),
        _case((8, 5), red, True, 0.1, ignore=1.0),                          # all ignored
        _case((7, 5), red, False, 0.1, ignore=0.3, ii=2),                   # ignore_index in range
    ]
_CASES += [
    # Plain class-index targets (no weight, smoothing or ignored entries): what a layer
    # without those options is checked on, so a missing division by N shows.
    _case((8, 5), "mean"), _case((8, 5), "sum"), _case((8, 5), "none"),
    _case((16, 10), "mean", scale=30.0),
    _case((7, 5), "mean", True, 0.1, ignore=0.3, ii=2),
    _case((7, 5), "mean", True, 0.0, ii=0),                                 # hits of class 0
    _case((12, 9), "mean", False, 0.1, scale=1e4),
    _case((12, 9), "none", True, 0.0, scale=1e4),
    _case((3, 7), "mean", True, 0.1, target="prob", scale=1e4),
    _case((5,), "mean", ignore=1.0), _case((5,), "sum", True, 0.1, ignore=1.0),  # unbatched ignored
    _case((6, 4), "mean", ls=0.1, target="class0", weight=_W0),            # zero total weight
    _case((6, 4), "sum", ls=0.1, target="class0", weight=_W0),
    _case((5, 1), "mean"), _case((5, 1), "none", ls=0.1),                   # a single class
    _case((64, 100), "mean", True, 0.1, ignore=0.05),                       # classifier-sized
    _case((16, 10, 8, 8), "mean", True, 0.0, ignore=0.1),                   # segmentation-sized
    _case((8, 5), "mean", True, 0.1, ignore=0.25, steps=2),                 # cache stack, twice
    _case((6, 4), "mean", True, 1.0),                                       # smoothing 1
]

SPEC = loss_spec(
    "CrossEntropyLoss", torch.nn.CrossEntropyLoss, CrossEntropyLoss, _CASES, _make_inputs,
    reduction=_reduction,
    description="log_softmax + NLL (class targets) or soft cross entropy (probability targets)",
    options={"reduction": "none, mean, sum", "weight": "None, per-class, zero for the target class",
             "ignore_index": "-100 with hits, 0, 2 (in range), all targets ignored",
             "label_smoothing": "0, 0.1, 1", "target": "class indices, probabilities, unnormalised",
             "input": "(N, C), (N, C, d1), (N, C, d1, d2), unbatched (C,)",
             "logit scale": "1, 1e3, 1e4"},
)
