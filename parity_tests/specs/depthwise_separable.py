"""DepthwiseSeparableConv (MobileNet v1 unit) against the common torch conv_dw: stride 1/2,
channel changes, odd sizes, train/eval, BN buffers after two steps."""
from __future__ import annotations

from numpy_layers.blocks.depthwise_separable import DepthwiseSeparableConv
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import product_bound, redraw_batchnorm
from parity_tests.twins import blocks as twin


def _case(cin, cout, s=1, b=2, hw=8, steps=1) -> Case:
    return Case(case_id(c=f"{cin}to{cout}", s=s, b=b, hw=hw, steps=steps),
                dict(in_channels=cin, out_channels=cout, stride=s), ((b, cin, hw, hw),),
                steps=steps)


_CASES = [_case(4, 8), _case(4, 8, steps=2), _case(8, 8, s=2, hw=9), _case(3, 16, b=3, hw=7),
          _case(16, 4, s=2, b=1, hw=6, steps=2), _case(1, 2, b=4, hw=5)]

SPEC = ParitySpec(
    name="DepthwiseSeparableConv",
    torch_module=lambda c: twin.conv_dw(*c.params.values()),
    numpy_module=lambda c, dt: DepthwiseSeparableConv(**c.params, dtype=dt),
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_batchnorm,
    reduction=product_bound(lambda c: c.params["in_channels"], 3, 2),
    description="MobileNet v1: dw conv3x3-bn-relu, pw conv1x1-bn-relu",
    options={"stride": "1, 2", "channels": "equal, wider, narrower", "steps": "1, 2",
             "mode": "train, eval"},
)
