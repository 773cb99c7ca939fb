"""MobileNetV2's InvertedResidual against its torch twin: with and without the residual
connection, expand_ratio 1 (no expansion conv) and 4/6, stride 1 and 2; train and eval,
BN buffers after two steps."""
from __future__ import annotations

from numpy_layers.blocks.inverted_residual import InvertedResidual
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.twins import mobilenet as twin
from parity_tests.twins.resnet import redraw_batchnorm


def _case(inp: int, oup: int, stride: int, t: float, b: int = 2, hw: int = 8,
          steps: int = 1) -> Case:
    res = stride == 1 and inp == oup
    return Case(case_id(c=f"{inp}to{oup}", s=stride, t=t, res=res, b=b, hw=hw, steps=steps),
                dict(inp=inp, oup=oup, stride=stride, expand_ratio=t), ((b, inp, hw, hw),),
                steps=steps)


_CASES = [_case(8, 8, 1, 6), _case(8, 8, 1, 6, steps=2), _case(8, 16, 2, 6, hw=9),
          _case(16, 16, 1, 1, b=3), _case(8, 12, 1, 4, steps=2), _case(6, 6, 2, 1, hw=7),
          _case(4, 4, 1, 2.5, b=4, hw=5)]


def _reduction(case: Case, tensor: str) -> int:
    """Widest sum (hidden channels of the 1x1 projection, or N*H*W of a BN) x 3 convs."""
    n, c, h, w = case.input_shapes[0]
    hidden = round(c * case.params["expand_ratio"])
    return max(hidden, 9, n * h * w) * 3


SPEC = ParitySpec(
    name="InvertedResidual",
    torch_module=lambda c: twin.InvertedResidual(**c.params),
    numpy_module=lambda c, dt: InvertedResidual(**c.params, dtype=dt),
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_batchnorm,
    reduction=_reduction,
    description="MobileNetV2 block: 1x1 expand-ReLU6, depthwise 3x3-ReLU6, 1x1 project (+ x)",
    options={"stride": "1, 2", "expand_ratio": "1, 2.5, 4, 6",
             "use_res_connect": "True, False", "steps": "1, 2", "mode": "train, eval"},
)
