"""PReLU: one weight and one per channel on dim 1 (redrawn per channel), init values, 0-D to
4-D input, gradient accumulation over two steps, zeros and NaN (NaN poisons its channel's
weight gradient, as in torch)."""
from __future__ import annotations

import math

import numpy as np
import torch

from numpy_layers.modules.activation import PReLU
from parity_tests.harness.spec import Case, ErrorInput, ones
from parity_tests.specs._activation_common import SHAPES, act_case, activation_spec, near


def _case(shape, n=1, init=None, **kw) -> Case:
    tag = f"n{n}" + (f"_init{init:g}" if init is not None else "")
    ctor = {"num_parameters": n} if init is None else {"num_parameters": n, "init": init}
    return act_case(shape, tag, **ctor, **kw)


_CASES = [_case(s) for s in SHAPES]
_CASES += [_case((2, 3, 5, 5), 3), _case((10, 5), 5), _case((3, 4, 5), 4),
           _case((4, 16, 9, 7), 16), _case((4, 16, 9, 7), 16, steps=2),
           _case((2, 3, 5, 5), 1, init=-0.1), _case((10, 5), 1, init=1.5), _case((7,), 1, init=0.0),
           _case((2, 3, 5, 5), 3, scale=1e3), _case((10, 5), 1, scale=1e3),
           _case((2, 4, 4, 4), 4, kind="ties"), _case((2, 4, 4, 4), 4, kind="nan"),
           _case((64,), 1, kind="nan"), _case((8, 8), 1, kind="ties", steps=2)]


def _init(m: torch.nn.PReLU, rng: np.random.Generator) -> None:
    """Per-channel weights get distinct values (slopes of either sign); one weight keeps init."""
    if m.weight.numel() > 1:
        m.weight.copy_(torch.from_numpy(rng.uniform(-0.5, 1.0, m.weight.shape).astype(np.float32)))


def _reduction(case: Case, tensor: str) -> int:
    n = case.params.get("num_parameters", 1)
    total = math.prod(case.input_shapes[0])
    return max(total // max(n, 1), 1) * case.steps if tensor.startswith("grad_weight") else 1


SPEC = activation_spec(
    "PReLU", torch.nn.PReLU, PReLU, _CASES, kink=near(0.0), reduction=_reduction, init=_init,
    error_inputs=[ErrorInput("prelu_channels", dict(num_parameters=3), ones(2, 4, 5), "channel")],
    description="x if x > 0 else weight[c] * x, weight per channel on dim 1 or a single one",
    options={"num_parameters": "1, 3, 4, 5, 16 (channels, redrawn per channel)",
             "init": "0.25, -0.1, 1.5, 0", "steps": "1, 2 (accumulated weight gradient)",
             "input": "0-D to 4-D; scale 1, 1e3; zeros and NaN"},
)
