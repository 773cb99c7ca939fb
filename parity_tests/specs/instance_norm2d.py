"""InstanceNorm2d over several steps: batched and unbatched input, affine, tracked running
statistics (momentum 0.1/0.5/None), eps; train and eval; built with ``from_torch``."""
from __future__ import annotations

import math

import torch

from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.harness.tolerance import Terms
from parity_tests.harness.inputs import redraw_norm
from parity_tests.specs._norm_common import batch_norm_terms


def _case(shape, affine=False, track=False, momentum=0.1, eps=1e-5) -> Case:
    cid = case_id(x=shape, affine=affine, track=track,
                  mom="None" if momentum is None else (momentum if momentum != 0.1 else None),
                  eps=eps if eps != 1e-5 else None)
    params = dict(num_features=shape[-3], eps=eps, momentum=momentum, affine=affine,
                  track_running_stats=track)
    return Case(cid, params, (shape,), steps=3 if track else 2)


_CASES = [
    _case((2, 3, 5, 5)), _case((2, 3, 5, 5), affine=True), _case((4, 2, 3, 7), track=True),
    _case((4, 2, 3, 7), affine=True, track=True), _case((1, 4, 6, 6), affine=True, eps=1e-3),
    _case((3, 5, 4, 4), track=True, momentum=0.5), _case((2, 3, 4, 5), track=True, momentum=None),
    _case((3, 5, 5)), _case((3, 5, 5), affine=True, track=True),
    _case((5, 4, 1, 2), affine=True), _case((2, 16, 12, 12), affine=True, track=True),
]


def _reduction(case: Case, tensor: str) -> int | Terms:
    shape = case.input_shapes[0]
    plane = math.prod(shape[-2:])
    batch = shape[0] if len(shape) == 4 else 1
    if tensor.startswith(("grad_weight", "grad_bias")):
        return batch_norm_terms(tensor, batch * plane)
    return batch_norm_terms(tensor, plane)     # the same statistics, per plane


SPEC = ParitySpec(
    name="InstanceNorm2d",
    torch_module=lambda c: torch.nn.InstanceNorm2d(**c.params),
    numpy_module="from_torch",
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_norm,
    reduction=_reduction,
    input_scale=2.0,
    description="instance normalisation: each (sample, channel) plane over (H, W)",
    options={"input": "(N, C, H, W), (C, H, W)", "affine": "True, False",
             "track_running_stats": "True, False", "momentum": "0.1, 0.5, None",
             "eps": "1e-5, 1e-3", "steps": "2, 3 (running stats after each)",
             "mode": "train, eval"},
)
