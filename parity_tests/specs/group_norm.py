"""GroupNorm: groups 1 (layer-norm-like), C (instance-norm-like) and in between; affine, eps,
inputs (N, C), (N, C, L), (N, C, H, W), (N, C, D, H, W)."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from numpy_layers.modules.group_norm import GroupNorm
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones
from parity_tests.specs._fuzz import ints


def _case(shape, groups, affine=True, eps=1e-5) -> Case:
    cid = case_id(x=shape, g=groups, noaffine=not affine, eps=eps if eps != 1e-5 else None)
    params = dict(num_groups=groups, num_channels=shape[1], eps=eps, affine=affine)
    return Case(cid, params, (shape,))


_CASES = [
    _case((4, 6, 5, 5), 1), _case((4, 6, 5, 5), 6), _case((4, 6, 5, 5), 3),
    _case((2, 8, 7, 9), 2), _case((2, 8, 7, 9), 4, affine=False), _case((3, 16, 6, 5), 8),
    _case((2, 12, 10), 3), _case((5, 4), 2), _case((1, 4, 3, 3), 4, eps=1e-3),
    _case((2, 6, 3, 4, 5), 3), _case((2, 32, 8, 8), 32, affine=False),
    _case((3, 9, 4, 4), 3, eps=1e-1), _case((2, 64, 4, 4), 16),
]


def _init(m: torch.nn.GroupNorm, rng) -> None:
    c = m.num_channels
    if m.affine:
        m.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, c)))
        m.bias.copy_(torch.from_numpy(rng.normal(0, 0.5, c)))


def _reduction(case: Case, tensor: str) -> int:
    shape, g = case.input_shapes[0], case.params["num_groups"]
    length = math.prod(shape[2:])
    if tensor.startswith(("grad_weight", "grad_bias")):
        return shape[0] * length
    return shape[1] // g * length


@st.composite
def fuzz_cases(draw) -> Case:
    """GroupNorm: groups dividing the channels, affine or not, any spatial rank."""
    groups = draw(ints(1, 3))
    c = groups * draw(ints(1, 3))
    spatial = tuple(draw(st.lists(ints(1, 4), min_size=0, max_size=2)))
    shape = (draw(ints(1, 3)), c, *spatial)
    if c // groups * max(1, len(spatial) and math.prod(spatial)) < 2:
        shape = shape[:2] + (2,) + shape[3:] if spatial else shape + (2,)
    params = dict(num_groups=groups, num_channels=c, eps=1e-5, affine=draw(st.booleans()))
    return Case(case_id(fuzz=True, x=shape, g=groups, affine=params["affine"]), params, (shape,))


_ERROR_INPUTS = [
    ErrorInput("groupnorm_groups", dict(num_groups=3, num_channels=4), ones(2, 4, 3, 3),
               "divisible"),
    ErrorInput("groupnorm_channels", dict(num_groups=2, num_channels=4), ones(2, 6, 3, 3),
               "channels"),
]

SPEC = ParitySpec(
    name="GroupNorm",
    torch_module=lambda c: torch.nn.GroupNorm(**c.params),
    numpy_module=lambda c, dt: GroupNorm(**c.params, dtype=dt),
    error_inputs=_ERROR_INPUTS,
    fuzz=fuzz_cases,
    cases=_CASES,
    init=_init,
    reduction=_reduction,
    input_scale=2.0,
    description="group normalisation over (C/G, *) per sample and group",
    options={"num_groups": "1, C (4, 6, 32), other (2, 3, 4, 8, 16)", "affine": "True, False",
             "eps": "1e-5, 1e-3, 1e-1", "input": "(N, C), (N, C, L), (N, C, H, W), (N, C, D, H, W)"},
)
