"""AvgPool1d: kernels, strides, padding, ceil_mode, count_include_pad on (N, C, L) and (C, L)."""
from __future__ import annotations

import itertools

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id, unique

_LENGTHS = [8, 9, 11, 16]


def _k(v) -> int:
    return v[0] if isinstance(v, tuple) else v


def _reduction(case: Case, tensor: str) -> int:
    """Output: k terms; grad_input: one term per window covering an element."""
    k, s = _k(case.params["kernel_size"]), case.params["stride"]
    return k if tensor == "output" else -(-k // _k(s if s is not None else k))


def _case(k, s=None, p=0, ceil=False, cip=True, b=2, c=3, n=8, unbatched=False) -> Case:
    shape = (c, n) if unbatched else (b, c, n)
    cid = case_id(k=k, s=s, p=p, ceil=ceil, nopad=not cip, b=None if unbatched else b, n=n,
                  unbatched=unbatched)
    params = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=cip)
    return Case(cid, params, (shape,))


def _cases() -> list[Case]:
    out = []
    for i, (k, s, p, ceil, cip) in enumerate(itertools.product(
            [2, 3, 4], [None, 1, 2], [0, 1, 2], [False, True], [True, False])):
        if 2 * p > k or (p == 0 and not cip):   # torch's pad limit; no effect without padding
            continue
        out.append(_case(k, s, p, ceil, cip, b=[1, 2, 3][i % 3], n=_LENGTHS[i % 4]))
    out += [_case(3, 2, 1, ceil=True, cip=False, n=6), _case(3, 3, 1, ceil=True, n=10),
            _case(3, 2, 1, unbatched=True), _case((3,), (2,), (1,), n=10),
            _case(2, 2, b=1, c=1, n=2), _case(7, 3, 3, b=4, c=16, n=100)]
    return unique(out)


SPEC = ParitySpec(
    name="AvgPool1d",
    torch_module=lambda c: torch.nn.AvgPool1d(**c.params),
    numpy_module=lambda c, dt: nl.AvgPool1d(**c.params),
    cases=_cases(),
    reduction=_reduction,
    description="1-D average pooling",
    options={"kernel_size": "2, 3, 4, 7, (3,)", "stride": "default, 1, 2, 3",
             "padding": "0, 1, 2, 3", "ceil_mode": "False, True",
             "count_include_pad": "True, False", "input": "batched, unbatched"},
)
