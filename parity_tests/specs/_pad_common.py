"""Shared case list for the 2-D padding layers (each layer has its own spec file)."""
from __future__ import annotations

from typing import Any, Callable

import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id

PADDINGS = [1, 2, (1, 2, 0, 3), (0, 0, 2, 1), (3, 0, 0, 0), 0]
SHAPES = [(2, 3, 5, 6), (1, 1, 4, 4), (3, 7, 6)]


def pad_spec(name: str, extra: dict[str, Any] | None = None,
             valid: Callable[[Any, tuple[int, ...]], bool] = lambda p, s: True) -> ParitySpec:
    extra = extra or {}
    cases = []
    for i, pad in enumerate(PADDINGS):
        for shape in SHAPES[: 2 if i % 2 else 3]:
            if valid(pad, shape):
                cases.append(Case(case_id(p=pad, x=shape, **{k: v for k, v in extra.items()}),
                                  dict(padding=pad, **extra), (shape,)))
    return ParitySpec(
        name=name,
        torch_module=lambda c: getattr(torch.nn, name)(**c.params),
        numpy_module=lambda c, dt: getattr(nl, name)(**c.params),
        cases=cases,
        description=f"{name}: padding of the last two dims",
        options={"padding": "int, asymmetric 4-tuples (incl. zero sides)",
                 "input": "batched, unbatched", **{k: str(v) for k, v in extra.items()}},
    )


def smaller_than_input(pad: Any, shape: tuple[int, ...]) -> bool:
    """Reflection padding must be smaller than the padded dimension (torch)."""
    l, r, t, b = (pad,) * 4 if isinstance(pad, int) else pad
    return max(l, r) < shape[-1] and max(t, b) < shape[-2]
