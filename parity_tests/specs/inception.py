"""GoogLeNet's Inception block and BasicConv2d against their torch twins: branch widths,
the 3x3 'ch5x5' branch as torchvision's, the ceil-mode max-pool branch; train and eval, BN
(eps=0.001) buffers after two steps."""
from __future__ import annotations

from numpy_layers.blocks.inception import BasicConv2d, Inception
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.twins import googlenet as twin
from parity_tests.twins.resnet import redraw_batchnorm

_KEYS = ("in_channels", "ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "pool_proj")


def _case(widths: tuple[int, ...], b: int = 2, hw: int = 8, steps: int = 1) -> Case:
    return Case(case_id(c="-".join(map(str, widths)), b=b, hw=hw, steps=steps),
                dict(zip(_KEYS, widths)), ((b, widths[0], hw, hw),), steps=steps)


_CASES = [_case((8, 4, 4, 8, 2, 4, 4)), _case((8, 4, 4, 8, 2, 4, 4), steps=2),
          _case((12, 8, 6, 12, 2, 3, 5), b=3, hw=7), _case((6, 2, 3, 4, 1, 2, 2), b=4, hw=5),
          _case((16, 8, 12, 16, 2, 4, 4), b=2, hw=9, steps=2)]


def _conv_case(cin: int, cout: int, b: int = 2, hw: int = 8, steps: int = 1, **kw) -> Case:
    return Case(case_id(c=f"{cin}to{cout}", b=b, hw=hw, steps=steps, **kw),
                dict(in_channels=cin, out_channels=cout, **kw), ((b, cin, hw, hw),), steps=steps)


_CONV_CASES = [_conv_case(3, 8, kernel_size=7, stride=2, padding=3, hw=16),
               _conv_case(8, 8, kernel_size=1, steps=2),
               _conv_case(4, 12, kernel_size=3, padding=1), _conv_case(6, 4, kernel_size=3, stride=2, b=3, hw=9)]


def _reduction(case: Case, tensor: str) -> int:
    """Widest sum (C*9 of a 3x3 conv, or a BN's N*H*W) x the two convs of a branch."""
    n, c, h, w = case.input_shapes[0]
    return max(c * 9, n * h * w) * 2


SPECS = [
    ParitySpec(
        name="Inception", torch_module=lambda c: twin.Inception(**c.params),
        numpy_module=lambda c, dt: Inception(**c.params, dtype=dt),
        cases=_CASES, train_eval_differ=True, init=redraw_batchnorm, reduction=_reduction,
        description="GoogLeNet Inception: 1x1 | 1x1-3x3 | 1x1-3x3 | maxpool-1x1, concatenated",
        options={"branch widths": "5 configurations", "steps": "1, 2", "mode": "train, eval"}),
    ParitySpec(
        name="BasicConv2d", torch_module=lambda c: twin.BasicConv2d(**c.params),
        numpy_module=lambda c, dt: BasicConv2d(**c.params, dtype=dt),
        cases=_CONV_CASES, train_eval_differ=True, init=redraw_batchnorm,
        reduction=lambda c, t: max(c.input_shapes[0][1] * 49, 2 * 16 * 16),
        description="GoogLeNet conv (no bias) -> BatchNorm2d(eps=0.001) -> relu",
        options={"kernel_size": "1, 3, 7", "stride": "1 (default), 2", "steps": "1, 2",
                 "mode": "train, eval"}),
]
