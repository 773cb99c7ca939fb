"""LayerNorm: 1-D and multi-dim normalized_shape, elementwise_affine/bias off, eps."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from numpy_layers.modules.layer_norm import LayerNorm
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones
from parity_tests.specs._fuzz import ints


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


@st.composite
def fuzz_cases(draw) -> Case:
    """LayerNorm over the last 1-3 dimensions, with and without affine/bias."""
    shape = tuple(draw(st.lists(ints(1, 5), min_size=2, max_size=4)))
    nd = draw(ints(1, len(shape) - 1))
    affine = draw(st.booleans())
    params = dict(normalized_shape=shape[-nd:], eps=draw(st.sampled_from([1e-5, 1e-3])),
                  elementwise_affine=affine, bias=affine and draw(st.booleans()))
    if shape[-nd:] == (1,) * nd:      # a single element normalises to 0: gradients all 0
        shape = shape[:-1] + (2,)
        params["normalized_shape"] = shape[-nd:]
    return Case(case_id(fuzz=True, x=shape, ns=params["normalized_shape"],
                        affine=affine, bias=params["bias"]), params, (shape,))


SPEC = ParitySpec(
    name="LayerNorm",
    torch_module=lambda c: torch.nn.LayerNorm(**c.params),
    numpy_module=lambda c, dt: LayerNorm(**c.params, dtype=dt),
    error_inputs=[ErrorInput("layernorm_shape", dict(normalized_shape=(4, 5)), ones(2, 5, 4),
                             "shape")],
    fuzz=fuzz_cases,
    cases=_CASES,
    init=_init,
    reduction=_reduction,
    description="layer normalisation over the trailing normalized_shape axes",
    options={"normalized_shape": "(1,), (3,), (10,), (12,), (16,), (32,), (512,), (3, 3), "
                                 "(5, 6), (7, 9), (8, 8), (3, 4, 5)",
             "elementwise_affine": "True, False", "bias": "True, False",
             "eps": "1e-6, 1e-5, 1e-3, 1e-1", "input": "unbatched, 2-D .. 4-D"},
)
