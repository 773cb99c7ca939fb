"""MaxPool2d: kernels, strides, padding, dilation, ceil_mode, return_indices; tie and NaN
cases pin torch's rule (first maximum in row-major window order; among NaN, the last)."""
from __future__ import annotations

import itertools

import torch
from hypothesis import assume
from hypothesis import strategies as st

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones, pair, unique
from parity_tests.specs._fuzz import ints, pool_geometry, windows_touch_input

_SPATIAL = [(8, 8), (9, 7), (7, 10), (12, 11)]


def _valid(k, s, p, d, hw) -> bool:
    """torch's constraints: pad <= kernel / 2 (the undilated kernel) and at least one output."""
    for i in range(2):
        kk, pp, dd = pair(k)[i], pair(p)[i], pair(d)[i]
        eff = dd * (kk - 1) + 1
        if 2 * pp > kk or hw[i] + 2 * pp < eff:
            return False
    return True


def _case(k, s=None, p=0, d=1, ceil=False, idx=False, b=2, c=3, hw=(8, 8), kind="random",
          unbatched=False) -> Case:
    shape = (c, *hw) if unbatched else (b, c, *hw)
    cid = case_id(k=k, s=s, p=p, d=d if d != 1 else None, ceil=ceil, idx=idx,
                  b=None if unbatched else b, hw=hw, unbatched=unbatched,
                  **({kind: True} if kind != "random" else {}))
    params = dict(kernel_size=k, stride=s, padding=p, dilation=d, return_indices=idx,
                  ceil_mode=ceil)
    return Case(cid, params, (shape,), kind=kind)


def _cases() -> list[Case]:
    out = []
    for i, (k, s, p, ceil) in enumerate(itertools.product(
            [2, 3, (2, 3)], [None, 1, 2, (2, 1)], [0, 1], [False, True])):
        hw = _SPATIAL[i % 4]
        d = 2 if i % 5 == 0 else 1
        if _valid(k, s, p, d, hw):
            out.append(_case(k, s, p, d, ceil, idx=i % 3 == 0, b=[1, 3][i % 2], hw=hw))
    # Windows that would start in padding under ceil_mode, dilation with padding.
    out += [_case(3, 2, 1, ceil=True, hw=(6, 6), idx=True), _case(2, 2, 1, ceil=True, hw=(5, 5)),
            _case(3, 3, 1, ceil=True, hw=(10, 7), idx=True), _case(3, 2, 1, d=2, idx=True, hw=(9, 9)),
            _case(3, 2, 1, unbatched=True, idx=True), _case(2, 2, 0, b=1, c=1, hw=(2, 2)),
            # Padding 2 (torch allows up to half the kernel), also with ceil_mode.
            _case(4, 2, 2, idx=True, hw=(7, 9)), _case(5, 3, 2, ceil=True, idx=True, hw=(8, 8)),
            _case((4, 5), (2, 3), 2, ceil=True, hw=(9, 6))]
    # Exact ties and NaN: which element gets the gradient, which index is returned. The
    # cases without indices (and without padding) reach layers that cannot return indices:
    # a backward that sends the gradient to every tied maximum fails there.
    for kind in ("ties", "nan"):
        out += [_case(2, 2, kind=kind, idx=True), _case(3, 1, 1, kind=kind, idx=True),
                _case(3, 2, 1, ceil=True, kind=kind, idx=True, hw=(9, 9)),
                _case(3, 1, 1, d=2, kind=kind, idx=True),
                _case(2, 2, kind=kind), _case(3, 2, kind=kind, hw=(9, 9)),
                _case(3, 1, kind=kind, b=1, hw=(6, 7))]
    return unique(out)


@st.composite
def fuzz_cases(draw) -> Case:
    """MaxPool2d: kernel, stride, padding <= half the kernel, dilation, ceil_mode, ties."""
    k, s, p = pool_geometry(draw)
    d = (draw(ints(1, 3)), draw(ints(1, 3)))
    h = max(d[0] * (k[0] - 1) + 1 - 2 * p[0], 1) + draw(ints(0, 5))
    w = max(d[1] * (k[1] - 1) + 1 - 2 * p[1], 1) + draw(ints(0, 5))
    shape = (draw(ints(1, 3)), draw(ints(1, 3)), h, w)
    params = dict(kernel_size=k, stride=s, padding=p, dilation=d,
                  return_indices=draw(st.booleans()), ceil_mode=draw(st.booleans()))
    # A dilated window can hold only padding; torch then outputs -inf and sends the
    # gradient to an arbitrary element (README: differences from torch). Not drawn.
    assume(all(windows_touch_input(n, k[i], s[i], p[i], d[i], params["ceil_mode"])
               for i, n in enumerate((h, w))))
    kind = draw(st.sampled_from(["random", "ties", "nan"]))
    return Case(case_id(fuzz=True, x=shape, k=k, s=s, p=p, d=d, ceil=params["ceil_mode"],
                        kind=kind), params, (shape,), kind=kind)


_ERROR_INPUTS = [
    ErrorInput("maxpool_pad_over_half", dict(kernel_size=2, padding=2), ones(1, 1, 8, 8),
               "padding"),
    ErrorInput("maxpool_stride_0", dict(kernel_size=2, stride=0), ones(1, 1, 8, 8), "stride"),
    ErrorInput("maxpool_kernel_too_big", dict(kernel_size=5), ones(1, 1, 3, 3)),
    ErrorInput("maxpool_2d_input", dict(kernel_size=2), ones(8, 8), "-D"),
    ErrorInput("maxpool_dilation_0", dict(kernel_size=2, dilation=0), ones(1, 1, 8, 8)),
]

SPEC = ParitySpec(
    name="MaxPool2d",
    torch_module=lambda c: torch.nn.MaxPool2d(**c.params),
    numpy_module=lambda c, dt: nl.MaxPool2d(**c.params),
    error_inputs=_ERROR_INPUTS,
    fuzz=fuzz_cases,
    cases=_cases(),
    random_inputs="distinct",
    description="2-D max pooling",
    options={"kernel_size": "2, 3, (2,3)", "stride": "default, 1, 2, (2,1), 3",
             "padding": "0, 1, 2", "dilation": "1, 2", "ceil_mode": "False, True",
             "return_indices": "False, True", "inputs": "distinct, ties, NaN",
             "input": "batched, unbatched"},
)
