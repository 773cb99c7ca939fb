"""AdaptiveMaxPool2d: the AdaptiveAvgPool2d size matrix with and without return_indices;
tie and NaN cases pin torch's rule (first maximum in row-major window order; among NaN,
the last), also where overlapping windows share their winner."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, unique
from parity_tests.specs import adaptive_avgpool2d
from parity_tests.specs.adaptive_avgpool2d import SIZES, input_hw, make_case, most_covers, resolved


def _cases():
    out = [make_case(o, hw, b=[1, 2, 3][i % 3], return_indices=i % 2 == 0)
           for i, (hw, o) in enumerate(SIZES)]
    out += [make_case(3, (7, 9), unbatched=True, return_indices=True),
            make_case(1, (5, 5), unbatched=True), make_case(1, (16, 16), b=4, c=8, return_indices=True)]
    for kind in ("ties", "nan"):          # with and without indices (see MaxPool2d)
        out += [make_case(o, hw, kind=kind, return_indices=True)
                for hw, o in (((6, 6), 1), ((8, 8), 4), ((7, 7), 3), ((9, 7), (4, 5)),
                              ((3, 4), (8, 9)), ((5, 6), (7, None)))]
        out += [make_case(o, hw, kind=kind) for hw, o in (((8, 8), 4), ((7, 7), 3), ((6, 6), 1))]
    return unique(out)


def _reduction(case, tensor: str) -> int:
    if tensor != "grad_input":
        return 1
    (H, W), (Ho, Wo) = input_hw(case), resolved(input_hw(case), case.params["output_size"])
    return most_covers(H, Ho) * most_covers(W, Wo)


@st.composite
def fuzz_cases(draw) -> Case:
    """The AdaptiveAvgPool2d strategy, with return_indices, ties and NaN."""
    case = draw(adaptive_avgpool2d.fuzz_cases())
    kind = draw(st.sampled_from(["random", "ties", "nan"]))
    params = dict(case.params, return_indices=draw(st.booleans()))
    return Case(f"{case.id}_{kind}", params, case.input_shapes, kind=kind)


SPEC = ParitySpec(
    name="AdaptiveMaxPool2d",
    torch_module=lambda c: torch.nn.AdaptiveMaxPool2d(**c.params),
    numpy_module=lambda c, dt: nl.AdaptiveMaxPool2d(**c.params),
    fuzz=fuzz_cases,
    cases=_cases(),
    reduction=_reduction,
    random_inputs="distinct",
    description="2-D adaptive max pooling",
    options={"output_size": "1, (1,1), divides, does not divide, larger than input, None entries",
             "return_indices": "False, True", "inputs": "distinct, ties, NaN",
             "input": "batched, unbatched"},
)
