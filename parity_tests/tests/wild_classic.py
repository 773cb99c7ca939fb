"""Classic CNNs written as public tutorials and torchvision write them (each with its own
``forward``), at small widths: the inputs of ``test_models_wild`` (the ResNet, DenseNet
and SqueezeNet are in ``wild_blocks``)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


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


class AlexNet(nn.Module):
    """torchvision's AlexNet layout (features / avgpool / classifier), small widths."""

    def __init__(self, num_classes: int = 10, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(8, 12, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(12, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(16 * 6 * 6, 32), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(32, 32), nn.ReLU(inplace=True),
            nn.Linear(32, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class VGG(nn.Module):
    """torchvision's VGG: ``make_layers(cfg, batch_norm)``, AdaptiveAvgPool2d((7, 7))."""

    def __init__(self, features: nn.Module, num_classes: int = 10, init_weights: bool = True) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(16 * 7 * 7, 24), nn.ReLU(True), nn.Dropout(p=0.5),
            nn.Linear(24, 24), nn.ReLU(True), nn.Dropout(p=0.5), nn.Linear(24, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def make_layers(cfg: list, batch_norm: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
        else:
            conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            if batch_norm:
                layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            else:
                layers += [conv2d, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


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
