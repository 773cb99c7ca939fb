"""Conv1d: kernels, strides, paddings (int, 1-tuple, 'same', 'valid'), dilation, groups
(incl. depthwise), the four padding modes, bias, batch sizes, unbatched input. Half the cases
build the NumPy twin with its constructor, half with ``from_torch`` (1-tuple attributes)."""
from __future__ import annotations

import itertools
import zlib

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id, unique

_CHANNELS = [(1, 1), (3, 8), (8, 16), (16, 4)]
_LENGTHS = [9, 16, 13, 7]


def _one(v):
    return v[0] if isinstance(v, tuple) else v


def _case(k, s=1, p=0, b=2, cin=3, cout=4, length=9, bias=True, d=1, g=1, mode="zeros",
          unbatched=False) -> Case:
    shape = (cin, length) if unbatched else (b, cin, length)
    cid = case_id(k=k, s=s, p=p, d=d if d != 1 else None, g=g if g != 1 else None,
                  b=None if unbatched else b, c=f"{cin}to{cout}", L=length, nobias=not bias,
                  pm=mode if mode != "zeros" else None, unbatched=unbatched)
    params = dict(in_channels=cin, out_channels=cout, kernel_size=k, stride=s, padding=p,
                  dilation=d, groups=g, bias=bias, padding_mode=mode)
    return Case(cid, params, (shape,))


def _cases() -> list[Case]:
    out = []
    # The core matrix: every kernel x stride x padding, other axes cycled across it.
    for i, (k, s, p) in enumerate(itertools.product([1, 2, 3, 5, (4,)], [1, 2, 3],
                                                    [0, 1, 2, (3,)])):
        cin, cout = _CHANNELS[i % 4]
        length = _LENGTHS[i % 4]
        if length + 2 * _one(p) >= _one(k):
            out.append(_case(k, s, p, b=[1, 2, 4][i % 3], cin=cin, cout=cout, length=length,
                             bias=i % 2 == 0))
    out += [
        _case(3, 1, 2, d=2), _case(3, 2, 1, d=3, length=12), _case(2, 1, 0, d=(4,), length=8),
        _case(3, 1, 1, cin=4, cout=6, g=2), _case(3, 2, 1, cin=6, cout=6, g=6, b=3),
        _case(3, 1, 1, cin=3, cout=6, g=3), _case(5, 1, 2, cin=8, cout=8, g=8, bias=False),
        _case(3, 1, 0, cin=4, cout=8, g=4, length=20),
        _case(3, 1, "same"), _case(4, 1, "same", length=10), _case(5, 1, "same", d=2),
        _case(3, 2, "valid"), _case(3, 1, "valid", g=3, cin=3, cout=3),
        _case(3, 1, 1, mode="reflect"), _case(5, 2, 2, mode="reflect", cin=4, cout=4, g=2),
        _case(3, 2, 2, mode="replicate"), _case(4, 1, 3, mode="replicate", d=2, bias=False),
        _case(5, 1, 2, mode="circular", bias=False), _case(3, 3, 3, mode="circular", length=5),
        _case(3, 1, "same", mode="reflect"), _case(4, 1, "same", mode="circular", d=2),
        _case(3, 1, "same", mode="replicate", cin=4, cout=4, g=4),
        _case(3, 1, 1, unbatched=True), _case(3, 2, "valid", unbatched=True, g=3, cin=3, cout=6),
        _case(3, 2, 1, cin=1, cout=1, b=1, length=5),
        _case(7, 1, 3, cin=16, cout=32, b=4, length=64),
    ]
    return unique(out)


def _numpy_module(case: Case, dtype) -> nl.Conv1d:
    if zlib.crc32(case.id.encode()) % 2:
        t = torch.nn.Conv1d(**case.params).to(torch.float32 if dtype == "float32"
                                                else torch.float64)
        return nl.from_torch(t)
    return nl.Conv1d(**case.params, dtype=dtype)


def _reduction(case: Case, tensor: str) -> int:
    p, shape = case.params, case.input_shapes[0]
    k = _one(p["kernel_size"])
    n = shape[0] if len(shape) == 3 else 1
    if tensor == "output":
        return p["in_channels"] // p["groups"] * k
    if tensor == "grad_input":
        return p["out_channels"] // p["groups"] * k
    return n * shape[-1]   # grad_weight / grad_bias sum over batch and positions (<= L)


SPEC = ParitySpec(
    name="Conv1d",
    torch_module=lambda c: torch.nn.Conv1d(**c.params),
    numpy_module=_numpy_module,
    cases=_cases(),
    reduction=_reduction,
    description="1-D convolution (NCL, weight (O, C/groups, k)), a view of the 2-D one",
    options={"kernel_size": "1, 2, 3, 4, 5, 7, (4,)", "stride": "1, 2, 3",
             "padding": "0, 1, 2, 3, (3,), 'same', 'valid'", "dilation": "1, 2, 3, (4,)",
             "groups": "1, 2, 3, 4, depthwise",
             "padding_mode": "zeros, reflect, replicate, circular",
             "bias": "True, False", "input": "batched, unbatched",
             "construction": "constructor, from_torch"},
)
