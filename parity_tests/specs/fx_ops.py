"""Small custom models converted by ``from_torch`` through torch.fx, one per group of
tensor operations in the graph op table: each case is one model (its ``forward`` is the
case), compared for outputs, input gradients and parameter gradients."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from parity_tests.harness.spec import Case, ParitySpec


class CatChunk(nn.Module):
    """torch.chunk, torch.cat, fan-out of one value into several ops."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 6, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        a, b = torch.chunk(y, 2, dim=1)
        return torch.cat([b, a * b, y], dim=1) - y.mean()


class MulParam(nn.Module):
    """A parameter and a buffer used directly (get_attr), broadcast against the input."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.linspace(0.5, 1.5, 4).view(1, 4, 1, 1))
        self.shift = nn.Parameter(torch.linspace(-1, 1, 4 * 5).view(4, 1, 5))
        self.register_buffer("offset", torch.full((5,), 0.25))

    def forward(self, x):
        return (x * self.scale + self.shift) / (1.5 + x * x) - self.offset


class ViewLinear(nn.Module):
    """x.view(x.size(0), -1) and x.shape[1] arithmetic, then a Linear."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3 * 4 * 5, 7)

    def forward(self, x):
        h = x.view(x.size(0), -1)
        return self.fc(h) * (x.shape[1] // 2) + self.fc(h.reshape(-1, 60)).sum(1, keepdim=True)


class MeanDims(nn.Module):
    """mean over (2, 3) with and without keepdim, torch.mean, sum, squeeze/unsqueeze."""

    def forward(self, x):
        m = x.mean(dim=(2, 3))
        k = torch.mean(x, dim=[2, 3], keepdim=True)
        return (m.unsqueeze(-1) * k.squeeze(-1)).sum(-1) + x.sum(dim=1).mean(-1)[:, :1]


class SqueezeExcite(nn.Module):
    """The tutorial squeeze-excitation: x.size() unpacked, view, Linear layers, expand_as."""

    def __init__(self, c: int = 8, r: int = 4) -> None:
        super().__init__()
        self.avg = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(nn.Linear(c, c // r, bias=False), nn.ReLU(inplace=True),
                                nn.Linear(c // r, c, bias=False), nn.Sigmoid())

    def forward(self, x):
        b, c, _, _ = x.size()
        y = self.avg(x).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return x * y.expand_as(x) + y.expand(-1, -1, 1, 3).sum(3, keepdim=True)


class Activations(nn.Module):
    """Tensor and functional activations, pow, neg."""

    def forward(self, x):
        return (F.gelu(x) + F.silu(x) * torch.tanh(x) - x.sigmoid() + F.relu6(3 * x)
                + F.leaky_relu(x, 0.2) + F.elu(x) + F.softplus(x, beta=2.0) + F.hardswish(x)
                + F.gelu(x, approximate="tanh") - (-x) ** 2 + x.relu() + F.mish(x))


class Softmaxes(nn.Module):
    def forward(self, x):
        return F.softmax(x, dim=1) * F.log_softmax(x, -1) + x.softmax(-1)


class Pooling(nn.Module):
    """F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d (non-dividing), F.interpolate."""

    def forward(self, x):
        a = F.max_pool2d(x, 2)
        b = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        c = F.adaptive_avg_pool2d(x, (4, 4))
        return torch.cat([a, b, F.interpolate(c, scale_factor=2)[..., :4, :4]], 1)


class Layout(nn.Module):
    """permute, transpose, contiguous, flatten, getitem with slices (channel split)."""

    def forward(self, x):
        c = x.size(1)
        left, right = x[:, : c // 2], x[:, c // 2:]
        y = (left * right).permute(0, 2, 3, 1).contiguous()
        return torch.flatten(y.transpose(1, 2), 2) + x[:, 0, 1:-1, None].flatten(1, 2).mean((1, 2))[:, None, None]


class SplitStack(nn.Module):
    """torch.split (sizes and sections), torch.stack, a module used twice (shared weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 1)

    def forward(self, x):
        a, b = torch.split(x, [2, 2], dim=1)
        p, q, r = x.split(2, dim=3)[:3]
        return torch.stack([self.conv(a), self.conv(b)], 0).sum(0) + (p * q - r).sum((1, 3), keepdim=True)


class TwoInputs(nn.Module):
    """Two inputs (a tuple of input gradients), a tuple output (first one differentiated)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, a, b):
        h = self.fc(a) + b
        return torch.add(h, a, alpha=2) * b, h.detach().sum()


MODELS = {m.__name__: m for m in (CatChunk, MulParam, ViewLinear, MeanDims, Activations, Softmaxes,
                                  Pooling, Layout, SplitStack, TwoInputs, SqueezeExcite)}
_SHAPES = {"CatChunk": [(2, 4, 6, 6)], "MulParam": [(3, 4, 6, 5)], "ViewLinear": [(4, 3, 4, 5)],
           "MeanDims": [(2, 5, 6, 7)], "Activations": [(3, 17, 5)], "Softmaxes": [(4, 6, 9)],
           "Pooling": [(2, 3, 8, 8)], "Layout": [(2, 4, 5, 6)], "SplitStack": [(2, 4, 5, 6)],
           "TwoInputs": [(5, 6), (5, 6)], "SqueezeExcite": [(3, 8, 5, 5)]}
_REDUCTION = {"CatChunk": 36, "ViewLinear": 60, "MeanDims": 42, "SplitStack": 60, "Pooling": 9}

SPEC = ParitySpec(
    name="FxOps",
    torch_module=lambda c: MODELS[c.params["model"]](),
    numpy_module="from_torch",
    cases=[Case(name, dict(model=name), tuple(_SHAPES[name])) for name in MODELS],
    reduction=lambda c, t: _REDUCTION.get(c.params["model"], 1),
    kink=lambda x, c: np.abs(x) < 1e-3,
    description="custom forwards traced by torch.fx: one model per group of tensor operations",
    options={"models": ", ".join(MODELS)},
)
