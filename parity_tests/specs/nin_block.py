"""NiNBlock (mlpconv) against d2l's nin_block: kernel 11/5/3/1, strides, padding."""
from __future__ import annotations

from numpy_layers.blocks.nin_block import NiNBlock
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import product_bound
from parity_tests.twins import blocks as twin


def _case(cin, cout, k, s, p, b=2, hw=12) -> Case:
    return Case(case_id(c=f"{cin}to{cout}", k=k, s=s, p=p, b=b, hw=hw),
                dict(in_channels=cin, out_channels=cout, kernel_size=k, stride=s, padding=p),
                ((b, cin, hw, hw),))


_CASES = [_case(1, 6, 11, 4, 0, hw=27), _case(4, 8, 5, 1, 2), _case(3, 5, 3, 1, 1, b=3),
          _case(6, 4, 3, 2, 1, hw=9), _case(2, 3, 1, 1, 0, b=1, hw=5), _case(3, 8, 3, 1, 0)]


def _numpy(c: Case, dt) -> NiNBlock:
    return NiNBlock(**c.params, dtype=dt)


def _torch(c: Case):
    p = c.params
    return twin.nin_block(p["in_channels"], p["out_channels"], p["kernel_size"], p["stride"],
                          p["padding"])


SPEC = ParitySpec(
    name="NiNBlock",
    torch_module=_torch,
    numpy_module=_numpy,
    cases=_CASES,
    reduction=lambda c, t: product_bound(
        lambda c: max(c.params["in_channels"] * c.params["kernel_size"] ** 2,
                      c.params["out_channels"]), 1, 3)(c, t),
    description="mlpconv: conv, relu, conv1x1, relu, conv1x1, relu",
    options={"kernel_size": "1, 3, 5, 11", "stride": "1, 2, 4", "padding": "0, 1, 2"},
)
