"""GhostModule against GhostNet's reference code (twin): ratio 2/3, odd oup (cut channels),
kernel 1/3, dw_size 3/5, stride 1/2, relu on/off, train/eval, BN buffers after two steps."""
from __future__ import annotations

from numpy_layers.blocks.ghost import GhostModule
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import product_bound, redraw_batchnorm
from parity_tests.twins import blocks as twin


def _case(inp, oup, k=1, r=2, dw=3, s=1, relu=True, b=2, hw=8, steps=1) -> Case:
    return Case(case_id(c=f"{inp}to{oup}", k=k, r=r, dw=dw, s=s, norelu=not relu, b=b, hw=hw,
                        steps=steps),
                dict(inp=inp, oup=oup, kernel_size=k, ratio=r, dw_size=dw, stride=s, relu=relu),
                ((b, inp, hw, hw),), steps=steps)


_CASES = [_case(4, 8), _case(4, 8, steps=2), _case(6, 7, r=3), _case(3, 9, k=3, s=2, hw=9),
          _case(8, 5, dw=5, relu=False, b=3), _case(5, 16, r=4, k=3, relu=False, b=1, hw=6,
                                                    steps=2),
          _case(8, 3, r=2, b=4, hw=5)]

SPEC = ParitySpec(
    name="GhostModule",
    torch_module=lambda c: twin.GhostModule(**c.params),
    numpy_module=lambda c, dt: GhostModule(**c.params, dtype=dt),
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_batchnorm,
    reduction=product_bound(lambda c: c.params["inp"], 5, 2),
    description="primary conv-bn-relu, cheap depthwise conv-bn-relu, concat, cut to oup",
    options={"ratio": "2, 3, 4", "oup": "even, odd (channels cut)", "kernel_size": "1, 3",
             "dw_size": "3, 5", "stride": "1, 2", "relu": "True, False", "steps": "1, 2",
             "mode": "train, eval"},
)
