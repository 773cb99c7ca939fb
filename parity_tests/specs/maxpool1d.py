"""MaxPool1d: kernels, strides, padding, dilation, ceil_mode, return_indices on (N, C, L)
and (C, L); tie and NaN cases pin torch's rule (first maximum; among NaN, the last)."""
from __future__ import annotations

import itertools

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id, unique

_LENGTHS = [8, 9, 11, 16]


def valid(k: int, s: int | None, p: int, d: int, n: int) -> bool:
    """torch's constraints: pad <= kernel / 2 and at least one output."""
    return 2 * p <= k and n + 2 * p >= d * (k - 1) + 1


def _case(k, s=None, p=0, d=1, ceil=False, idx=False, b=2, c=3, n=8, kind="random",
          unbatched=False) -> Case:
    shape = (c, n) if unbatched else (b, c, n)
    cid = case_id(k=k, s=s, p=p, d=d if d != 1 else None, ceil=ceil, idx=idx,
                  b=None if unbatched else b, n=n, unbatched=unbatched,
                  **({kind: True} if kind != "random" else {}))
    params = dict(kernel_size=k, stride=s, padding=p, dilation=d, return_indices=idx,
                  ceil_mode=ceil)
    return Case(cid, params, (shape,), kind=kind)


def _cases() -> list[Case]:
    out = []
    for i, (k, s, p, ceil) in enumerate(itertools.product([2, 3, 4], [None, 1, 2, 3], [0, 1, 2],
                                                           [False, True])):
        n, d = _LENGTHS[i % 4], 2 if i % 5 == 0 else 1
        if valid(k, s, p, d, n):
            out.append(_case(k, s, p, d, ceil, idx=i % 3 == 0, b=[1, 3][i % 2], n=n))
    # Windows that would start in padding under ceil_mode; tuple arguments as torch stores them.
    out += [_case(3, 2, 1, ceil=True, n=6, idx=True), _case(2, 2, 1, ceil=True, n=5),
            _case(3, 2, 1, d=2, idx=True, n=9), _case(3, 2, 1, unbatched=True, idx=True),
            _case((3,), (2,), (1,), idx=True, n=10), _case(2, 2, 0, b=1, c=1, n=2),
            _case(5, 3, 2, b=4, c=16, n=100, idx=True)]
    for kind in ("ties", "nan"):          # with and without indices (see MaxPool2d)
        out += [_case(2, 2, kind=kind, idx=True), _case(3, 1, 1, kind=kind, idx=True),
                _case(3, 2, 1, ceil=True, kind=kind, idx=True, n=9),
                _case(3, 1, 1, d=2, kind=kind, idx=True, n=12),
                _case(2, 2, kind=kind), _case(3, 2, kind=kind, n=11), _case(3, 1, kind=kind, n=9)]
    return unique(out)


SPEC = ParitySpec(
    name="MaxPool1d",
    torch_module=lambda c: torch.nn.MaxPool1d(**c.params),
    numpy_module=lambda c, dt: nl.MaxPool1d(**c.params),
    cases=_cases(),
    random_inputs="distinct",
    description="1-D max pooling",
    options={"kernel_size": "2, 3, 4, 5, (3,)", "stride": "default, 1, 2, 3",
             "padding": "0, 1, 2", "dilation": "1, 2", "ceil_mode": "False, True",
             "return_indices": "False, True", "inputs": "distinct, ties, NaN",
             "input": "batched, unbatched"},
)
