"""Conv2d: kernels, strides, paddings (int, tuple, 'same', 'valid'), dilation, groups,
padding modes, bias, channel counts, batch sizes, odd spatial sizes, unbatched input."""
from __future__ import annotations

import itertools
import math

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id, pair, unique
from parity_tests.harness.tolerance import Terms

_CHANNELS = [(1, 1), (3, 8), (8, 16), (16, 4)]
_SPATIAL = [(9, 9), (11, 7), (8, 13), (7, 7)]


def _case(k, s=1, p=0, b=2, cin=3, cout=4, hw=(9, 9), bias=True, d=1, g=1, mode="zeros",
          unbatched=False) -> Case:
    shape = (cin, *hw) if unbatched else (b, cin, *hw)
    cid = case_id(k=k, s=s, p=p, d=d if d != 1 else None, g=g if g != 1 else None,
                  b=None if unbatched else b, c=f"{cin}to{cout}", hw=hw, nobias=not bias,
                  pm=mode if mode != "zeros" else None, unbatched=unbatched)
    params = dict(in_channels=cin, out_channels=cout, kernel_size=k, stride=s, padding=p,
                  dilation=d, groups=g, bias=bias, padding_mode=mode)
    return Case(cid, params, (shape,))


def _fits(k, s, p, d, hw) -> bool:
    kh, kw = pair(k)
    if isinstance(p, str):
        return True
    ph, pw = pair(p)
    dh, dw = pair(d)
    return hw[0] + 2 * ph >= dh * (kh - 1) + 1 and hw[1] + 2 * pw >= dw * (kw - 1) + 1


def _cases() -> list[Case]:
    out = []
    # The core matrix: every kernel x stride x padding, other axes cycled across it.
    for i, (k, s, p) in enumerate(itertools.product(
            [1, 3, 5, (3, 5), (1, 3)], [1, 2, 3], [0, 1, 2, (1, 2)])):
        cin, cout = _CHANNELS[i % 4]
        hw = _SPATIAL[i % 4]
        if _fits(k, s, p, 1, hw):
            out.append(_case(k, s, p, b=[1, 2, 4][i % 3], cin=cin, cout=cout, hw=hw,
                             bias=i % 2 == 0))
    out += [
        _case(3, 1, 2, d=2), _case(3, 2, 1, d=(1, 2), hw=(11, 12)), _case((3, 2), 1, 0, d=3),
        _case(3, 1, 1, cin=4, cout=6, g=2), _case(3, 2, 1, cin=6, cout=6, g=6, b=3),
        _case(3, 1, 1, cin=3, cout=6, g=3), _case(5, 1, 2, cin=8, cout=8, g=8, bias=False),
        _case(3, 1, "same"), _case(4, 1, "same", hw=(8, 9)), _case((2, 5), 1, "same", d=2),
        _case(3, 2, "valid"), _case(3, 1, 1, mode="reflect"), _case(3, 2, (1, 2), mode="replicate"),
        _case(5, 1, 2, mode="circular", bias=False), _case(3, 1, "same", mode="reflect"),
        _case(3, 1, 1, unbatched=True), _case(3, 2, 1, cin=1, cout=1, b=1, hw=(5, 5)),
    ]
    # 3x3 stride-1 convs with C_in * C_out >= 32 * 32 take the Winograd F(2x2, 3x3) path:
    # even and odd sizes, each padding it accepts (0, 1, 2, uneven, 'same'), no bias, b=1.
    out += [
        _case(3, 1, 1, cin=32, cout=32, hw=(12, 12)), _case(3, 1, 1, cin=32, cout=32, hw=(13, 11)),
        _case(3, 1, 0, b=1, cin=32, cout=48, hw=(9, 10)),
        _case(3, 1, 2, cin=48, cout=32, hw=(7, 7), bias=False),
        _case(3, 1, (1, 2), b=3, cin=40, cout=32, hw=(6, 9)),
        _case(3, 1, "same", cin=32, cout=40, hw=(5, 8), unbatched=True),
        # 2x2 and 1x1 outputs: dy's phases are single elements at a 4-value stride (NumPy
        # 2.4's np.negative misreads that stride; the gradient transform must not use it).
        _case(3, 1, 1, b=1, cin=32, cout=32, hw=(2, 2)), _case(3, 1, 1, cin=32, cout=32, hw=(1, 1)),
    ]
    return unique(out)


def _out_size(size: int, k: int, s: int, p, d: int) -> int:
    if p == "same":
        return size
    p = 0 if p == "valid" else p
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _reduction(case: Case, tensor: str) -> int | Terms:
    p = case.params
    kh, kw = pair(p["kernel_size"])
    shape = case.input_shapes[0]
    n = shape[0] if len(shape) == 4 else 1
    # torch's default weights are U(-b, b), b = 1/sqrt(fan_in): rms 1/sqrt(3 fan_in); times
    # unit-scale inputs or upstream gradients, that is one term's rms.
    fan_in = p["in_channels"] // p["groups"] * kh * kw
    term_rms = 1.0 / math.sqrt(3 * fan_in)
    if tensor == "output":
        return Terms(fan_in, term_rms)
    if tensor == "grad_input":
        return Terms(p["out_channels"] // p["groups"] * kh * kw, term_rms)
    pads, strides, dils = pair(p["padding"]), pair(p["stride"]), pair(p["dilation"])
    ho, wo = (_out_size(shape[-2 + i], (kh, kw)[i], strides[i], pads[i], dils[i])
              for i in (0, 1))
    # grad_weight / grad_bias sum over batch and output positions; terms are upstream
    # gradients (standard normal) times unit-scale inputs: rms 1.
    return Terms(n * ho * wo, 1.0)


SPEC = ParitySpec(
    name="Conv2d",
    torch_module=lambda c: torch.nn.Conv2d(**c.params),
    numpy_module=lambda c, dt: nl.Conv2d(**c.params, dtype=dt),
    cases=_cases(),
    reduction=_reduction,
    description="2-D convolution (NCHW, weight OIHW)",
    options={"kernel_size": "1, 3, 5, (3,5), (1,3), (3,2), (2,5), 4",
             "stride": "1, 2, 3", "padding": "0, 1, 2, (1,2), 'same', 'valid'",
             "dilation": "1, 2, (1,2), 3", "groups": "1, 2, 3, depthwise",
             "padding_mode": "zeros, reflect, replicate, circular",
             "bias": "True, False", "input": "batched, unbatched"},
)
