"""ResNet against its torch twin (torchvision's structure and state_dict keys): resnet18 at
small widths, and Bottleneck ResNets with groups, width_per_group and dilation; BN buffers
after two steps, train and eval.

Inputs are sized so that layer4's BatchNorm sees at least 8 values per channel in training
(N * H/32 * W/32 >= 8): over 2 values a batch norm's output is +-1 whatever its input, its
input gradient is pure rounding noise, and no float32 comparison is meaningful there."""
from __future__ import annotations

import torch

from numpy_layers.blocks.bottleneck import Bottleneck
from numpy_layers.models.resnet import ResNet, resnet18
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.twins import resnet as twin


def _case(width: int = 4, classes: int = 10, b: int = 2, hw: int = 64, steps: int = 1,
          **kw) -> Case:
    short = {"width_per_group": "wpg", "replace_stride_with_dilation": "dil",
             "zero_init_residual": "zir", "layers": "L", "groups": "g"}
    extra = {short[k]: ("".join("1" if d else "0" for d in v) if k.startswith("replace")
                        else v) for k, v in kw.items()}
    return Case(case_id(w=width, k=classes, b=b, hw=hw, steps=steps, **extra),
                dict(width=width, num_classes=classes, **kw), ((b, 3, hw, hw),), steps=steps)


_R18 = [_case(), _case(steps=2), _case(width=8, classes=5, b=3, hw=48),
        _case(b=1, hw=80, zero_init_residual=True), _case(hw=33, steps=2)]
_BOTTLENECK = [_case(layers=(1, 1, 1, 1)), _case(layers=(1, 2, 1, 1), steps=2),
               _case(layers=(1, 1, 1, 1), groups=2, width_per_group=32),
               _case(layers=(1, 1, 1, 1), replace_stride_with_dilation=(False, True, True))]


def _reduction(case: Case, tensor: str) -> int:
    """Widest sum (8w*9 channels x taps of layer4, or N*H*W of the stem's BN) x depth."""
    n, _, h, w = case.input_shapes[0]
    return max(8 * case.params["width"] * 4 * 9, n * h * w // 4) * 18


def _split(c: Case) -> tuple[dict, tuple | None]:
    p = dict(c.params)
    return p, p.pop("layers", None)


def _torch(c: Case) -> torch.nn.Module:
    p, layers = _split(c)
    return twin.resnet18(**p) if layers is None else twin.ResNet(twin.Bottleneck, layers, **p)


def _numpy(c: Case, dt) -> ResNet:
    p, layers = _split(c)
    return resnet18(**p, dtype=dt) if layers is None else ResNet(Bottleneck, layers, **p, dtype=dt)


_COMMON = dict(torch_module=_torch, numpy_module=_numpy, train_eval_differ=True,
               init=twin.redraw_batchnorm, reduction=_reduction)
SPECS = [
    ParitySpec(name="ResNet18", cases=_R18, **_COMMON,
               description="resnet18 (BasicBlock [2, 2, 2, 2]) at widths 4 and 8",
               options={"width": "4, 8", "num_classes": "5, 10", "input": "33..80 px, batch 1..3",
                        "zero_init_residual": "False, True", "steps": "1, 2",
                        "mode": "train, eval"}),
    ParitySpec(name="ResNetBottleneck", cases=_BOTTLENECK, **_COMMON,
               description="ResNet with Bottleneck blocks (ResNet-50 family) at width 4",
               options={"layers": "[1, 1, 1, 1], [1, 2, 1, 1]", "groups": "1, 2",
                        "width_per_group": "32, 64", "replace_stride_with_dilation":
                        "none, [False, True, True]", "steps": "1, 2", "mode": "train, eval"}),
]
