"""LayerNorm: 1-D and multi-dim normalized_shape, elementwise_affine/bias off, eps."""
from __future__ import annotations

import math

import torch

from numpy_layers.modules.layer_norm import LayerNorm
from parity_tests.harness.spec import Case, ParitySpec, case_id


def _case(shape, ns, affine=True, bias=True, eps=1e-5) -> Case:
    cid = case_id(x=shape, ns=ns, noaffine=not affine, nobias=affine and not bias,
                  eps=eps if eps != 1e-5 else None)
    params = dict(normalized_shape=ns, eps=eps, elementwise_affine=affine, bias=bias)
    return Case(cid, params, (shape,))


_CASES = [
    _case((4, 10), (10,)), _case((2, 5, 16), (16,)), _case((3, 4, 5, 6), (5, 6)),
    _case((2, 3, 4, 5), (3, 4, 5)), _case((8, 32), (32,), affine=False),
    _case((2, 7, 9), (7, 9), bias=False), _case((4, 6, 12), (12,), eps=1e-3),
    _case((5, 3), (3,), eps=1e-1), _case((12,), (12,)), _case((2, 3, 8, 8), (8, 8), affine=False),
    _case((3, 1), (1,)), _case((4, 512), (512,)), _case((2, 4, 3, 3), (3, 3), bias=False, eps=1e-6),
]


def _init(m: torch.nn.LayerNorm, rng) -> None:
    if m.weight is not None:
        m.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, tuple(m.weight.shape))))
    if m.bias is not None:
        m.bias.copy_(torch.from_numpy(rng.normal(0, 0.5, tuple(m.bias.shape))))


def _reduction(case: Case, tensor: str) -> int:
    shape, ns = case.input_shapes[0], case.params["normalized_shape"]
    k = math.prod(ns)
    rows = math.prod(shape[:len(shape) - len(ns)])
    return rows if tensor.startswith(("grad_weight", "grad_bias")) else k


SPEC = ParitySpec(
    name="LayerNorm",
    torch_module=lambda c: torch.nn.LayerNorm(**c.params),
    numpy_module=lambda c, dt: LayerNorm(**c.params, dtype=dt),
    cases=_CASES,
    init=_init,
    reduction=_reduction,
    description="layer normalisation over the trailing normalized_shape axes",
    options={"normalized_shape": "(1,), (3,), (10,), (12,), (16,), (32,), (512,), (3, 3), "
                                 "(5, 6), (7, 9), (8, 8), (3, 4, 5)",
             "elementwise_affine": "True, False", "bias": "True, False",
             "eps": "1e-6, 1e-5, 1e-3, 1e-1", "input": "unbatched, 2-D .. 4-D"},
)
