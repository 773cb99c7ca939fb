"""Fire (SqueezeNet) against torchvision's (twin): several squeeze/expand widths and sizes."""
from __future__ import annotations

from numpy_layers.blocks.fire import Fire
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import product_bound
from parity_tests.twins import blocks as twin


def _case(inp, sq, e1, e3, b=2, h=8, w=8) -> Case:
    return Case(case_id(c=inp, sq=sq, e=f"{e1}x{e3}", b=b, x=(h, w)),
                dict(inplanes=inp, squeeze_planes=sq, expand1x1_planes=e1,
                     expand3x3_planes=e3), ((b, inp, h, w),))


_CASES = [_case(8, 2, 4, 4), _case(6, 3, 2, 5, b=3, h=7, w=9), _case(16, 4, 8, 8, b=1),
          _case(3, 1, 1, 1, h=5, w=5), _case(12, 6, 3, 9, b=4, h=4, w=6)]

SPEC = ParitySpec(
    name="Fire",
    torch_module=lambda c: twin.Fire(**c.params),
    numpy_module=lambda c, dt: Fire(**c.params, dtype=dt),
    cases=_CASES,
    reduction=product_bound(lambda c: max(c.params["inplanes"], c.params["expand1x1_planes"]
                                          + c.params["expand3x3_planes"]), 3, 2),
    description="squeeze 1x1-relu, expand 1x1-relu || expand 3x3-relu, concat",
    options={"widths": "squeeze 1..6, expand 1..9 (1x1 and 3x3 unequal)",
             "spatial": "square and non-square"},
)
