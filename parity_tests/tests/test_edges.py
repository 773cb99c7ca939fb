"""Numerical and shape edges behave like torch: NaN/Inf propagation, -inf in softmax,
large logits, zero-size batch, 1x1 spatial input.

Each test builds the torch layer, converts it with ``from_torch`` (same parameters), runs
forward and backward in float64 on both sides and requires the same numbers (NaN where
torch has NaN) within float64 reordering (rtol 1e-10).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import numpy_layers as nl


def _both(tmod, x: np.ndarray, *extra, train: bool = True):
    """(numpy output, torch output, numpy grads, torch grads) in float64."""
    tmod = tmod.double().train(train)
    nmod = nl.from_torch(tmod)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = tmod(xt, *[torch.from_numpy(e) for e in extra])
    yn = nmod(x, *extra)
    dy = np.ones(tuple(yt.shape)) if yt.dim() == 0 else \
        np.random.default_rng(0).standard_normal(tuple(yt.shape))
    yt.backward(torch.from_numpy(dy))
    gn = nmod.backward(dy if yt.dim() else None)
    gn = gn[0] if isinstance(gn, tuple) else gn
    grads_t = {k: p.grad.numpy() for k, p in tmod.named_parameters() if p.grad is not None}
    grads_n = {k: g for k, g in nmod.named_grads() if g is not None}
    return yn, yt.detach().numpy(), (gn, grads_n), (xt.grad.numpy(), grads_t)


def _close(a, b, what):
    assert np.shape(a) == np.shape(b), f"{what}: shape {np.shape(a)} vs torch {np.shape(b)}"
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=True, err_msg=what)


def _assert_same(tmod, x, *extra, train=True):
    yn, yt, (gn, pn), (gt, pt) = _both(tmod, x, *extra, train=train)
    _close(yn, yt, "output")
    _close(gn, gt, "grad_input")
    assert pn.keys() == pt.keys()
    for k in pt:
        _close(pn[k], pt[k], f"grad_{k}")


SPECIALS = np.array([[np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1e30, -1e30]])
ELEMENTWISE = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid",
               "Tanh", "Hardswish", "Hardsigmoid", "Softplus"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_forward_propagates_nan_and_inf_like_torch(name):
    t = getattr(torch.nn, name)().double()
    yn = nl.from_torch(t)(SPECIALS.copy())
    _close(yn, t(torch.from_numpy(SPECIALS.copy())).numpy(), f"{name} output")


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_gradient_at_nan_is_nan_like_torch(name):
    # 64 elements: torch's SIMD loop, which most elements of a real tensor take (torch's
    # scalar tail disagrees at NaN for ReLU6/ELU/SELU/Hardswish: functional/activation.py).
    x = np.linspace(-4, 7, 64)[None]
    x[0, :8] = np.nan
    _assert_same(getattr(torch.nn, name)(), x)


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_with_minus_inf_and_an_all_minus_inf_row(name):
    x = np.array([[0.0, -np.inf, 1.0, 2.0], [-np.inf] * 4, [1e300, 0.0, -1e300, 5.0]])
    t = getattr(torch.nn, name)(dim=1)
    yn, yt, _, _ = _both(t, x)
    _close(yn, yt, f"{name} output")


@pytest.mark.parametrize("scale", [1e2, 1e4, 1e30])
def test_cross_entropy_with_huge_logits_stays_finite(scale):
    x = np.random.default_rng(0).standard_normal((4, 5)) * scale
    target = np.array([0, 3, 1, 4])
    yn, yt, (gn, _), (gt, _) = _both(torch.nn.CrossEntropyLoss(), x, target)
    assert np.isfinite(yn) and np.isfinite(gn).all()
    _close(yn, yt, "loss")
    _close(gn, gt, "grad_input")


def test_max_pool_propagates_nan_like_torch():
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    x[0, 0, 1, 1] = np.nan
    x[0, 1, 3, 0] = np.nan
    _assert_same(torch.nn.MaxPool2d(2), x)


ZERO_BATCH = [
    ("Conv2d", lambda: torch.nn.Conv2d(3, 4, 3, padding=1), (0, 3, 5, 5), True),
    ("MaxPool2d", lambda: torch.nn.MaxPool2d(2), (0, 3, 4, 4), True),
    ("AvgPool2d", lambda: torch.nn.AvgPool2d(2), (0, 3, 4, 4), True),
    ("Linear", lambda: torch.nn.Linear(5, 3), (0, 5), True),
    ("ReLU", torch.nn.ReLU, (0, 5), True),
    ("Softmax", lambda: torch.nn.Softmax(dim=1), (0, 5), True),
    ("LayerNorm", lambda: torch.nn.LayerNorm(5), (0, 5), True),
    ("GroupNorm", lambda: torch.nn.GroupNorm(2, 4), (0, 4, 3, 3), True),
    ("Flatten", torch.nn.Flatten, (0, 3, 2, 2), True),
    ("Dropout", torch.nn.Dropout, (0, 5), True),
    ("BatchNorm2d-eval", lambda: torch.nn.BatchNorm2d(3), (0, 3, 4, 4), False),
]


@pytest.mark.parametrize("name,make,shape,train", ZERO_BATCH, ids=[z[0] for z in ZERO_BATCH])
def test_zero_size_batch_like_torch(name, make, shape, train):
    _assert_same(make(), np.zeros(shape), train=train)


ONE_BY_ONE = [
    ("Conv2d-1x1", lambda: torch.nn.Conv2d(3, 4, 1), (2, 3, 1, 1)),
    ("Conv2d-3x3-pad1", lambda: torch.nn.Conv2d(3, 4, 3, padding=1), (2, 3, 1, 1)),
    ("MaxPool2d", lambda: torch.nn.MaxPool2d(1), (2, 3, 1, 1)),
    ("AvgPool2d-pad", lambda: torch.nn.AvgPool2d(3, 1, 1), (2, 3, 1, 1)),
    ("BatchNorm2d", lambda: torch.nn.BatchNorm2d(3), (2, 3, 1, 1)),
    ("GroupNorm", lambda: torch.nn.GroupNorm(3, 3), (2, 3, 1, 1)),
    ("LocalResponseNorm", lambda: torch.nn.LocalResponseNorm(3), (2, 3, 1, 1)),
]


@pytest.mark.parametrize("name,make,shape", ONE_BY_ONE, ids=[o[0] for o in ONE_BY_ONE])
def test_one_by_one_spatial_input_like_torch(name, make, shape):
    x = np.random.default_rng(3).standard_normal(shape)
    _assert_same(make(), x)


@pytest.mark.parametrize("name, make", [
    ("winograd", lambda: torch.nn.Conv2d(32, 32, 3, padding=1)),
    ("gemm", lambda: torch.nn.Conv2d(4, 6, 3, stride=2, padding=1)),
    ("pointwise", lambda: torch.nn.Conv2d(4, 6, 1)),
    ("depthwise", lambda: torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)),
])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_conv_gradients_of_a_non_finite_upstream_gradient(name, make, bad):
    """NaN or +-inf in dy: dx, dW and db have torch's NaN and inf positions and values on
    every conv path (the Winograd path hands such a dy to the gemm path: its sums would
    turn inf - inf into NaN), and nothing warns."""
    tmod = make().double()
    nmod = nl.from_torch(tmod)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, tmod.in_channels, 8, 8))
    y = nmod(x)
    dy = rng.standard_normal(y.shape)
    dy[0, 0, 3, 3], dy[1, 1, 0, 0] = bad, -bad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx = nmod.backward(dy)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    tmod(xt).backward(torch.from_numpy(dy))
    _close(dx, xt.grad.numpy(), f"{name}: dx")
    for (key, g), (_, p) in zip(nmod.named_grads(), tmod.named_parameters()):
        _close(g, p.grad.numpy(), f"{name}: grad of {key}")

