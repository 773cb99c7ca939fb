"""VGGBlock against a torch twin laid out as torchvision's make_layers stage: 1-3 convs,
with and without BatchNorm (train/eval, BN buffers after two steps), odd input sizes."""
from __future__ import annotations

from numpy_layers.blocks.vgg_block import VGGBlock
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import product_bound, redraw_batchnorm
from parity_tests.twins import blocks as twin


def _case(cin, cout, n, bn=False, b=2, hw=8, steps=1) -> Case:
    return Case(case_id(c=f"{cin}to{cout}", n=n, bn=bn, b=b, hw=hw, steps=steps),
                dict(in_channels=cin, out_channels=cout, num_convs=n, batch_norm=bn),
                ((b, cin, hw, hw),), steps=steps)


_CASES = [_case(3, 4, 1), _case(3, 4, 2, bn=True, steps=2), _case(4, 8, 3, hw=9),
          _case(2, 6, 2, bn=True, b=3, hw=7), _case(8, 8, 1, bn=True, b=1, hw=6, steps=2),
          _case(5, 4, 2, b=4, hw=4)]

SPEC = ParitySpec(
    name="VGGBlock",
    torch_module=lambda c: twin.vgg_block(**c.params),
    numpy_module=lambda c, dt: VGGBlock(**c.params, dtype=dt),
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_batchnorm,
    reduction=product_bound(lambda c: c.params["out_channels"], 3, 3),
    input_scale=2.0,
    description="VGG stage: num_convs x (conv3x3 [bn] relu), maxpool 2x2",
    options={"num_convs": "1, 2, 3", "batch_norm": "False, True", "input": "even, odd H/W",
             "steps": "1, 2", "mode": "train, eval"},
)
