"""SqueezeExcitation against torchvision.ops' (twin): ReLU/Sigmoid and SiLU/Hardsigmoid
activations, squeeze 1..C, spatial 1x1 to 9x7."""
from __future__ import annotations

import torch

import numpy_layers as nl
from numpy_layers.blocks.squeeze_excitation import SqueezeExcitation
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.twins import blocks as twin

_ACTS = {"relu": ("ReLU", "Sigmoid"), "silu": ("SiLU", "Sigmoid"),
         "hs": ("ReLU", "Hardsigmoid")}


def _case(c, sq, act="relu", b=2, h=6, w=6) -> Case:
    return Case(case_id(c=c, sq=sq, act=act, b=b, x=(h, w)),
                dict(input_channels=c, squeeze_channels=sq, act=act), ((b, c, h, w),))


_CASES = [_case(8, 2), _case(8, 4, "silu"), _case(6, 3, "hs", b=3, h=9, w=7),
          _case(4, 4, b=1, h=1, w=1), _case(16, 4, "silu", b=4, h=5, w=3),
          _case(3, 1, "silu", b=2, h=2, w=8)]


def _build(c: Case, ns) -> tuple:
    a, s = _ACTS[c.params["act"]]
    return (c.params["input_channels"], c.params["squeeze_channels"], getattr(ns, a),
            getattr(ns, s))


def _init(m, rng) -> None:
    """fc1's bias positive and its weight O(1), so the ReLU after it is alive and the
    pooled path carries a real share of the input gradient."""
    m.fc1.weight.copy_(torch.from_numpy(rng.normal(0, 1.0, tuple(m.fc1.weight.shape))))
    m.fc1.bias.copy_(torch.from_numpy(rng.uniform(0.2, 0.8, tuple(m.fc1.bias.shape))))


SPEC = ParitySpec(
    name="SqueezeExcitation",
    torch_module=lambda c: twin.SqueezeExcitation(*_build(c, torch.nn)),
    numpy_module=lambda c, dt: SqueezeExcitation(*_build(c, nl), dtype=dt),
    cases=_CASES,
    init=_init,
    reduction=lambda c, t: max(c.input_shapes[0][2] * c.input_shapes[0][3],
                               c.input_shapes[0][0], c.params["input_channels"]) * 2,
    description="x * scale_act(fc2(act(fc1(avgpool(x))))), fc as 1x1 convs",
    options={"activation": "ReLU, SiLU", "scale_activation": "Sigmoid, Hardsigmoid",
             "squeeze_channels": "1 .. C", "spatial": "1x1 .. 9x7"},
)
