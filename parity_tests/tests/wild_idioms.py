"""Small models made of the functional idioms public code uses in ``forward``: size and
shape arithmetic, in-place updates, clamps, reductions, containers iterated, buffers,
several inputs and structured outputs. Inputs of ``test_models_wild``."""
from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn


class ShapeIdioms(nn.Module):
    """x.size(1), x.shape[-1], flatten(1), reshape(x.shape[0], -1), nn.Flatten, nn.Identity."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.ident = nn.Identity()
        self.flat = nn.Flatten()
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x):
        c, w = x.size(1), x.shape[-1]
        y = self.ident(self.conv(x)) * (c / w)
        a = y.flatten(1)
        b = y.reshape(y.shape[0], -1)
        d = self.flat(y)
        return self.fc(a + b - d * 0.5)


class InplaceIdioms(nn.Module):
    """torch.add(a, b, alpha=...), x.mul_(), x.add_(), clamp(min=0), sigmoid forms."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(3, 4, 1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        a = self.conv1(x)
        b = self.conv2(x)
        s = torch.add(a, b, alpha=0.5)
        s.mul_(torch.sigmoid(b))
        s.add_(a.sigmoid())
        t = self.bn(s)
        t.add_(1.0)
        u = t.clamp(min=0)
        return u + s.clamp(max=0.5) + torch.clamp(a, -0.2, 0.3)


class BnReluReadTwice(nn.Module):
    """A batch norm's output that an in-place ReLU overwrites, then read again (torch sees
    the ReLU's values there), and an addition's output read by a view before a ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.relu6 = nn.ReLU6()

    def forward(self, x):
        y = self.bn(self.conv(x))
        z = self.relu(y)                   # y itself now holds relu(y)
        s = z + 1.0
        v = s.view(s.size(0), -1)          # a view of s taken before the activation reads it
        r = self.relu6(s)
        return r * y + v.view_as(s) + z


class Reductions(nn.Module):
    """torch.mean(x, dim=[2, 3]), x.max(dim=1)[0], F.adaptive_max_pool2d, x.permute,
    x.transpose(1, 2), F.log_softmax(x, dim=1)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3)
        self.fc = nn.Linear(6, 4)

    def forward(self, x):
        y = self.conv(x)
        g = torch.mean(y, dim=[2, 3]) + F.adaptive_max_pool2d(y, 1).flatten(1)
        m = y.max(dim=1)[0]                       # (N, H, W)
        t = y.permute(0, 2, 3, 1).transpose(1, 2)  # (N, W, H, C)
        g = g + t.sum((1, 2)) * 0.01 + m.mean((1, 2), keepdim=True)
        return F.log_softmax(self.fc(g), dim=1)


class Containers(nn.Module):
    """nn.Sequential(OrderedDict(...)), nn.ModuleList iterated, nn.ModuleDict by key,
    a buffer from register_buffer used in forward."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(OrderedDict([("conv", nn.Conv2d(3, 4, 3, padding=1)),
                                               ("bn", nn.BatchNorm2d(4)), ("act", nn.ReLU())]))
        self.blocks = nn.ModuleList([nn.Conv2d(4, 4, 3, padding=1) for _ in range(3)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(4, 5), "box": nn.Linear(4, 2)})
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = self.stem(x)
        for i, blk in enumerate(self.blocks):
            x = x + F.relu(blk(x)) * (i + 1)
        f = x.mean((2, 3))
        return {"cls": self.heads["cls"](f), "box": torch.sigmoid(self.heads["box"](f))}


class TwoInputs(nn.Module):
    """Two images in, a tuple (fused logits, distance) out."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2), nn.BatchNorm2d(4), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(8, 3)

    def forward(self, a, b):
        fa, fb = self.enc(a), self.enc(b)
        return self.fc(torch.cat([fa, fb], 1)), ((fa - fb) ** 2).sum(1)


class MaxMin(nn.Module):
    """CBAM's spatial gate (torch.max(x, 1)[0], torch.mean(x, 1)), x.amax, x.min(1,
    keepdim=True)[0], .values, x.max(), torch.maximum, x.relu_() and x.sigmoid_()."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.gate = nn.Conv2d(2, 1, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        s = torch.cat((torch.max(y, 1)[0].unsqueeze(1), torch.mean(y, 1).unsqueeze(1)), dim=1)
        z = y.clone()
        z.sigmoid_()
        r = self.conv(x).relu_()
        return (y * torch.sigmoid(self.gate(s)) + z * r + y.amax((2, 3), keepdim=True)
                + y.min(1, keepdim=True)[0] + y.max() + y.min(dim=2).values.mean()
                + torch.maximum(y, x[:, :1]) + torch.min(y, torch.max(x, 1, keepdim=True).values))


class DetectHead(nn.Module):
    """A YOLOv5-style head: y = x.sigmoid(); y[..., 0:2] = (y[..., 0:2] * 2 + grid) * stride."""

    def __init__(self) -> None:
        super().__init__()
        self.m = nn.Conv2d(3, 12, 1)
        self.register_buffer("grid", torch.randn(1, 1, 6, 6, 2))  # for 6x6 inputs

    def forward(self, x):
        bs, _, ny, nx = x.shape
        p = self.m(x).view(bs, 2, 6, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
        y = p.sigmoid().clone()             # (autograd keeps the sigmoid output itself)
        y[..., 0:2] = (y[..., 0:2] * 2 - 0.5 + self.grid) * 8
        y[..., 2:4] = (y[..., 2:4] * 2) ** 2
        return y.view(bs, -1, 6)


class NonLocal(nn.Module):
    """The non-local block as repositories write it: 1x1 theta/phi/g, ``torch.matmul``,
    softmax, ``@``, ``torch.bmm``; then an ArcFace-style cosine head (``F.normalize``,
    ``x.norm``), ``torch.zeros_like``, ``x.new_zeros``, ``.type_as``, ``.to(x.dtype)``,
    ``.float()``, ``x.repeat`` and ``x.clamp_min``. ``star``: the view written
    ``*x.size()[2:]`` (which fx cannot trace)."""

    def __init__(self, c: int = 4, star: bool = False) -> None:
        super().__init__()
        self.star, self.inter = star, c // 2
        self.theta, self.phi, self.g = (nn.Conv2d(c, c // 2, 1) for _ in range(3))
        self.W = nn.Sequential(nn.Conv2d(c // 2, c, 1), nn.BatchNorm2d(c))
        self.weight = nn.Parameter(torch.randn(5, c))

    def forward(self, x):
        batch_size = x.size(0)
        g_x = self.g(x).view(batch_size, self.inter, -1).permute(0, 2, 1)
        theta_x = self.theta(x).view(batch_size, self.inter, -1).permute(0, 2, 1)
        phi_x = self.phi(x).view(batch_size, self.inter, -1)
        f_div_C = F.softmax(torch.matmul(theta_x, phi_x), dim=-1)
        y = (f_div_C @ g_x + torch.bmm(f_div_C, g_x) * 0.5).permute(0, 2, 1).contiguous()
        if self.star:
            y = y.view(batch_size, self.inter, *x.size()[2:])
        else:
            y = y.view(batch_size, self.inter, x.size(2), x.size(3))
        z = self.W(y) + x
        emb = z.mean((2, 3))
        cosine = F.linear(F.normalize(emb), F.normalize(self.weight, dim=1))
        scale = emb.norm(dim=1, keepdim=True).clamp_min(0.5)
        base = torch.zeros_like(cosine) + cosine.new_zeros(cosine.shape[0], 1)
        out = base + cosine.float().type_as(x) * scale.to(x.dtype)
        return out.repeat(1, 2) + torch.norm(z, dim=(2, 3)).repeat(1, 3)[:, :10]


class TiedNoGrad(nn.Module):
    """A tied autoencoder (decoder ``F.linear(h, self.enc.weight.t())``, ``dec.weight =
    enc.weight`` shared by two modules), a teacher run under ``torch.no_grad()`` (no
    gradient to it or through it), and parameters from an ``nn.ParameterList``."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(6, 4)
        self.dec = nn.Linear(4, 6)
        self.dec2 = nn.Linear(6, 4)
        self.dec2.weight = self.enc.weight
        self.teacher = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4))
        self.scales = nn.ParameterList([nn.Parameter(torch.rand(6) + 0.5) for _ in range(2)])

    def forward(self, x):
        for s in self.scales:
            x = x * s
        h = torch.tanh(self.enc(x))
        rec = F.linear(h, self.enc.weight.t()) + self.dec(h)
        with torch.no_grad():
            target = self.teacher(x) * self.dec.weight.sum()
        return rec, (self.dec2(rec) - target).pow(2).mean(1)
