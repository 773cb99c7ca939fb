"""AdaptiveAvgPool1d and AdaptiveMaxPool1d against torch.nn, built with ``from_torch``:
output sizes that divide L, that do not (overlapping windows), larger than L (repeated
windows), 1 and a 1-tuple; batched and unbatched; max with and without
return_indices, and tie and NaN cases pinning torch's rule (first maximum; last NaN)."""
from __future__ import annotations

import torch

from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones
from parity_tests.specs.adaptive_avgpool2d import longest_window, most_covers

# (L, output_size)
_SIZES = [(8, 4), (7, 3), (9, 4), (10, 1), (5, 7), (3, 8), (6, (2,)), (13, 5),
          (256, 1), (300, 2)]


def _case(L, out, b=2, c=3, unbatched=False, kind="random", **params) -> Case:
    shape = (c, L) if unbatched else (b, c, L)
    o = "x".join(map(str, out)) if isinstance(out, tuple) else out
    cid = case_id(out=o, L=L, b=None if unbatched else b, unbatched=unbatched,
                  **{k: v for k, v in params.items() if v}, **({kind: True} if kind != "random" else {}))
    return Case(cid, dict(output_size=out, **params), (shape,), kind=kind)


def _lo(case: Case) -> tuple[int, int]:
    L, out = case.input_shapes[0][-1], case.params["output_size"]
    return L, out[0] if isinstance(out, tuple) else out


def _reduction(case: Case, tensor: str) -> int:
    L, lo = _lo(case)
    return longest_window(L, lo) if tensor == "output" else most_covers(L, lo)


_AVG = [_case(L, o, b=1 + i % 3) for i, (L, o) in enumerate(_SIZES)]
_AVG += [_case(7, 3, unbatched=True), _case(12, 5, b=4, c=8)]
_MAX = [_case(L, o, b=1 + i % 3, return_indices=i % 2 == 0) for i, (L, o) in enumerate(_SIZES)]
_MAX += [_case(7, 3, unbatched=True, return_indices=True), _case(5, 1, unbatched=True)]
_MAX += [_case(L, o, kind=kind, return_indices=True)
         for kind in ("ties", "nan") for L, o in ((6, 1), (8, 4), (7, 3), (3, 8), (9, 4))]

SPECS = [
    ParitySpec(
        name="AdaptiveAvgPool1d",
        torch_module=lambda c: torch.nn.AdaptiveAvgPool1d(**c.params),
        numpy_module="from_torch",
        error_inputs=[ErrorInput("adaptive_avg1d_4d_input", dict(output_size=2),
                                 ones(1, 2, 3, 4), "dimensions")],
        cases=_AVG,
        reduction=_reduction,
        description="1-D adaptive average pooling (the 2-D code on (N, C, 1, L))",
        options={"output_size": "1, divides, does not divide, larger than L, (k,)",
                 "input": "batched, unbatched"},
    ),
    ParitySpec(
        name="AdaptiveMaxPool1d",
        torch_module=lambda c: torch.nn.AdaptiveMaxPool1d(**c.params),
        numpy_module="from_torch",
        error_inputs=[ErrorInput("adaptive_max1d_two_sizes", dict(output_size=(2, 2)),
                                 ones(1, 2, 5), "one int")],
        cases=_MAX,
        reduction=lambda c, t: 1 if t != "grad_input" else _reduction(c, t),
        random_inputs="distinct",
        description="1-D adaptive max pooling (the 2-D code on (N, C, 1, L))",
        options={"output_size": "1, divides, does not divide, larger than L, (k,)",
                 "return_indices": "False, True", "inputs": "distinct, ties, NaN",
                 "input": "batched, unbatched"},
    ),
]
