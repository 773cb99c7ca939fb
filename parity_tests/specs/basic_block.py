"""ResNet's BasicBlock against its torch twin: identity shortcut, stride-2 and
channel-changing shortcuts (downsample = Sequential(conv1x1, BatchNorm2d)), train and eval,
BN buffers after two steps."""
from __future__ import annotations

import torch

from numpy_layers.blocks.basic_block import BasicBlock, conv1x1
from numpy_layers.modules import BatchNorm2d, Sequential
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.twins import resnet as twin


def _case(inplanes: int, planes: int, stride: int = 1, b: int = 2, hw: int = 8,
          steps: int = 1) -> Case:
    ds = stride != 1 or inplanes != planes
    return Case(case_id(c=f"{inplanes}to{planes}", s=stride, ds=ds, b=b, hw=hw, steps=steps),
                dict(inplanes=inplanes, planes=planes, stride=stride, downsample=ds),
                ((b, inplanes, hw, hw),), steps=steps)


_CASES = [_case(4, 4), _case(4, 4, steps=2), _case(4, 8, stride=2, hw=9), _case(3, 6, b=3),
          _case(8, 8, stride=2, b=1, hw=7, steps=2), _case(6, 6, b=4, hw=5)]


def block_reduction(case: Case, tensor: str, kernel: int = 3, depth: int = 2) -> int:
    """Largest sum (conv: C*k*k; BN and weight gradients: N*H*W) times the conv depth."""
    n, c, h, w = case.input_shapes[0]
    width = max(c, case.params["planes"] * 4)
    return max(width * kernel * kernel, n * h * w) * depth


def _torch(c: Case) -> torch.nn.Module:
    p = c.params
    ds = None
    if p["downsample"]:
        ds = torch.nn.Sequential(twin.conv1x1(p["inplanes"], p["planes"], p["stride"]),
                                 torch.nn.BatchNorm2d(p["planes"]))
    return twin.BasicBlock(p["inplanes"], p["planes"], p["stride"], ds)


def _numpy(c: Case, dt) -> BasicBlock:
    p = c.params
    ds = None
    if p["downsample"]:
        ds = Sequential(conv1x1(p["inplanes"], p["planes"], p["stride"], dtype=dt),
                        BatchNorm2d(p["planes"], dtype=dt))
    return BasicBlock(p["inplanes"], p["planes"], p["stride"], ds, dtype=dt)


SPEC = ParitySpec(
    name="BasicBlock",
    torch_module=_torch,
    numpy_module=_numpy,
    cases=_CASES,
    train_eval_differ=True,
    init=twin.redraw_batchnorm,
    reduction=block_reduction,
    description="ResNet basic block: conv3x3-bn-relu-conv3x3-bn + shortcut, relu",
    options={"stride": "1, 2", "downsample": "none (identity), conv1x1+BN (stride, channels)",
             "steps": "1, 2 (BN buffers)", "mode": "train, eval"},
)
