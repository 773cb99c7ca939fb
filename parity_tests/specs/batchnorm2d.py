"""BatchNorm2d over several steps: train and eval, affine, momentum 0.1/0.5/None,
track_running_stats, eps; running_mean, running_var and num_batches_tracked compared."""
from __future__ import annotations

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.harness.tolerance import Terms
from parity_tests.harness.inputs import redraw_norm
from parity_tests.specs._norm_common import batch_norm_terms

_SHAPES = [(4, 3, 5, 5), (2, 8, 7, 9), (1, 2, 3, 3), (8, 1, 4, 4), (3, 16, 6, 5)]


def _case(shape, affine=True, momentum=0.1, track=True, eps=1e-5, steps=3) -> Case:
    cid = case_id(x=shape, noaffine=not affine, mom="None" if momentum is None else momentum,
                  notrack=not track, eps=eps if eps != 1e-5 else None)
    params = dict(num_features=shape[1], eps=eps, momentum=momentum, affine=affine,
                  track_running_stats=track)
    return Case(cid, params, (shape,), steps=steps)


_CASES = [
    _case(_SHAPES[0]), _case(_SHAPES[1], momentum=None), _case(_SHAPES[2], affine=False),
    _case(_SHAPES[3], momentum=0.5), _case(_SHAPES[4], track=False), _case(_SHAPES[0], eps=1e-3),
    _case(_SHAPES[1], affine=False, momentum=None), _case(_SHAPES[4], affine=False, track=False),
    _case((16, 4, 8, 8), steps=1), _case((2, 3, 1, 1), momentum=None, steps=4),
    # empty batch (torch 2.13): empty output, zero weight/bias grads, running stats kept,
    # num_batches_tracked still counts in training
    _case((0, 3, 4, 4), steps=2), _case((0, 2, 3, 3), momentum=None, steps=2),
    _case((0, 3, 2, 2), affine=False, track=False, steps=1),
]


def _reduction(case: Case, tensor: str) -> int | Terms:
    n, _, h, w = case.input_shapes[0]
    return batch_norm_terms(tensor, max(1, n * h * w))


SPEC = ParitySpec(
    name="BatchNorm2d",
    torch_module=lambda c: torch.nn.BatchNorm2d(**c.params),
    numpy_module=lambda c, dt: nl.BatchNorm2d(**c.params, dtype=dt),
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_norm,
    reduction=_reduction,
    input_scale=2.0,
    description="batch normalisation over (N, H, W) per channel",
    options={"affine": "True, False", "momentum": "0.1, 0.5, None (cumulative)",
             "track_running_stats": "True, False", "eps": "1e-5, 1e-3",
             "steps": "1, 3, 4 (running stats after each)", "mode": "train, eval",
             "batch": "N >= 1, N = 0 (empty)"},
)
