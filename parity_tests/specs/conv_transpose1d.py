"""ConvTranspose1d: kernels, strides, paddings, output_padding (< stride, or < dilation),
dilation, groups (incl. depthwise), bias, ``forward(x, output_size)`` with 1 and 3 sizes
(2 unbatched), unbatched input, output_padding beyond padding (positions no tap reaches).
Half the cases build the NumPy twin with its constructor, half with ``from_torch``."""
from __future__ import annotations

import itertools
import math
import zlib

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones, unique
from parity_tests.harness.tolerance import Terms
from parity_tests.specs.conv_transpose2d import _ctor, _size

_CHANNELS = [(1, 1), (3, 8), (8, 4), (16, 6)]


def _case(k, s=1, p=0, op=0, b=2, cin=3, cout=4, L=7, bias=True, d=1, g=1,
          unbatched=False, size=None) -> Case:
    shape = (cin, L) if unbatched else (b, cin, L)
    cid = case_id(k=k, s=s, p=p, op=op or None, d=d if d != 1 else None,
                  g=g if g != 1 else None, b=None if unbatched else b, c=f"{cin}to{cout}",
                  L=L, nobias=not bias, unbatched=unbatched, size=size)
    params = dict(in_channels=cin, out_channels=cout, kernel_size=k, stride=s, padding=p,
                  output_padding=op, groups=g, bias=bias, dilation=d, output_size=size)
    return Case(cid, params, (shape,))


def _single(v) -> int:
    return v[0] if isinstance(v, tuple) else v


def _out(case: Case) -> int:
    """Lout of a case, by torch's formula (output_size given: that size)."""
    p = case.params
    if p["output_size"] is not None:
        return p["output_size"][-1]
    k, s, q, o, d = (_single(p[n]) for n in ("kernel_size", "stride", "padding",
                                             "output_padding", "dilation"))
    return (case.input_shapes[0][-1] - 1) * s - 2 * q + d * (k - 1) + 1 + o


def _valid(case: Case) -> bool:
    p = case.params
    o, s, d = (_single(p[n]) for n in ("output_padding", "stride", "dilation"))
    return (o < s or o < d) and _out(case) >= 1


def _cases() -> list[Case]:
    out = []
    for i, (k, s, p) in enumerate(itertools.product([1, 2, 3, 4, (5,)], [1, 2, 3], [0, 1, 2])):
        cin, cout = _CHANNELS[i % 4]
        op = [0, 1, s - 1][i % 3] if s > 1 else 0
        c = _case(k, s, p, op, b=[1, 2, 4][i % 3], cin=cin, cout=cout, L=[5, 8, 6, 9][i % 4],
                  bias=i % 2 == 0)
        if _valid(c):
            out.append(c)
    out += [
        _case(3, 1, 1, d=2), _case(3, 2, 1, d=(2,), L=6), _case(3, 1, 0, op=1, d=2),
        _case(3, 2, 2, op=2, d=3, L=4),
        _case(3, 1, 1, cin=4, cout=6, g=2), _case(4, 2, 1, cin=6, cout=6, g=6, b=3),
        _case(3, 2, 0, op=1, cin=3, cout=6, g=3), _case(5, 1, 2, cin=8, cout=8, g=8, bias=False),
        _case(3, 3, 0, op=2), _case(2, 3, 1, op=2, L=4), _case(2, 5, 2, op=3, L=1),
        _case(3, 2, 1, size=(14,)), _case(4, 2, 1, size=(2, 4, 15)), _case(3, 3, 1, size=(20,)),
        _case(3, 2, 1, unbatched=True, size=(4, 14)), _case(3, 2, 0, unbatched=True, size=(16,)),
        _case(3, 1, 1, unbatched=True), _case(4, 2, 1, cin=32, cout=16, b=4, L=50),
    ]
    return unique(c for c in out if _valid(c))


def _torch_module(case: Case) -> torch.nn.Module:
    m = torch.nn.ConvTranspose1d(**_ctor(case))
    m.parity_output_size = case.params["output_size"]     # read by the forward hooks
    return m


def _numpy_module(case: Case, dtype) -> nl.ConvTranspose1d:
    if zlib.crc32(case.id.encode()) % 2:
        n = nl.from_torch(torch.nn.ConvTranspose1d(**_ctor(case)).to(
            torch.float32 if dtype == "float32" else torch.float64))
    else:
        n = nl.ConvTranspose1d(**_ctor(case), dtype=dtype)
    n.parity_output_size = case.params["output_size"]
    return n


def _reduction(case: Case, tensor: str) -> Terms:
    """As the ConvTranspose2d spec's, along one axis (see there for the term sizes)."""
    p, shape = case.params, case.input_shapes[0]
    k, s, d = (_single(p[n]) for n in ("kernel_size", "stride", "dilation"))
    n = shape[0] if len(shape) == 3 else 1
    term_rms = 1.0 / math.sqrt(3 * (p["out_channels"] // p["groups"] * k))
    if tensor == "output":
        taps = max(sum(1 for i in range(k) if i * d % s == r) for r in range(s))
        return Terms(p["in_channels"] // p["groups"] * taps, term_rms)
    if tensor == "grad_input":
        return Terms(p["out_channels"] // p["groups"] * k, term_rms)
    if tensor == "grad_bias":
        return Terms(n * _out(case), 1.0)
    return Terms(n * shape[-1], 1.0)


_CONV = dict(in_channels=4, out_channels=6, kernel_size=3)
_ERROR_INPUTS = [
    ErrorInput("convt1d_channels", _CONV, ones(2, 5, 7), "channels"),
    ErrorInput("convt1d_4d_input", _CONV, ones(1, 4, 7, 1), "-D"),
    ErrorInput("convt1d_output_padding", dict(_CONV, stride=2, output_padding=2),
               ones(2, 4, 7), "output padding"),
]

SPEC = ParitySpec(
    name="ConvTranspose1d",
    torch_module=_torch_module,
    numpy_module=_numpy_module,
    error_inputs=_ERROR_INPUTS,
    cases=_cases(),
    reduction=_reduction,
    torch_forward=lambda m, xs, seed: m(xs[0], output_size=_size(m)),
    numpy_forward=lambda m, xs, torch_out: m(xs[0], output_size=_size(m)),
    description="1-D transposed convolution (NCL, weight (C_in, C_out/groups, k)), on the 2-D code",
    options={"kernel_size": "1, 2, 3, 4, 5, (5,)", "stride": "1, 2, 3, 5", "padding": "0, 1, 2",
             "output_padding": "0, 1, 2, 3; < stride or < dilation", "dilation": "1, 2, 3, (2,)",
             "groups": "1, 2, 3, depthwise", "output_size": "None, (L,), (N, C, L), unbatched (C, L)",
             "bias": "True, False", "input": "batched, unbatched",
             "construction": "constructor, from_torch"},
)
