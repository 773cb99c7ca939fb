"""AvgPool2d: kernels, strides, padding, ceil_mode, count_include_pad, divisor_override."""
from __future__ import annotations

import itertools

import torch
from hypothesis import strategies as st

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones, pair, unique
from parity_tests.specs._fuzz import ints, pool_geometry

_SPATIAL = [(8, 8), (9, 7), (7, 10), (11, 11)]


def _case(k, s=None, p=0, ceil=False, cip=True, div=None, b=2, c=3, hw=(8, 8),
          unbatched=False) -> Case:
    shape = (c, *hw) if unbatched else (b, c, *hw)
    cid = case_id(k=k, s=s, p=p, ceil=ceil, nopad=not cip, div=div,
                  b=None if unbatched else b, hw=hw, unbatched=unbatched)
    params = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=cip,
                  divisor_override=div)
    return Case(cid, params, (shape,))


def _cases() -> list[Case]:
    out = []
    for i, (k, s, p, ceil, cip) in enumerate(itertools.product(
            [2, 3, (3, 2)], [None, 1, 2], [0, 1, (1, 0)], [False, True], [True, False])):
        if any(2 * pp > kk for pp, kk in zip(pair(p), pair(k))):
            continue   # torch: pad should be at most half of kernel size
        if p == 0 and not cip:
            continue   # count_include_pad has no effect without padding
        out.append(_case(k, s, p, ceil, cip, b=[1, 2, 3][i % 3], hw=_SPATIAL[i % 4]))
    out += [_case(3, 2, 1, div=3), _case(2, 2, 0, div=7, ceil=True, hw=(7, 7)),
            _case(3, 2, 1, ceil=True, cip=False, hw=(6, 6)), _case(3, 3, 1, ceil=True, hw=(10, 7)),
            _case(3, 2, 1, unbatched=True), _case(2, 2, b=1, c=1, hw=(2, 2))]
    return unique(out)


def _reduction(case: Case, tensor: str) -> int:
    kh, kw = pair(case.params["kernel_size"])
    return kh * kw


@st.composite
def fuzz_cases(draw) -> Case:
    """AvgPool2d: kernel, stride, padding, ceil_mode, count_include_pad, divisor_override."""
    k, s, p = pool_geometry(draw)
    h = max(k[0] - 2 * p[0], 1) + draw(ints(0, 5))
    w = max(k[1] - 2 * p[1], 1) + draw(ints(0, 5))
    shape = (draw(ints(1, 3)), draw(ints(1, 3)), h, w)
    params = dict(kernel_size=k, stride=s, padding=p, ceil_mode=draw(st.booleans()),
                  count_include_pad=draw(st.booleans()),
                  divisor_override=draw(st.one_of(st.none(), ints(1, 6))))
    return Case(case_id(fuzz=True, x=shape, k=k, s=s, p=p, ceil=params["ceil_mode"],
                        cip=params["count_include_pad"], div=params["divisor_override"]),
                params, (shape,))


_ERROR_INPUTS = [
    ErrorInput("avgpool_pad_over_half", dict(kernel_size=3, padding=2), ones(1, 1, 8, 8),
               "padding"),
    ErrorInput("avgpool_divisor_0", dict(kernel_size=2, divisor_override=0),
               ones(1, 1, 8, 8), "divisor"),
    ErrorInput("avgpool_kernel_too_big", dict(kernel_size=5), ones(1, 1, 3, 3)),
    ErrorInput("avgpool_negative_padding", dict(kernel_size=3, padding=-1),
               ones(1, 1, 8, 8), "padding"),
]

SPEC = ParitySpec(
    name="AvgPool2d",
    torch_module=lambda c: torch.nn.AvgPool2d(**c.params),
    numpy_module=lambda c, dt: nl.AvgPool2d(**c.params),
    error_inputs=_ERROR_INPUTS,
    fuzz=fuzz_cases,
    cases=_cases(),
    reduction=_reduction,
    description="2-D average pooling",
    options={"kernel_size": "2, 3, (3,2)", "stride": "default, 1, 2, 3", "padding": "0, 1, (1,0)",
             "ceil_mode": "False, True", "count_include_pad": "True, False",
             "divisor_override": "None, 3, 7", "input": "batched, unbatched"},
)
