"""A ResNet written by hand (a BasicBlock with its own ``forward``: ``out += identity``,
``F.relu``, ``torch.flatten``), converted by ``from_torch`` through torch.fx: output, input
gradient, every parameter gradient by name, BN buffers after each of two training steps."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from parity_tests.harness.spec import Case, ParitySpec, case_id


class BasicBlock(nn.Module):
    """3x3 conv-BN-ReLU, 3x3 conv-BN, plus the identity (a 1x1 conv-BN when the shape changes)."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return F.relu(out)


class HandResNet(nn.Module):
    """Stem (conv-BN-ReLU-maxpool), two stages of two blocks, global average pool, fc."""

    def __init__(self, width: int = 4, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(width, width), BasicBlock(width, width))
        self.layer2 = nn.Sequential(BasicBlock(width, 2 * width, 2), BasicBlock(2 * width, 2 * width))
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        x = F.adaptive_avg_pool2d(x, (1, 1))
        return self.fc(torch.flatten(x, 1))


_CASES = [Case(case_id(w=w, x=s), dict(width=w), (s,), steps=2)
          for w, s in [(4, (2, 3, 16, 16)), (8, (4, 3, 12, 12)), (6, (1, 3, 20, 20)),
                       (4, (3, 3, 9, 11))]]


def _reduction(case: Case, tensor: str) -> int:
    n, _, h, w = case.input_shapes[0]
    return max(64, n * h * w)   # the widest sums: BN and weight gradients over batch x positions


SPEC = ParitySpec(
    name="FxResNet",
    torch_module=lambda c: HandResNet(c.params["width"]),
    numpy_module="from_torch",
    cases=_CASES,
    train_eval_differ=True,
    reduction=_reduction,
    description="hand-written ResNet (custom BasicBlock forward) converted via torch.fx",
    options={"structure": "stem, 2 stages x 2 BasicBlocks (identity and 1x1 downsample), "
                          "adaptive avg pool, flatten, fc", "steps": "2",
             "mode": "train, eval"},
)
