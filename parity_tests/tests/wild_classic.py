"""Classic CNNs written as public tutorials and torchvision write them (each with its own
``forward``), at small widths: the inputs of ``test_models_wild``. DenseNet and SqueezeNet
are built around the dense layer, dense block, transition and Fire of
``parity_tests.twins.blocks``; AlexNet, VGG and ResNet are ``parity_tests.twins``' own
torchvision copies."""
from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from parity_tests.twins.blocks import DenseBlock, Fire, Transition


class CifarNet(nn.Module):
    """The PyTorch CIFAR-10 tutorial's Net (``flat``: view(-1, 16*5*5) or torch.flatten)."""

    def __init__(self, flat: str = "view") -> None:
        super().__init__()
        self.flat = flat
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5) if self.flat == "view" else torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class LeNet(nn.Module):
    """LeNet-5 as courses write it: x.view(x.size(0), -1), log_softmax output."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(torch.sigmoid(self.conv1(x)), (2, 2))
        x = F.avg_pool2d(self.conv2(x).sigmoid(), 2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, 0.5, training=self.training)
        return F.log_softmax(self.fc3(F.relu(self.fc2(x))), dim=1)


class BlitzNet(nn.Module):
    """The old 60-minute blitz's Net: ``num_flat_features`` iterates over ``x.size()[1:]``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.fc1 = nn.Linear(6 * 15 * 15, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = x.view(-1, self.num_flat_features(x))
        return self.fc1(x)

    def num_flat_features(self, x):
        size = x.size()[1:]
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


class NiN(nn.Module):
    """Network in Network: mlpconv blocks (conv + two 1x1 convs), global average pooling,
    ``x.view(x.size(0), self.num_classes)``."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.num_classes = num_classes

        def block(cin, cout, k, s, p):
            return nn.Sequential(nn.Conv2d(cin, cout, k, s, p), nn.ReLU(inplace=True),
                                 nn.Conv2d(cout, cout, 1), nn.ReLU(inplace=True),
                                 nn.Conv2d(cout, cout, 1), nn.ReLU(inplace=True))
        self.classifier = nn.Sequential(
            block(3, 16, 5, 1, 2), nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.Dropout(0.5),
            block(16, 16, 5, 1, 2), nn.AvgPool2d(3, stride=2, ceil_mode=True), nn.Dropout(0.5),
            block(16, num_classes, 3, 1, 1), nn.AdaptiveAvgPool2d((1, 1)))

    def forward(self, x):
        x = self.classifier(x)
        return x.view(x.size(0), self.num_classes)


# ----------------------------------------------------------------------------- DenseNet
class DenseNet(nn.Module):
    """torchvision's DenseNet: features as ``nn.Sequential(OrderedDict(...))``, then
    ``F.relu(features, inplace=True)``, ``F.adaptive_avg_pool2d``, ``torch.flatten``."""

    def __init__(self, growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=2,
                 drop_rate=0.0, num_classes=10) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, 7, 2, 3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)),
            ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1)),
        ]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = DenseBlock(num_layers, num_features, bn_size, growth_rate, drop_rate)
            self.features.add_module("denseblock%d" % (i + 1), block)
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                trans = Transition(num_features, num_features // 2)
                self.features.add_module("transition%d" % (i + 1), trans)
                num_features = num_features // 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)

    def forward(self, x):
        features = self.features(x)
        out = F.relu(features, inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = torch.flatten(out, 1)
        return self.classifier(out)


# ----------------------------------------------------------------------------- SqueezeNet
class SqueezeNet(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, kernel_size=3, stride=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(16, 4, 8, 8), Fire(16, 4, 8, 8),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True), Fire(16, 8, 12, 12))
        final_conv = nn.Conv2d(24, num_classes, kernel_size=1)
        self.classifier = nn.Sequential(nn.Dropout(p=0.5), final_conv, nn.ReLU(inplace=True),
                                        nn.AdaptiveAvgPool2d((1, 1)))

    def forward(self, x):
        x = self.features(x)
        x = self.classifier(x)
        return torch.flatten(x, 1)
