"""Post-2014 CNN structures written as torchvision, timm and public repositories write them
(each with its own ``forward``), at small widths: the inputs of ``test_models_wild``. The
GoogLeNet and ShuffleNetV2 use the blocks of ``parity_tests.twins``."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from parity_tests.twins.blocks import ShuffleNetV2Block
from parity_tests.twins.googlenet import BasicConv2d, Inception, InceptionAux


# ----------------------------------------------------------------------------- GoogLeNet
class GoogLeNet(nn.Module):
    """torchvision's GoogLeNet shape: aux heads run only in training (``self.training``
    decides at trace time), a tuple (logits, aux2, aux1) in training, logits in eval."""

    def __init__(self, num_classes=10, aux_logits=True) -> None:
        super().__init__()
        self.aux_logits = aux_logits
        self.conv1 = BasicConv2d(3, 8, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(8, 4, 4, 8, 2, 4, 4)
        self.inception4a = Inception(20, 8, 4, 8, 2, 4, 4)
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception4b = Inception(24, 8, 4, 8, 2, 4, 4)
        self.aux1 = InceptionAux(20, num_classes, width=4) if aux_logits else None
        self.aux2 = InceptionAux(24, num_classes, width=4) if aux_logits else None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(p=0.2)
        self.fc = nn.Linear(24, num_classes)

    def forward(self, x):
        x = self.maxpool1(self.conv1(x))
        x = self.inception3a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4a(x)
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.inception4b(self.maxpool4(x))
        x = torch.flatten(self.avgpool(x), 1)
        x = self.fc(self.dropout(x))
        if self.training and self.aux_logits:
            return x, aux2, aux1
        return x


# ----------------------------------------------------------------------------- ShuffleNetV2
def channel_shuffle(x, groups: int):
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    x = x.view(batchsize, -1, height, width)
    return x


class InvertedResidual(ShuffleNetV2Block):
    """torchvision's ShuffleNetV2 unit with the hand-written ``channel_shuffle`` above."""

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        out = channel_shuffle(out, 2)
        return out


class ShuffleNetV2(nn.Module):
    def __init__(self, num_classes=10) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8),
                                   nn.ReLU(inplace=True))
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.stage2 = nn.Sequential(InvertedResidual(8, 16, 2), InvertedResidual(16, 16, 1))
        self.conv5 = nn.Sequential(nn.Conv2d(16, 32, 1, 1, 0, bias=False), nn.BatchNorm2d(32),
                                   nn.ReLU(inplace=True))
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.maxpool(self.conv1(x))
        x = self.conv5(self.stage2(x))
        x = x.mean([2, 3])  # globalpool
        return self.fc(x)


# ----------------------------------------------------------------------------- MobileNets
class DepthwiseSeparable(nn.Module):
    """MobileNetV1 as repositories write it: dw 3x3 + BN + ReLU, pw 1x1 + BN + ReLU."""

    def __init__(self, cin, cout, stride) -> None:
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        out = F.relu(self.bn1(self.dw(x)))
        return F.relu(self.bn2(self.pw(out)))


class MobileNetV1(nn.Module):
    cfg = [16, (32, 2), 32]

    def __init__(self, num_classes=10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        layers, cin = [], 8
        for x in self.cfg:
            cout, stride = (x, 1) if isinstance(x, int) else x
            layers.append(DepthwiseSeparable(cin, cout, stride))
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.linear = nn.Linear(32, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layers(out)
        out = F.avg_pool2d(out, out.size(3))
        out = out.view(out.size(0), -1)
        return self.linear(out)


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin, cout, kernel_size=3, stride=1, groups=1) -> None:
        padding = (kernel_size - 1) // 2
        super().__init__(nn.Conv2d(cin, cout, kernel_size, stride, padding, groups=groups,
                                   bias=False), nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


class MBV2Block(nn.Module):
    """MobileNetV2's inverted residual: ``self.conv`` list-built Sequential, ``x + conv(x)``."""

    def __init__(self, inp, oup, stride, expand_ratio) -> None:
        super().__init__()
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU(inp, hidden_dim, kernel_size=1))
        layers.extend([ConvBNReLU(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim),
                       nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)])
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class SqueezeExcitation(nn.Module):
    """torchvision's SE (``F.adaptive_avg_pool2d(x, 1)``, scale * x) or the repositories'
    form (``x.mean((2, 3), keepdim=True)``, hard-sigmoid, ``x * scale``)."""

    def __init__(self, cin, squeeze, style="torchvision") -> None:
        super().__init__()
        self.style = style
        self.fc1 = nn.Conv2d(cin, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, cin, 1)
        self.relu = nn.ReLU()
        self.scale_activation = nn.Hardsigmoid()

    def _scale(self, x):
        if self.style == "torchvision":
            scale = F.adaptive_avg_pool2d(x, 1)
        else:
            scale = x.mean((2, 3), keepdim=True)
        scale = self.fc2(self.relu(self.fc1(scale)))
        if self.style == "torchvision":
            return self.scale_activation(scale)
        return F.hardsigmoid(scale, inplace=True)

    def forward(self, x):
        scale = self._scale(x)
        return scale * x if self.style == "torchvision" else x * scale


class MBV3Block(nn.Module):
    """MobileNetV3 block: expand 1x1 (hardswish), dw, SE, project; residual ``result += x``."""

    def __init__(self, cin, exp, cout, stride, se_style) -> None:
        super().__init__()
        self.use_res_connect = stride == 1 and cin == cout
        self.block = nn.Sequential(
            nn.Conv2d(cin, exp, 1, bias=False), nn.BatchNorm2d(exp, eps=0.001, momentum=0.01),
            nn.Hardswish(inplace=True),
            nn.Conv2d(exp, exp, 3, stride, 1, groups=exp, bias=False),
            nn.BatchNorm2d(exp, eps=0.001, momentum=0.01), nn.Hardswish(inplace=True),
            SqueezeExcitation(exp, 4, se_style),
            nn.Conv2d(exp, cout, 1, bias=False), nn.BatchNorm2d(cout, eps=0.001, momentum=0.01))

    def forward(self, input):
        result = self.block(input)
        if self.use_res_connect:
            result += input
        return result


class MobileNetV23(nn.Module):
    """A stem, two MobileNetV2 blocks, two MobileNetV3 blocks (both SE styles) and a
    hardswish head: ``nn.functional.adaptive_avg_pool2d(x, (1, 1))``, ``torch.flatten``."""

    def __init__(self, num_classes=10) -> None:
        super().__init__()
        self.features = nn.Sequential(ConvBNReLU(3, 8, stride=2), MBV2Block(8, 8, 1, 1),
                                      MBV2Block(8, 12, 2, 3), MBV3Block(12, 24, 12, 1, "torchvision"),
                                      MBV3Block(12, 24, 16, 1, "repo"))
        self.classifier = nn.Sequential(nn.Linear(16, 24), nn.Hardswish(inplace=True),
                                        nn.Dropout(p=0.2, inplace=True), nn.Linear(24, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = nn.functional.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)
