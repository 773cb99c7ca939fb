"""The classic networks at their standard sizes: torchvision's parameter counts and
state_dict names pinned, resnet18 on 1x3x224x224 against torch (float32, through the
tolerance policy), default dropout in eval mode, GoogLeNet's auxiliary heads' gradients,
and the blocks' argument errors."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from numpy_layers.blocks import BasicBlock, Bottleneck, InvertedResidual
from numpy_layers.models.googlenet import GoogLeNet
from numpy_layers.models.mobilenet_v2 import MobileNetV2
from numpy_layers.models.resnet import resnet18
from parity_tests.harness.compare import compare
from parity_tests.twins import googlenet as tw_googlenet
from parity_tests.twins import mobilenet as tw_mobilenet
from parity_tests.twins import resnet as tw_resnet

# torchvision's published parameter counts (GoogLeNet without its auxiliary heads).
STANDARD = {
    "resnet18": (lambda: resnet18(), 11_689_512, 122,
                 ["conv1.weight", "bn1.running_var", "layer1.0.conv1.weight",
                  "layer2.0.downsample.0.weight", "layer2.0.downsample.1.num_batches_tracked",
                  "layer4.1.bn2.bias", "fc.weight", "fc.bias"]),
    "mobilenet_v2": (lambda: MobileNetV2(), 3_504_872, 314,
                     ["features.0.0.weight", "features.1.conv.0.0.weight",
                      "features.1.conv.1.weight", "features.1.conv.2.running_mean",
                      "features.2.conv.0.0.weight", "features.17.conv.3.bias",
                      "features.18.0.weight", "classifier.1.weight"]),
    "googlenet": (lambda: GoogLeNet(), 6_624_904, None,
                  ["conv1.conv.weight", "conv1.bn.running_var", "conv3.bn.weight",
                   "inception3a.branch1.conv.weight", "inception3a.branch2.1.bn.running_var",
                   "inception5b.branch4.1.conv.weight", "fc.weight"]),
}


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_standard_sizes_match_torchvision(name):
    build, n_params, n_keys, keys = STANDARD[name]
    m = build()
    assert sum(p.size for p in m.parameters()) == n_params
    sd = m.state_dict()
    if n_keys is not None:
        assert len(sd) == n_keys
    for k in keys:
        assert k in sd, k
    assert all(v.dtype in (np.float32, np.int64) for v in sd.values())


@pytest.mark.parametrize("name,twin", [
    ("resnet18", lambda: tw_resnet.resnet18()),
    ("mobilenet_v2", lambda: tw_mobilenet.MobileNetV2()),
    ("googlenet", lambda: tw_googlenet.GoogLeNet(aux_logits=False)),
])
def test_twin_names_and_shapes_match(name, twin):
    ours = STANDARD[name][0]().state_dict()
    theirs = twin().state_dict()
    assert list(ours) == list(theirs)
    assert all(ours[k].shape == tuple(v.shape) for k, v in theirs.items())


def test_resnet18_224_float32_against_torch():
    """One full-size train-mode step: output, input gradient and parameter gradients of
    NumPy float32 within the tolerance policy of torch float32 (truth: torch float64)."""
    torch.manual_seed(0)
    t32 = tw_resnet.resnet18()
    t64 = copy.deepcopy(t32).double()
    n = resnet18()
    n.load_state_dict({k: v.numpy() for k, v in t32.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    dy = rng.standard_normal((1, 1000)).astype(np.float32)
    xs = [torch.tensor(x.astype(d), requires_grad=True) for d in (np.float32, np.float64)]
    ys = [m(xt) for m, xt in zip((t32, t64), xs)]
    for y, d in zip(ys, (np.float32, np.float64)):
        y.backward(torch.tensor(dy.astype(d)))
    y = n(x)
    dx = n.backward(dy)
    assert y.dtype == np.float32 and dx.dtype == np.float32
    red = max(512 * 9, 112 * 112) * 18
    rows = [compare("output", y, ys[1].detach().numpy(), np.dtype(np.float32),
                    torch_value=ys[0].detach().numpy(), reduction=red),
            compare("grad_input", dx, xs[1].grad.numpy(), np.dtype(np.float32),
                    torch_value=xs[0].grad.numpy(), reduction=red)]
    grads, p64 = dict(n.named_grads()), dict(t64.named_parameters())
    for k, p in t32.named_parameters():
        rows.append(compare("grad_" + k, grads[k], p64[k].grad.numpy(), np.dtype(np.float32),
                            torch_value=p.grad.numpy(), reduction=red))
    failed = [r.message for r in rows if not r.passed]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("build_np,build_torch", [
    (lambda: MobileNetV2(num_classes=10, width_mult=0.5, dtype=np.float64),
     lambda: tw_mobilenet.MobileNetV2(num_classes=10, width_mult=0.5)),
    (lambda: GoogLeNet(num_classes=10, width=16, dtype=np.float64),
     lambda: tw_googlenet.GoogLeNet(num_classes=10, aux_logits=False, width=16)),
])
def test_default_dropout_is_identity_in_eval(build_np, build_torch):
    """Default dropout (0.2) in eval mode: the same outputs and input gradients as torch."""
    t = build_torch().double().eval()
    n = build_np()
    n.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    n.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 64, 64))
    xt = torch.tensor(x, requires_grad=True)
    yt = t(xt)
    dy = np.random.default_rng(2).standard_normal(yt.shape)
    yt.backward(torch.tensor(dy))
    y = n(x)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(n.backward(dy), xt.grad.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("which", ["all", "logits only", "aux1 left out"])
def test_googlenet_aux_heads_forward_and_backward(which):
    """Training with aux heads returns (logits, aux2, aux1) like torchvision; gradients given
    for any subset of the three match torch (float64), and a head left out gets None."""
    kw = dict(num_classes=6, aux_logits=True, dropout=0.0, dropout_aux=0.0, width=8)
    t = tw_googlenet.GoogLeNet(init_weights=False, **kw).double()
    n = GoogLeNet(dtype=np.float64, **kw)
    n.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 96, 96))
    xt = torch.tensor(x, requires_grad=True)
    yt, y = t(xt), n(x)
    assert type(y).__name__ == "GoogLeNetOutputs" and y._fields == yt._fields
    for a, b in zip(y, yt):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-7, atol=1e-10)
    rng = np.random.default_rng(1)
    d = [rng.standard_normal(a.shape) for a in y]
    keep = {"all": (0, 1, 2), "logits only": (0,), "aux1 left out": (0, 1)}[which]
    torch.autograd.backward([yt[i] for i in keep], [torch.tensor(d[i]) for i in keep])
    dx = n.backward(d[0] if keep == (0,) else tuple(d[i] if i in keep else None for i in range(3)))
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-6, atol=1e-11)
    grads = dict(n.named_grads())
    for k, p in t.named_parameters():
        if p.grad is None:
            assert grads[k] is None, k
        else:
            np.testing.assert_allclose(grads[k], p.grad.numpy(), rtol=1e-6, atol=1e-10,
                                       err_msg=k)
    n.eval()
    assert isinstance(n(x), np.ndarray)


def test_dropout_is_active_in_train_mode():
    """Train mode with dropout 0.5: two forwards of one input differ (masks are drawn)."""
    n = MobileNetV2(num_classes=4, width_mult=0.25, dropout=0.5, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32))
    assert not np.allclose(n(x), n(x))
    n.eval()
    np.testing.assert_array_equal(n(x), n(x))


def test_initialisation_follows_torchvision():
    """Weight distributions of torchvision's init (the parity runs copy torch's weights, so
    only these tests see the NumPy side's own init)."""
    rng = np.random.default_rng(0)
    r = resnet18(width=32, zero_init_residual=True, rng=rng)
    w = r.layer3[0].conv2.weight                                  # (128, 128, 3, 3)
    assert abs(w.std() / np.sqrt(2.0 / (128 * 9)) - 1) < 0.05 and abs(w.mean()) < 0.01
    assert np.all(r.layer1[0].bn2.weight == 0) and np.all(r.layer1[0].bn1.weight == 1)
    g = GoogLeNet(width=32, rng=rng)
    for w in (g.inception4a.branch2[1].conv.weight, g.fc.weight):
        assert abs(w.std() / 0.01 - 1) < 0.05
    m = MobileNetV2(width_mult=0.5, rng=rng)
    assert abs(m.classifier[1].weight.std() / 0.01 - 1) < 0.05
    assert np.all(m.classifier[1].bias == 0)
    w = m.features[18][0].weight                                  # (1280, 160, 1, 1)
    assert abs(w.std() / np.sqrt(2.0 / 1280) - 1) < 0.05


def test_block_and_model_argument_errors():
    with pytest.raises(ValueError, match="BasicBlock only supports groups=1"):
        BasicBlock(4, 4, groups=2)
    with pytest.raises(NotImplementedError, match="Dilation > 1"):
        BasicBlock(4, 4, dilation=2)
    with pytest.raises(ValueError, match="stride should be 1 or 2"):
        InvertedResidual(4, 4, 3, 6)
    with pytest.raises(ValueError, match="inverted_residual_setting"):
        MobileNetV2(inverted_residual_setting=[[1, 16, 1]])
    x = np.zeros((2, 8, 6, 6), np.float32)
    with pytest.raises(ValueError, match="Bottleneck: the shortcut gives shape"):
        Bottleneck(8, 4)(x)                     # 8 -> 16 channels without a downsample
    with pytest.raises(TypeError, match="BasicBlock"):
        BasicBlock(8, 8)(x.astype(np.int32))
