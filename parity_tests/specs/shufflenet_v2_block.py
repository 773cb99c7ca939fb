"""ShuffleNetV2Block against torchvision's shufflenetv2.InvertedResidual (twin): stride 1
(split, one branch) and 2 (two branches), train/eval, BN buffers after two steps."""
from __future__ import annotations

from numpy_layers.blocks.channel_shuffle_unit import ShuffleNetV2Block
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import product_bound, redraw_batchnorm
from parity_tests.twins import blocks as twin


def _case(inp, oup, s, b=2, hw=8, steps=1) -> Case:
    return Case(case_id(c=f"{inp}to{oup}", s=s, b=b, hw=hw, steps=steps),
                dict(inp=inp, oup=oup, stride=s), ((b, inp, hw, hw),), steps=steps)


_CASES = [_case(8, 8, 1), _case(8, 8, 1, steps=2), _case(4, 8, 2, hw=9),
          _case(6, 12, 2, b=3, hw=6, steps=2), _case(16, 16, 1, b=1, hw=5), _case(8, 16, 3)]

SPEC = ParitySpec(
    name="ShuffleNetV2Block",
    torch_module=lambda c: twin.ShuffleNetV2Block(**c.params),
    numpy_module=lambda c, dt: ShuffleNetV2Block(**c.params, dtype=dt),
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_batchnorm,
    reduction=product_bound(lambda c: c.params["oup"], 3, 3),
    description="ShuffleNet V2 unit: split/branches, concat, channel shuffle (2 groups)",
    options={"stride": "1 (split), 2, 3 (two branches)", "steps": "1, 2",
             "mode": "train, eval"},
)
