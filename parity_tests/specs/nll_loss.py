"""NLLLoss: weight, ignore_index (hits, in range, all ignored -> NaN mean, zero total weight),
reductions none/mean/sum, N-d (N, C, d1, ...) and unbatched (C,) inputs."""
from __future__ import annotations

import numpy as np
import torch

from numpy_layers.modules.loss import NLLLoss
from parity_tests.harness.spec import Case, case_id
from parity_tests.specs._loss_common import class_targets, loss_spec, numel, rand_list

REDS = ("none", "mean", "sum")


def _case(x, red="mean", w=False, ignore=0.0, ii=None, target="class", weight=None,
          logp=True, steps=1) -> Case:
    c = x[0] if len(x) == 1 else x[1]
    t = () if len(x) == 1 else (x[0],) + x[2:]
    params: dict = {"reduction": red, "target": target, "ignore_frac": ignore, "logp": logp}
    if w or weight is not None:
        params["weight"] = weight if weight is not None else rand_list((c,), seed=c * 17 + len(x))
    if ii is not None:
        params["ignore_index"] = ii
    cid = case_id(x=x, red=red, w=w or weight is not None, ign=ignore or None, ii=ii,
                  t=None if target == "class" else target, raw=not logp,
                  steps=steps if steps > 1 else None)
    return Case(cid, params, (x, t), steps=steps)


def _make_inputs(case: Case, rng: np.random.Generator) -> list:
    p = case.params
    xshape, tshape = case.input_shapes
    axis = 0 if len(xshape) == 1 else 1
    c = xshape[axis]
    x = np.asarray(rng.standard_normal(xshape))
    if p["logp"]:                                   # log-probabilities, as NLLLoss expects
        x = x - np.log(np.exp(x).sum(axis=axis, keepdims=True))
    return [x, class_targets(case, rng, c)]


def _reduction(case: Case, tensor: str) -> int:
    if tensor == "output" and case.params["reduction"] != "none":
        return numel(case.input_shapes[1])
    return 1


_CASES: list[Case] = []
for red in REDS:
    for w in (False, True):
        _CASES += [_case((8, 5), red, w), _case((8, 5), red, w, ignore=0.3),
                   _case((3, 4, 5, 5), red, w, ignore=0.2),               # N-d
                   _case((6,), red, w)]                                   # unbatched
    _CASES += [_case((2, 3, 9), red, True, ignore=0.3, ii=1),             # ignore_index in range
               _case((8, 5), red, True, ignore=1.0),                      # all ignored
               _case((10, 7), red, logp=False)]                           # raw scores
_CASES += [
    _case((6,), "mean", ignore=1.0), _case((6,), "none", True, ignore=1.0),  # unbatched, ignored
    _case((6, 4), "mean", target="class0", weight=[0.0, 1.0, 2.0, 3.0]),     # zero total weight
    _case((6, 4), "none", target="class0", weight=[0.0, 1.0, 2.0, 3.0]),
    _case((5, 1), "mean"),                                                   # a single class
    _case((64, 100), "mean", True, ignore=0.05),
    _case((16, 10, 8, 8), "sum", True, ignore=0.1),
    _case((8, 5), "mean", True, ignore=0.3, steps=2),
]

SPEC = loss_spec(
    "NLLLoss", torch.nn.NLLLoss, NLLLoss, _CASES, _make_inputs, reduction=_reduction,
    description="negative log likelihood of log-probabilities at class targets",
    options={"reduction": "none, mean, sum", "weight": "None, per-class, zero for the target class",
             "ignore_index": "-100 with hits, 1 (in range), all targets ignored",
             "input": "(N, C), (N, C, d1), (N, C, d1, d2), unbatched (C,)"},
)
