"""ConvTranspose2d: kernels, strides, paddings, output_padding (< stride, or < dilation),
dilation, groups (incl. depthwise), bias, ``forward(x, output_size)`` with 2 and 4 sizes
(3 unbatched), unbatched input, output_padding beyond padding (rows no tap reaches).
Half the cases build the NumPy twin with its constructor, half with ``from_torch``."""
from __future__ import annotations

import itertools
import math
import zlib

import torch
from hypothesis import assume
from hypothesis import strategies as st

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id, pair, unique
from parity_tests.harness.tolerance import Terms
from parity_tests.specs._fuzz import ints

_CHANNELS = [(1, 1), (3, 8), (8, 4), (16, 6)]
_SPATIAL = [(5, 5), (6, 4), (4, 7), (7, 7)]


def _case(k, s=1, p=0, op=0, b=2, cin=3, cout=4, hw=(5, 5), bias=True, d=1, g=1,
          unbatched=False, size=None) -> Case:
    shape = (cin, *hw) if unbatched else (b, cin, *hw)
    cid = case_id(k=k, s=s, p=p, op=op or None, d=d if d != 1 else None,
                  g=g if g != 1 else None, b=None if unbatched else b, c=f"{cin}to{cout}",
                  hw=hw, nobias=not bias, unbatched=unbatched, size=size)
    params = dict(in_channels=cin, out_channels=cout, kernel_size=k, stride=s, padding=p,
                  output_padding=op, groups=g, bias=bias, dilation=d, output_size=size)
    return Case(cid, params, (shape,))


def _out(case: Case) -> tuple[int, int]:
    """(Hout, Wout) of a case, by torch's formula (output_size given: that size)."""
    p = case.params
    if p["output_size"] is not None:
        return tuple(p["output_size"][-2:])
    return tuple((n - 1) * s - 2 * q + d * (k - 1) + 1 + o for n, k, s, q, o, d in zip(
        case.input_shapes[0][-2:], pair(p["kernel_size"]), pair(p["stride"]),
        pair(p["padding"]), pair(p["output_padding"]), pair(p["dilation"])))


def _valid(case: Case) -> bool:
    p = case.params
    ops = zip(pair(p["output_padding"]), pair(p["stride"]), pair(p["dilation"]))
    return all(o < s or o < d for o, s, d in ops) and min(_out(case)) >= 1


def _cases() -> list[Case]:
    out = []
    # The core matrix: every kernel x stride x padding, output_padding and the other axes
    # cycled across it (output_padding where stride allows it).
    for i, (k, s, p) in enumerate(itertools.product(
            [1, 2, 3, 4, (3, 2)], [1, 2, 3], [0, 1, (1, 2)])):
        cin, cout = _CHANNELS[i % 4]
        op = [0, 1, (1, 0), s - 1][i % 4] if s > 1 else 0
        c = _case(k, s, p, op, b=[1, 2, 4][i % 3], cin=cin, cout=cout, hw=_SPATIAL[i % 4],
                  bias=i % 2 == 0)
        if _valid(c):
            out.append(c)
    out += [
        # dilation, and output_padding allowed by dilation alone (stride 1)
        _case(3, 1, 1, d=2), _case(3, 2, 1, d=(1, 2), hw=(6, 7)), _case(3, 1, 0, op=1, d=2),
        _case((2, 3), 1, 2, op=(1, 2), d=3), _case(3, 2, 2, op=(2, 1), d=3, hw=(4, 6)),
        # groups, depthwise
        _case(3, 1, 1, cin=4, cout=6, g=2), _case(4, 2, 1, cin=6, cout=6, g=6, b=3),
        _case(3, 2, 0, op=1, cin=3, cout=6, g=3), _case(5, 1, 2, cin=8, cout=8, g=8, bias=False),
        _case(2, 2, 0, cin=8, cout=4, g=4, hw=(7, 6)),
        # output_padding beyond padding: trailing rows/cols no tap reaches
        _case(3, 3, 0, op=2), _case(2, 3, 1, op=2, hw=(4, 5)), _case((1, 3), 4, (2, 0), op=(3, 1)),
        _case((2, 3), 5, (2, 1), op=(3, 0), hw=(1, 4)),           # no tap reaches any row
        # output_size: spatial pair, full (N, C, H, W), unbatched (C, H, W)
        _case(3, 2, 1, size=(10, 9)), _case(4, 2, 1, size=(2, 4, 11, 10)),
        _case(3, 3, 1, size=(18, 15), hw=(6, 5)), _case(3, 2, 1, size=(9, 9)),
        _case(3, 2, 1, unbatched=True, size=(4, 10, 10)),
        _case(3, 2, 0, unbatched=True, size=(12, 11)),
        # unbatched, single channel, a realistic decoder shape
        _case(3, 1, 1, unbatched=True), _case(3, 2, 1, op=1, cin=1, cout=1, b=1),
        _case(4, 2, 1, cin=32, cout=16, b=4, hw=(14, 14)),
    ]
    return unique(c for c in out if _valid(c))


def _ctor(case: Case) -> dict:
    return {k: v for k, v in case.params.items() if k != "output_size"}


def _torch_module(case: Case) -> torch.nn.Module:
    m = torch.nn.ConvTranspose2d(**_ctor(case))
    m.parity_output_size = case.params["output_size"]     # read by _torch_forward
    return m


def _numpy_module(case: Case, dtype) -> nl.ConvTranspose2d:
    if zlib.crc32(case.id.encode()) % 2:
        t = torch.nn.ConvTranspose2d(**_ctor(case)).to(torch.float32 if dtype == "float32"
                                                         else torch.float64)
        n = nl.from_torch(t)
    else:
        n = nl.ConvTranspose2d(**_ctor(case), dtype=dtype)
    n.parity_output_size = case.params["output_size"]     # read by _numpy_forward
    return n


def _size(m) -> list[int] | None:
    size = m.parity_output_size
    return None if size is None else list(size)


def _reduction(case: Case, tensor: str) -> Terms:
    p, shape = case.params, case.input_shapes[0]
    (kh, kw), (sh, sw), (dh, dw) = (pair(p[k]) for k in ("kernel_size", "stride", "dilation"))
    n = shape[0] if len(shape) == 4 else 1
    # torch's default weight (C_in, C_out/groups, kh, kw) is U(-b, b), b = 1/sqrt(fan_in) with
    # fan_in = C_out/groups * kh * kw (its dim 1): rms 1/sqrt(3 fan_in). Times unit-scale
    # inputs or upstream gradients, that is one term's rms (see the tolerance policy).
    term_rms = 1.0 / math.sqrt(3 * (p["out_channels"] // p["groups"] * kh * kw))
    if tensor == "output":   # taps landing on one output element: k's with k*d in one residue
        taps = [max(sum(1 for i in range(k) if i * d % s == r) for r in range(s))
                for k, s, d in ((kh, sh, dh), (kw, sw, dw))]
        return Terms(p["in_channels"] // p["groups"] * taps[0] * taps[1], term_rms)
    if tensor == "grad_input":
        return Terms(p["out_channels"] // p["groups"] * kh * kw, term_rms)
    # grad_bias / grad_weight sum upstream gradients (standard normal), times unit-scale
    # inputs for the weight: rms 1. The fuzzer found a bias gradient of 0.127 from 96 such
    # terms rounded 33 ulp of 0.127 (headroom 2.6 under the |result| floor alone).
    if tensor == "grad_bias":
        return Terms(n * _out(case)[0] * _out(case)[1], 1.0)
    return Terms(n * shape[-2] * shape[-1], 1.0)   # grad_weight: batch and input positions


@st.composite
def fuzz_cases(draw) -> Case:
    """ConvTranspose2d: groups, stride, dilation, padding, output_padding (< stride or
    < dilation, as torch requires) and ``output_size`` anywhere in torch's valid range."""
    groups = draw(ints(1, 3))
    cin, cout = groups * draw(ints(1, 3)), groups * draw(ints(1, 3))
    k = (draw(ints(1, 4)), draw(ints(1, 4)))
    s = (draw(ints(1, 3)), draw(ints(1, 3)))
    d = (draw(ints(1, 3)), draw(ints(1, 3)))
    p = (draw(ints(0, 3)), draw(ints(0, 3)))
    op = tuple(draw(ints(0, max(s[i], d[i]) - 1)) for i in (0, 1))
    hw = (draw(ints(1, 6)), draw(ints(1, 6)))
    base = [(hw[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1 for i in (0, 1)]
    assume(all(b + o >= 1 for b, o in zip(base, op)))
    size = None
    if draw(st.booleans()):     # output_size replaces output_padding: min .. min + stride - 1
        assume(all(b >= 1 for b in base))
        size = tuple(base[i] + draw(ints(0, s[i] - 1)) for i in (0, 1))
        op = (0, 0)
        assume(all(size[i] - base[i] < max(s[i], d[i]) for i in (0, 1)))
    batch = draw(st.sampled_from([None, 1, 2, 3]))
    shape = (cin, *hw) if batch is None else (batch, cin, *hw)
    params = dict(in_channels=cin, out_channels=cout, kernel_size=k, stride=s, padding=p,
                  output_padding=op, groups=groups, bias=draw(st.booleans()), dilation=d,
                  output_size=size)
    return Case(case_id(fuzz=True, x=shape, k=k, s=s, p=p, op=op, d=d, g=groups, size=size),
                params, (shape,))


_REGRESSIONS = [
    # A bias gradient of 0.127 summed from 96 standard-normal upstream gradients
    # (_reduction states its terms' size).
    (Case(id='fuzz_x2x1x5x5_k1x2_s1x3_p1x1_op0x0_d3x3_g1_size3x16', params={
        'in_channels': 1, 'out_channels': 1, 'kernel_size': (1, 2), 'stride': (1, 3),
        'padding': (1, 1), 'output_padding': (0, 0), 'groups': 1, 'bias': True,
        'dilation': (3, 3), 'output_size': (3, 16)}, input_shapes=((2, 1, 5, 5),)),
     'float32', 'train'),
]

SPEC = ParitySpec(
    name="ConvTranspose2d",
    torch_module=_torch_module,
    numpy_module=_numpy_module,
    fuzz=fuzz_cases,
    regressions=_REGRESSIONS,
    cases=_cases(),
    reduction=_reduction,
    torch_forward=lambda m, xs, seed: m(xs[0], output_size=_size(m)),
    numpy_forward=lambda m, xs, torch_out: m(xs[0], output_size=_size(m)),
    description="2-D transposed convolution (NCHW, weight (C_in, C_out/groups, kh, kw))",
    options={"kernel_size": "1, 2, 3, 4, 5, (3,2), (2,3), (1,3)", "stride": "1, 2, 3, 4",
             "padding": "0, 1, 2, (1,2), (2,0)",
             "output_padding": "0, 1, 2, (1,0), (1,2), (2,1), (3,1); < stride or < dilation",
             "dilation": "1, 2, 3, (1,2)", "groups": "1, 2, 3, 4, depthwise",
             "output_size": "None, (H,W), (N,C,H,W), unbatched (C,H,W)",
             "bias": "True, False", "input": "batched, unbatched",
             "construction": "constructor, from_torch"},
)
