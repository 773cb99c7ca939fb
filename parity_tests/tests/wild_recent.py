"""EfficientNet's MBConv, a ConvNeXt stage and a U-Net as timm, the ConvNeXt paper's
repository and milesial's Pytorch-UNet write them, at small widths: inputs of
``test_models_wild``."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from parity_tests.twins.unet import DoubleConv, Down
from parity_tests.twins.unet import Up as TwinUp


def drop_path(x, drop_prob: float = 0.0, training: bool = False):
    """timm's drop_path: the identity unless training with drop_prob > 0."""
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device)
    random_tensor.floor_()
    return x.div(keep_prob) * random_tensor


class DropPath(nn.Module):
    def __init__(self, drop_prob: float = 0.0) -> None:
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training)


# ----------------------------------------------------------------------------- EfficientNet
class SE(nn.Module):
    def __init__(self, cin, rd) -> None:
        super().__init__()
        self.conv_reduce = nn.Conv2d(cin, rd, 1)
        self.act1 = nn.SiLU(inplace=True)
        self.conv_expand = nn.Conv2d(rd, cin, 1)

    def forward(self, x):
        x_se = x.mean((2, 3), keepdim=True)
        x_se = self.act1(self.conv_reduce(x_se))
        x_se = self.conv_expand(x_se)
        return x * x_se.sigmoid()


class MBConv(nn.Module):
    """timm-style MBConv: SiLU, SE, stochastic depth (``drop_path``), skip when shapes allow."""

    def __init__(self, cin, cout, expand, stride, drop_path_rate=0.0) -> None:
        super().__init__()
        mid = cin * expand
        self.has_skip = stride == 1 and cin == cout
        self.conv_pw = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv_dw = nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.se = SE(mid, max(1, cin // 4))
        self.conv_pwl = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.drop_path = DropPath(drop_path_rate) if drop_path_rate else nn.Identity()

    def forward(self, x):
        shortcut = x
        x = F.silu(self.bn1(self.conv_pw(x)))
        x = F.silu(self.bn2(self.conv_dw(x)), inplace=True)
        x = self.se(x)
        x = self.bn3(self.conv_pwl(x))
        if self.has_skip:
            x = self.drop_path(x) + shortcut
        return x


class EfficientNetTiny(nn.Module):
    def __init__(self, num_classes=10, drop_path_rate=0.0) -> None:
        super().__init__()
        self.conv_stem = nn.Conv2d(3, 8, 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.blocks = nn.Sequential(MBConv(8, 8, 1, 1, drop_path_rate), MBConv(8, 12, 4, 2),
                                    MBConv(12, 12, 4, 1, drop_path_rate))
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.classifier = nn.Linear(12, num_classes)

    def forward(self, x):
        x = F.silu(self.bn1(self.conv_stem(x)))
        x = self.blocks(x)
        return self.classifier(self.flatten(self.global_pool(x)))


# ----------------------------------------------------------------------------- ConvNeXt
class LayerNorm2d(nn.Module):
    """The ConvNeXt repository's channels_first LayerNorm, written out with mean and pow."""

    def __init__(self, normalized_shape, eps=1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class Block(nn.Module):
    """ConvNeXt block: dwconv 7x7, permute to NHWC, LayerNorm, Linear, GELU, Linear,
    layer scale ``self.gamma * x``, permute back, ``input + self.drop_path(x)``."""

    def __init__(self, dim, drop_path=0.0, layer_scale_init_value=1e-6) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(layer_scale_init_value * torch.ones((dim)),
                                  requires_grad=True) if layer_scale_init_value > 0 else None
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()

    def forward(self, x):
        input = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
        x = self.norm(x)
        x = self.pwconv1(x)
        x = self.act(x)
        x = self.pwconv2(x)
        if self.gamma is not None:
            x = self.gamma * x
        x = x.permute(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
        return input + self.drop_path(x)


class ConvNeXtTiny(nn.Module):
    def __init__(self, dims=(8, 16), num_classes=10, drop_path_rate=0.0) -> None:
        super().__init__()
        self.downsample_layers = nn.ModuleList([nn.Sequential(
            nn.Conv2d(3, dims[0], kernel_size=4, stride=4), LayerNorm2d(dims[0]))])
        self.downsample_layers.append(nn.Sequential(
            LayerNorm2d(dims[0]), nn.Conv2d(dims[0], dims[1], kernel_size=2, stride=2)))
        self.stages = nn.ModuleList(
            nn.Sequential(*[Block(d, drop_path_rate, layer_scale_init_value=0.5) for _ in range(2)])
            for d in dims)
        self.norm = nn.LayerNorm(dims[-1], eps=1e-6)
        self.head = nn.Linear(dims[-1], num_classes)

    def forward_features(self, x):
        for i in range(2):
            x = self.downsample_layers[i](x)
            x = self.stages[i](x)
        return self.norm(x.mean([-2, -1]))  # global average pooling, (N, C, H, W) -> (N, C)

    def forward(self, x):
        return self.head(self.forward_features(x))


# ----------------------------------------------------------------------------- U-Net
class Interpolate(nn.Module):
    """The upsampling repositories write inline: ``F.interpolate(x, scale_factor=2,
    mode="bilinear", align_corners=True)``."""

    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)


class Up(TwinUp):
    """milesial's Up (``F.pad`` from ``x.size()[2]`` arithmetic, ``torch.cat([x2, x1],
    dim=1)``) with ``F.interpolate`` in place of ``nn.Upsample``."""

    def __init__(self, in_channels, out_channels, bilinear=True) -> None:
        super().__init__(in_channels, out_channels, bilinear)
        if bilinear:
            self.up = Interpolate()


class UNet(nn.Module):
    def __init__(self, n_channels=3, n_classes=2, bilinear=True) -> None:
        super().__init__()
        factor = 2 if bilinear else 1
        self.inc = DoubleConv(n_channels, 4)
        self.down1 = Down(4, 8)
        self.down2 = Down(8, 16 // factor)
        self.up1 = Up(16, 8 // factor, bilinear)
        self.up2 = Up(8, 4, bilinear)
        self.outc = nn.Conv2d(4, n_classes, kernel_size=1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x = self.up1(x3, x2)
        x = self.up2(x, x1)
        return self.outc(x)
