"""Custom forwards calling torch.nn.functional directly (call_function nodes in torch.fx),
converted by ``from_torch``: convolutions, linear, norms (F.batch_norm updating its buffers),
padding, pixel shuffles, 1-D pooling, activations with options, losses, elementwise math,
and the ConvNeXt authors' own Block and channels-first LayerNorm; parameters passed in as
``self.weight`` get their gradients. Train and eval (batch and instance norm differ)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from parity_tests.harness.spec import Case, ParitySpec
from parity_tests.harness.tolerance import Terms


def _param(*shape: int, scale: float = 0.3) -> nn.Parameter:
    return nn.Parameter(torch.randn(*shape) * scale)


class Convs(nn.Module):
    """F.conv2d (strided, padded), F.conv_transpose2d, F.conv1d, F.conv_transpose1d, F.linear."""

    def __init__(self) -> None:
        super().__init__()
        self.w, self.b = _param(6, 3, 3, 3), _param(6)
        self.wt = _param(6, 4, 2, 2)
        self.w1, self.wt1 = _param(5, 6, 3), _param(5, 2, 4)
        self.fc_w, self.fc_b = _param(7, 2), _param(7)

    def forward(self, x):
        y = F.conv2d(x, self.w, self.b, stride=2, padding=1)               # (N, 6, 4, 4)
        z = F.conv_transpose2d(torch.tanh(y), self.wt, stride=2)           # (N, 4, 8, 8)
        s = F.conv1d(y.flatten(2), self.w1, padding="same")                # (N, 5, 16)
        t = F.conv_transpose1d(s, self.wt1, stride=2, padding=1)           # (N, 2, 32)
        return z.mean((1, 2)) + F.linear(t.mean(2), self.fc_w, self.fc_b).sum(1, keepdim=True)


class Norms(nn.Module):
    """Channels-last F.layer_norm through permute, F.group_norm, F.batch_norm with running
    buffers, F.instance_norm, F.local_response_norm."""

    def __init__(self) -> None:
        super().__init__()
        self.ln_w, self.ln_b = nn.Parameter(torch.rand(4) + 0.5), _param(4)
        self.gn_w, self.gn_b = nn.Parameter(torch.rand(4) + 0.5), _param(4)
        self.bn_w, self.bn_b = nn.Parameter(torch.rand(4) + 0.5), _param(4)
        self.register_buffer("running_mean", torch.randn(4) * 0.1)
        self.register_buffer("running_var", torch.rand(4) + 0.5)

    def forward(self, x):
        a = F.layer_norm(x.permute(0, 2, 3, 1), (4,), self.ln_w, self.ln_b, 1e-6).permute(0, 3, 1, 2)
        b = F.group_norm(a, 2, self.gn_w, self.gn_b)
        c = F.batch_norm(b, self.running_mean, self.running_var, self.bn_w, self.bn_b,
                         self.training, 0.2, 1e-5)
        return F.instance_norm(c * a) + F.local_response_norm(c, 3)


class Shapes(nn.Module):
    """F.pad (4 and 2 sizes, constant and reflect), pixel (un)shuffle, F.hardtanh, F.prelu, 1-D pooling."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.tensor([0.1, 0.2, 0.3, 0.25]))

    def forward(self, x):
        p = F.pad(x, [1, 2, 0, 1]) + 0.5                                  # (N, 4, 7, 9)
        q = F.pixel_unshuffle(F.pad(x, (1, 1, 2, 0), mode="reflect")[..., :6, :]
                              + F.pad(x, (1, 1))[..., :6, :], 2)           # (N, 16, 3, 4)
        r = F.pixel_shuffle(q, 2)                                         # (N, 4, 6, 8)
        h = F.hardtanh(r, -0.5, 0.8) + F.prelu(r, self.a)
        f = h.flatten(2)                                                  # (N, 4, 48)
        m = F.max_pool1d(f, 3, 2, 1) + F.avg_pool1d(f, 3, 2, 1, count_include_pad=False)
        return torch.cat([F.adaptive_avg_pool1d(m, 5), F.adaptive_max_pool1d(m, 5)], 2) \
            + p[:, :, :1, :1].flatten(2)


class Losses(nn.Module):
    """A scalar sum of the functional losses on the input (float targets get no gradient
    here: they are buffers)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("t", torch.rand(4, 6))
        self.register_buffer("cls", torch.tensor([0, 3, 5, 1]))

    def forward(self, x):
        s = torch.sigmoid(x)
        return (F.mse_loss(x, self.t) + F.l1_loss(x, self.t, reduction="sum")
                + F.smooth_l1_loss(x, self.t, beta=0.5) + F.binary_cross_entropy(s, self.t)
                + F.binary_cross_entropy_with_logits(x, self.t) + F.cross_entropy(x, self.cls)
                + F.nll_loss(F.log_softmax(x, 1), self.cls) * 0.5
                + F.cross_entropy(x, self.cls, label_smoothing=0.1, reduction="sum"))


class Elementwise(nn.Module):
    """sqrt, rsqrt, exp, log, abs, square, reciprocal, clamp (functions and methods)."""

    def forward(self, x):
        p = x * x + 0.5
        return (torch.sqrt(p) + p.rsqrt() + torch.exp(x * 0.5) + p.log() + x.abs()
                + torch.square(x) * 0.1 + torch.reciprocal(p) + x.clamp(-0.5, 0.7)
                + torch.clamp(x, min=0.2) + x.clip(max=-0.1))


class ChannelsFirstLayerNorm(nn.Module):
    """The ConvNeXt authors' LayerNorm (facebookresearch/ConvNeXt, models/convnext.py) with
    its 'channels_first' branch: mean, pow, sqrt over the channel dim, weight[:, None, None]."""

    def __init__(self, normalized_shape, eps=1e-6, data_format="channels_first"):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(normalized_shape) + 0.3 * torch.randn(normalized_shape))
        self.bias = nn.Parameter(0.3 * torch.randn(normalized_shape))
        self.eps = eps
        self.data_format = data_format
        self.normalized_shape = (normalized_shape, )

    def forward(self, x):
        if self.data_format == "channels_last":
            return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        x = self.weight[:, None, None] * x + self.bias[:, None, None]
        return x


class AuthorsConvNeXtBlock(nn.Module):
    """The ConvNeXt authors' Block: dwconv, permute, LayerNorm, pwconv1, GELU, pwconv2, gamma,
    permute back, input + drop_path(x) (drop_path 0: nn.Identity), after a channels-first LN."""

    def __init__(self, dim=8):
        super().__init__()
        self.stem_norm = ChannelsFirstLayerNorm(dim)
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = ChannelsFirstLayerNorm(dim, data_format="channels_last")
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(0.5 * torch.ones((dim)), requires_grad=True)
        self.drop_path = nn.Identity()

    def forward(self, x):
        x = self.stem_norm(x)
        input = x
        x = self.dwconv(x)
        x = x.permute(0, 2, 3, 1)
        x = self.norm(x)
        x = self.pwconv2(self.act(self.pwconv1(x)))
        if self.gamma is not None:
            x = self.gamma * x
        x = x.permute(0, 3, 1, 2)
        return input + self.drop_path(x)


MODELS = {m.__name__: m for m in (Convs, Norms, Shapes, Losses, Elementwise, AuthorsConvNeXtBlock)}
_SHAPES = {"Convs": (2, 3, 8, 8), "Norms": (3, 4, 5, 6), "Shapes": (2, 4, 6, 6), "Losses": (4, 6),
           "Elementwise": (3, 5, 7), "AuthorsConvNeXtBlock": (2, 8, 6, 6)}
_REDUCTION = {"Convs": 64, "Norms": 90, "Shapes": 9, "Losses": 24, "Elementwise": 1,
              "AuthorsConvNeXtBlock": 72}

SPEC = ParitySpec(
    name="FxFunctional",
    torch_module=lambda c: MODELS[c.params["model"]](),
    numpy_module="from_torch",
    cases=[Case(name, dict(model=name), (_SHAPES[name],), steps=2) for name in MODELS],
    train_eval_differ=True,
    # Parameter gradients sum unit-size upstream terms that cancel (a bias gradient of 0.03
    # from 16 normal values): the floor takes the terms' size (Terms, tolerance policy).
    reduction=lambda c, t: Terms(_REDUCTION[c.params["model"]], 1.0),
    kink=lambda x, c: np.abs(x) < 1e-3,
    description="torch.nn.functional called in a traced forward, parameters passed in",
    options={"models": ", ".join(MODELS), "steps": "2 (F.batch_norm's buffers)",
             "mode": "train, eval"},
)
