"""InstanceNorm2d over several steps: batched and unbatched input, affine, tracked running
statistics (momentum 0.1/0.5/None), eps; train and eval; built with ``from_torch``."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones
from parity_tests.harness.tolerance import Terms
from parity_tests.harness.inputs import redraw_norm
from parity_tests.specs._fuzz import ints
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


@st.composite
def fuzz_cases(draw) -> Case:
    """InstanceNorm2d: affine, tracked statistics, momentum; >= 8 values per plane (the
    same float32-vs-float64-accumulation reason as batch norm)."""
    h, w = draw(ints(1, 6)), draw(ints(1, 6))
    while h * w < 8:
        w += 1
    c = draw(ints(1, 4))
    batch = draw(st.sampled_from([None, 1, 2, 3]))
    shape = (c, h, w) if batch is None else (batch, c, h, w)
    params = dict(num_features=c, eps=draw(st.sampled_from([1e-5, 1e-3])),
                  momentum=draw(st.sampled_from([0.1, 0.5, None])),
                  affine=draw(st.booleans()), track_running_stats=draw(st.booleans()))
    return Case(case_id(fuzz=True, x=shape, **{k: v for k, v in params.items()
                                                if k != "num_features"}),
                params, (shape,), steps=draw(ints(1, 3)))


SPEC = ParitySpec(
    name="InstanceNorm2d",
    torch_module=lambda c: torch.nn.InstanceNorm2d(**c.params),
    numpy_module="from_torch",
    error_inputs=[ErrorInput("instancenorm_empty_batch", dict(num_features=3, affine=True),
                             ones(0, 3, 4, 4), "non-empty")],
    fuzz=fuzz_cases,
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
