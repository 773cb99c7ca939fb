"""AdaptiveAvgPool2d: output sizes that divide the input, that do not (overlapping
windows), larger than the input (repeated windows), None entries, (1, 1); batched and
unbatched. The window helpers here are shared with the AdaptiveMaxPool2d spec."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id, unique
from parity_tests.specs._fuzz import ints

# (input H, W, output_size): covers every window regime on both axes.
SIZES = [
    ((7, 7), 1), ((8, 6), (1, 1)), ((8, 8), 4), ((8, 12), (2, 3)), ((7, 7), 3),
    ((9, 7), (4, 5)), ((10, 7), (3, None)), ((6, 9), (None, 4)), ((5, 6), (7, 6)),
    ((3, 4), (8, 9)), ((7, 10), (12, 4)), ((13, 11), (5, 6)), ((4, 4), (None, None)),
]


def resolved(hw, out) -> tuple[int, int]:
    """(Ho, Wo) of ``out`` for an (H, W) input: None keeps the input size."""
    pair = out if isinstance(out, tuple) else (out, out)
    return tuple(n if o is None else o for n, o in zip(hw, pair))


def windows(n: int, out: int) -> list[tuple[int, int]]:
    """torch's windows, written from its documented rule: [floor(i*n/out), ceil((i+1)*n/out))."""
    return [(math.floor(i * n / out), math.ceil((i + 1) * n / out)) for i in range(out)]


def longest_window(n: int, out: int) -> int:
    return max(e - s for s, e in windows(n, out))


def most_covers(n: int, out: int) -> int:
    """Most windows that share one input position (terms summed into one grad element)."""
    return max(sum(s <= i < e for s, e in windows(n, out)) for i in range(n))


def make_case(out, hw, b=2, c=3, unbatched=False, kind="random", **params) -> Case:
    shape = (c, *hw) if unbatched else (b, c, *hw)
    oid = "x".join("N" if o is None else str(o) for o in (out if isinstance(out, tuple) else (out,)))
    cid = case_id(out=oid, b=None if unbatched else b, hw=hw, unbatched=unbatched,
                  **{k: v for k, v in params.items() if v}, **({kind: True} if kind != "random" else {}))
    return Case(cid, dict(output_size=out, **params), (shape,), kind=kind)


def input_hw(case: Case) -> tuple[int, int]:
    return case.input_shapes[0][-2:]


def _cases() -> list[Case]:
    out = [make_case(o, hw, b=[1, 2, 3][i % 3]) for i, (hw, o) in enumerate(SIZES)]
    out += [make_case(3, (7, 9), unbatched=True), make_case(1, (5, 5), unbatched=True),
            make_case((2, 5), (8, 5), c=1, b=1), make_case(1, (16, 16), b=4, c=8)]
    return unique(out)


def _reduction(case: Case, tensor: str) -> int:
    (H, W), (Ho, Wo) = input_hw(case), resolved(input_hw(case), case.params["output_size"])
    if tensor == "output":
        return longest_window(H, Ho) * longest_window(W, Wo)
    return most_covers(H, Ho) * most_covers(W, Wo)


@st.composite
def fuzz_cases(draw) -> Case:
    """Adaptive pooling: any output size up to twice the input, ``None`` entries."""
    h, w = draw(ints(1, 9)), draw(ints(1, 9))
    out = tuple(draw(st.one_of(st.none(), ints(1, 2 * n))) for n in (h, w))
    batch = draw(st.sampled_from([None, 1, 2]))
    shape = (2, h, w) if batch is None else (batch, 2, h, w)
    return Case(case_id(fuzz=True, x=shape, out=tuple(str(o) for o in out)),
                dict(output_size=out), (shape,))


SPEC = ParitySpec(
    name="AdaptiveAvgPool2d",
    torch_module=lambda c: torch.nn.AdaptiveAvgPool2d(**c.params),
    numpy_module=lambda c, dt: nl.AdaptiveAvgPool2d(**c.params),
    fuzz=fuzz_cases,
    cases=_cases(),
    reduction=_reduction,
    description="2-D adaptive average pooling",
    options={"output_size": "1, (1,1), divides, does not divide, larger than input, None entries",
             "input": "batched, unbatched"},
)
