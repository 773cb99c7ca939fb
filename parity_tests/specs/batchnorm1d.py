"""BatchNorm1d on (N, C) and (N, C, L) input over several steps, train and eval."""
from __future__ import annotations

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones
from parity_tests.harness.tolerance import Terms
from parity_tests.harness.inputs import redraw_norm
from parity_tests.specs._norm_common import batch_norm_terms


def _case(shape, affine=True, momentum=0.1, track=True, steps=3) -> Case:
    cid = case_id(x=shape, noaffine=not affine, mom="None" if momentum is None else momentum,
                  notrack=not track)
    params = dict(num_features=shape[1], momentum=momentum, affine=affine,
                  track_running_stats=track)
    return Case(cid, params, (shape,), steps=steps)


_CASES = [_case((8, 5)), _case((4, 3, 7)), _case((2, 6), momentum=None),
          _case((5, 4, 3), affine=False), _case((6, 3), track=False),
          _case((3, 8, 10), momentum=0.5), _case((3, 2, 1), momentum=None, steps=4),
          # empty batch: empty output, zero parameter grads, only num_batches_tracked moves
          _case((0, 4), steps=2), _case((0, 3, 5), momentum=None, steps=2),
          _case((0, 2), affine=False, track=False, steps=1)]


def _reduction(case: Case, tensor: str) -> int | Terms:
    shape = case.input_shapes[0]
    return batch_norm_terms(tensor, max(1, shape[0] * (shape[2] if len(shape) == 3 else 1)))


SPEC = ParitySpec(
    name="BatchNorm1d",
    torch_module=lambda c: torch.nn.BatchNorm1d(**c.params),
    numpy_module=lambda c, dt: nl.BatchNorm1d(**c.params, dtype=dt),
    error_inputs=[ErrorInput("bn1d_channels", dict(num_features=3), ones(4, 5), "channels")],
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_norm,
    reduction=_reduction,
    input_scale=2.0,
    description="batch normalisation of (N, C) or (N, C, L) input per channel",
    options={"input": "(N, C), (N, C, L)", "affine": "True, False",
             "momentum": "0.1, 0.5, None", "track_running_stats": "True, False",
             "steps": "3, 4", "mode": "train, eval",
             "batch": "N >= 1, N = 0 (empty)"},
)
