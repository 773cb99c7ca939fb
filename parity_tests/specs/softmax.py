"""Softmax: dim None (torch's legacy choice for 1-, 2-, 3- and 4-D), positive and negative
dims on 0-D to 4-D input, scale 30 and 1e3 (max subtracted), ties, NaN rows."""
from __future__ import annotations

import torch

from numpy_layers.functional.softmax import softmax_dim
from numpy_layers.modules.softmax import Softmax
from parity_tests.harness.spec import Case, ErrorInput, ones
from parity_tests.specs._activation_common import act_case, activation_spec

DIM_CASES = [  # (dim, shape)
    (None, (7,)), (None, (10, 5)), (None, (3, 4, 5)), (None, (2, 3, 5, 5)),
    (0, (7,)), (-1, (7,)), (0, ()), (-1, ()),
    (0, (10, 5)), (1, (10, 5)), (-1, (10, 5)), (-2, (10, 5)),
    (0, (3, 4, 5)), (2, (3, 4, 5)), (-2, (3, 4, 5)),
    (1, (2, 3, 5, 5)), (3, (2, 3, 5, 5)), (-1, (2, 3, 5, 5)), (-3, (4, 16, 9, 7)),
    (1, (4, 16, 9, 7)), (-1, (32, 100)),
]
LARGE = [(1, (16, 10), 30.0), (1, (16, 10), 1e3), (-1, (2, 3, 5, 5), 1e3), (0, (7,), 1e3),
         (1, (2, 3, 5, 5), 1e4), (-1, (32, 100), 30.0)]
SPECIAL = [(1, (8, 16), "ties"), (-1, (2, 4, 4, 4), "ties"), (1, (8, 16), "nan"),
           (0, (64,), "nan"), (-1, (2, 4, 4, 4), "nan")]


def _tag(dim) -> str:
    return "dimNone" if dim is None else f"dim{dim}"


def cases() -> list[Case]:
    out = [act_case(s, _tag(d), dim=d) for d, s in DIM_CASES]
    out += [act_case(s, _tag(d), scale=sc, dim=d) for d, s, sc in LARGE]
    out += [act_case(s, _tag(d), kind=k, dim=d) for d, s, k in SPECIAL]
    return out


def reduction(case: Case, tensor: str) -> int:
    """Terms in the sum behind one element: the length of the softmax dim."""
    shape = case.input_shapes[0]
    if not shape:
        return 1
    return shape[softmax_dim(len(shape), case.params.get("dim"))]


OPTIONS = {"dim": "None (legacy rule on 1-D to 4-D), 0, 1, 2, 3, -1, -2, -3",
           "input": "0-D to 4-D; scale 1, 30, 1e3, 1e4; ties and NaN rows"}

SPEC = activation_spec(
    "Softmax", torch.nn.Softmax, Softmax, cases(), reduction=reduction,
    error_inputs=[ErrorInput("softmax_dim", dict(dim=3), ones(2, 3), "dim")],
    description="exp(x) / sum(exp(x)) along dim", options=OPTIONS,
)
