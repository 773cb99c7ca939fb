"""BCEWithLogitsLoss: reductions none/mean/sum, weight and pos_weight (None, per-class along the
last dim, (C, 1, 1) for N-d inputs, full shape), logits scaled by 1e3 and 1e4 (the log-sum-exp
form must stay finite), binary and soft targets."""
from __future__ import annotations

import numpy as np
import torch

from numpy_layers.modules.loss import BCEWithLogitsLoss
from parity_tests.harness.spec import Case, case_id
from parity_tests.specs._loss_common import loss_spec, rand_list

REDS = ("none", "mean", "sum")


def _case(x, red="mean", w=None, pw=None, target="uniform", scale=1.0) -> Case:
    params: dict = {"reduction": red, "target": target, "scale": scale}
    if w is not None:
        params["weight"] = rand_list(w, seed=len(x) * 5 + sum(w))
    if pw is not None:
        params["pos_weight"] = rand_list(pw, seed=len(x) * 3 + sum(pw) + 1, lo=0.1, hi=4.0)
    dims = lambda s: None if s is None else ("x".join(map(str, s)) or "scalar")  # noqa: E731
    cid = case_id(x=x if x else "scalar", red=red, w=dims(w), pw=dims(pw),
                  t=None if target == "uniform" else target,
                  s=None if scale == 1.0 else f"{scale:g}")
    return Case(cid, params, (x, x))


def _make_inputs(case: Case, rng: np.random.Generator) -> list:
    shape = case.input_shapes[0]
    x = np.asarray(rng.standard_normal(shape) * case.params["scale"])
    if case.params["target"] == "binary":
        t = np.asarray(rng.integers(0, 2, shape), dtype=np.float64)
    else:
        t = np.asarray(rng.random(shape))
    return [x, t]


_CASES: list[Case] = []
for red in REDS:
    _CASES += [_case((8, 5), red), _case((8, 5), red, w=(5,)), _case((8, 5), red, pw=(5,)),
               _case((8, 5), red, (8, 5), (5,), target="binary"),
               _case((2, 3, 4, 4), red, (3, 1, 1), (3, 1, 1)),     # per-class weights, N-d
               _case((2, 3, 4, 4), red, pw=(4,)),                  # pos_weight along the last dim
               _case((7,), red, pw=(7,)), _case((), red, (), ()),
               _case((6, 4), red, (4,), (4,), scale=1e3), _case((6, 4), red, pw=(4,), scale=1e4),
               _case((6, 4), red, target="binary", scale=1e4)]
_CASES += [_case((16, 3, 32, 32), "mean", pw=(3, 1, 1)), _case((64, 20), "mean", (20,), (20,))]

SPEC = loss_spec(
    "BCEWithLogitsLoss", torch.nn.BCEWithLogitsLoss, BCEWithLogitsLoss, _CASES, _make_inputs,
    description="sigmoid + binary cross entropy in the stable log-sum-exp form",
    options={"reduction": "none, mean, sum", "weight": "None, 0-D, (C,), (C, 1, 1), full shape",
             "pos_weight": "None, 0-D, (C,) on the last dim, (C, 1, 1)",
             "input": "0-D, (N,), (N, C), (N, C, H, W)", "logit scale": "1, 1e3, 1e4",
             "target": "uniform in [0, 1), binary"},
)
