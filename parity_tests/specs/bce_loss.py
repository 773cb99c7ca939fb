"""BCELoss: reductions none/mean/sum, weight None / per-column / per-row / full shape,
probabilities in (0, 1), binary targets, and inputs exactly 0 and 1 where torch clamps the logs
to -100 (and its gradient divides by max(x (1 - x), 1e-12); the target's is -logit(x) = +-inf)."""
from __future__ import annotations

import numpy as np
import torch

from numpy_layers.modules.loss import BCELoss
from parity_tests.harness.spec import Case, case_id
from parity_tests.specs._loss_common import loss_spec, rand_list

REDS = ("none", "mean", "sum")


def _case(x, red="mean", w=None, target="uniform", edges=False) -> Case:
    params: dict = {"reduction": red, "target": target, "edges": edges}
    wname = None
    if w is not None:
        params["weight"] = rand_list(w, seed=len(x) * 7 + sum(w))
        wname = "x".join(map(str, w)) if w else "scalar"
    cid = case_id(x=x if x else "scalar", red=red, w=wname,
                  t=None if target == "uniform" else target, edges=edges)
    return Case(cid, params, (x, x))


def _make_inputs(case: Case, rng: np.random.Generator) -> list:
    shape = case.input_shapes[0]
    x = np.asarray(rng.uniform(0.02, 0.98, shape))
    if case.params["target"] == "binary":
        t = np.asarray(rng.integers(0, 2, shape), dtype=np.float64)
    else:
        t = np.asarray(rng.random(shape))
    if case.params["edges"]:                        # exact 0 and 1: the -100 clamp
        x.flat[0::3] = 0.0
        x.flat[1::3] = 1.0
    return [x, t]


_CASES: list[Case] = []
for red in REDS:
    _CASES += [_case((8, 5), red), _case((8, 5), red, (5,)), _case((8, 5), red, (8, 1)),
               _case((8, 5), red, (8, 5)), _case((8, 5), red, target="binary"),
               _case((2, 3, 4, 4), red, (3, 1, 1)), _case((7,), red), _case((), red),
               _case((6, 4), red, edges=True),
               _case((6, 4), red, (4,), target="binary", edges=True)]
_CASES += [_case((16, 3, 32, 32), "mean"), _case((4, 6), "mean", ())]

SPEC = loss_spec(
    "BCELoss", torch.nn.BCELoss, BCELoss, _CASES, _make_inputs,
    description="binary cross entropy of probabilities, logs clamped to >= -100",
    options={"reduction": "none, mean, sum",
             "weight": "None, 0-D, (C,), (N, 1), (C, 1, 1), full shape",
             "input": "0-D, (N,), (N, C), (N, C, H, W); exact 0 and 1 (clamp)",
             "target": "uniform in [0, 1), binary"},
)
