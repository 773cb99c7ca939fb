"""MBConv (EfficientNet-B0 block) against torchvision's structure (twin): expand ratios 1/4/6,
kernel 3/5, stride 1/2, residual on and off, train/eval, BN buffers after two steps."""
from __future__ import annotations

from numpy_layers.blocks.mbconv import MBConv
from numpy_layers.blocks.widths import make_divisible
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import product_bound, redraw_batchnorm
from parity_tests.twins.efficientnet import mbconv_block


def _case(cin, cout, k=3, s=1, e=6, b=2, hw=8, steps=1) -> Case:
    return Case(case_id(c=f"{cin}to{cout}", k=k, s=s, e=e, b=b, hw=hw, steps=steps),
                dict(input_channels=cin, out_channels=cout, kernel=k, stride=s, expand_ratio=e),
                ((b, cin, hw, hw),), steps=steps)


_CASES = [_case(8, 8, e=1), _case(8, 8, steps=2), _case(4, 8, k=5, s=2, hw=9),
          _case(16, 16, k=5, e=4, b=3, hw=6), _case(8, 16, s=2, b=1, hw=7, steps=2),
          _case(4, 4, e=6, b=4, hw=5)]


def _width(c: Case) -> int:
    return make_divisible(c.params["input_channels"] * c.params["expand_ratio"], 8)


SPEC = ParitySpec(
    name="MBConv",
    torch_module=lambda c: mbconv_block(**c.params),
    numpy_module=lambda c, dt: MBConv(**c.params, dtype=dt),
    cases=_CASES,
    train_eval_differ=True,
    init=redraw_batchnorm,
    reduction=product_bound(_width, 5, 4),
    description="expand 1x1 (SiLU), depthwise kxk (SiLU), SE (SiLU), project 1x1, residual",
    options={"expand_ratio": "1 (no expand layer), 4, 6", "kernel": "3, 5", "stride": "1, 2",
             "residual": "on (stride 1, in == out), off", "steps": "1, 2",
             "mode": "train, eval"},
)
