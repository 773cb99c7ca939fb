"""The classic blocks and networks beyond the parity matrix: state_dict keys pinned to
torchvision's (and the reference codes') names, bad input rejected with the block named,
ChannelShuffle's contract, VGG's weight initialisation, DenseLayer's dropout mask."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import numpy_layers as nl
from numpy_layers.blocks import (DenseBlock, DenseLayer, DepthwiseSeparableConv, Fire,
                                 GhostModule, MBConv, NiNBlock, ShuffleNetV2Block,
                                 SqueezeExcitation, Transition, VGGBlock)
from numpy_layers.models.alexnet import AlexNet
from numpy_layers.models.lenet import LeNet5
from numpy_layers.models.nin import NiN
from numpy_layers.models.vgg import vgg11

BN = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")


def _weights(prefix: str, idx, bias: bool = True) -> list[str]:
    return [f"{prefix}{i}.{k}" for i in idx for k in (("weight", "bias") if bias else ("weight",))]


def _bn(prefix: str) -> list[str]:
    return [f"{prefix}.{k}" for k in BN]


# Keys as torchvision (or GhostNet's / d2l's reference code) names them, written out by hand.
KEYS = {
    "vgg11": (lambda: vgg11(width_mult=1 / 16),
              _weights("features.", (0, 3, 6, 8, 11, 13, 16, 18))
              + _weights("classifier.", (0, 3, 6))),
    "vgg11_bn": (lambda: vgg11(True, width_mult=1 / 16),
                 [k for i, j in zip((0, 4, 8, 11, 15, 18, 22, 25), (1, 5, 9, 12, 16, 19, 23, 26))
                  for k in _weights("features.", (i,)) + _bn(f"features.{j}")]
                 + _weights("classifier.", (0, 3, 6))),
    "alexnet": (lambda: AlexNet(10, width_mult=1 / 16),
                _weights("features.", (0, 3, 6, 8, 10)) + _weights("classifier.", (1, 4, 6))),
    "nin": (lambda: NiN(width_mult=1 / 16),
            [k for b in (0, 2, 4, 7) for k in _weights(f"{b}.", (0, 2, 4))]),
    "lenet5": (lambda: LeNet5(), _weights("features.", (0, 3)) + _weights("classifier.", (0, 2, 4))),
    "fire": (lambda: Fire(8, 2, 4, 4), _weights("", ("squeeze", "expand1x1", "expand3x3"))),
    "se": (lambda: SqueezeExcitation(8, 2), _weights("", ("fc1", "fc2"))),
    "mbconv_e6": (lambda: MBConv(8, 8, expand_ratio=6),
                  ["block.0.0.weight"] + _bn("block.0.1") + ["block.1.0.weight"] + _bn("block.1.1")
                  + _weights("block.2.", ("fc1", "fc2")) + ["block.3.0.weight"]
                  + _bn("block.3.1")),
    "mbconv_e1": (lambda: MBConv(16, 8, expand_ratio=1),
                  ["block.0.0.weight"] + _bn("block.0.1") + _weights("block.1.", ("fc1", "fc2"))
                  + ["block.2.0.weight"] + _bn("block.2.1")),
    "ghost": (lambda: GhostModule(4, 8),
              ["primary_conv.0.weight"] + _bn("primary_conv.1") + ["cheap_operation.0.weight"]
              + _bn("cheap_operation.1")),
    "denseblock": (lambda: DenseBlock(2, 4, 2, 3),
                   [k for i in (1, 2) for k in _bn(f"denselayer{i}.norm1")
                    + [f"denselayer{i}.conv1.weight"] + _bn(f"denselayer{i}.norm2")
                    + [f"denselayer{i}.conv2.weight"]]),
    "transition": (lambda: Transition(8, 4), _bn("norm") + ["conv.weight"]),
    "shufflenet_s2": (lambda: ShuffleNetV2Block(4, 8, 2),
                      ["branch1.0.weight"] + _bn("branch1.1") + ["branch1.2.weight"]
                      + _bn("branch1.3") + ["branch2.0.weight"] + _bn("branch2.1")
                      + ["branch2.3.weight"] + _bn("branch2.4") + ["branch2.5.weight"]
                      + _bn("branch2.6")),
    "depthwise_separable": (lambda: DepthwiseSeparableConv(4, 8),
                            ["0.weight"] + _bn("1") + ["3.weight"] + _bn("4")),
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_state_dict_keys_are_torchvisions(name):
    build, keys = KEYS[name]
    assert list(build().state_dict()) == keys


def test_full_size_shapes_match_torchvision():
    """A few full-size shapes (the width knob at 1 must give torchvision's network)."""
    feats = nl.blocks.VGGBlock(3, 64, 2).state_dict()
    assert feats["0.weight"].shape == (64, 3, 3, 3) and feats["2.weight"].shape == (64, 64, 3, 3)
    m = MBConv(16, 24, kernel=3, stride=2, expand_ratio=6)      # EfficientNet-B0 stage 2
    sd = m.state_dict()
    assert sd["block.0.0.weight"].shape == (96, 16, 1, 1)
    assert sd["block.1.0.weight"].shape == (96, 1, 3, 3)
    assert sd["block.2.fc1.weight"].shape == (4, 96, 1, 1)
    assert sd["block.3.0.weight"].shape == (24, 96, 1, 1)
    assert Fire(96, 16, 64, 64).state_dict()["expand3x3.weight"].shape == (64, 16, 3, 3)
    assert LeNet5().state_dict()["classifier.0.weight"].shape == (120, 400)


BAD_INPUT = [
    (lambda: VGGBlock(3, 4, 1), "VGGBlock"),
    (lambda: NiNBlock(3, 4, 3, 1, 1), "NiNBlock"),
    (lambda: DepthwiseSeparableConv(4, 4), "DepthwiseSeparableConv"),
    (lambda: Transition(4, 2), "Transition"),
    (lambda: NiN(width_mult=1 / 16), "NiN"),
    (lambda: vgg11(width_mult=1 / 16), "VGG"),
    (lambda: SqueezeExcitation(4, 2), "SqueezeExcitation"),
    (lambda: MBConv(4, 4), "MBConv"),
    (lambda: GhostModule(4, 8), "GhostModule"),
    (lambda: Fire(4, 2, 2, 2), "Fire"),
    (lambda: DenseLayer(4, 2, 2), "DenseLayer"),
    (lambda: DenseBlock(2, 4, 2, 2), "DenseBlock"),
    (lambda: ShuffleNetV2Block(4, 4, 1), "ShuffleNetV2Block"),
    (lambda: LeNet5(), "LeNet5"),
    (lambda: AlexNet(width_mult=1 / 16), "AlexNet"),
    (lambda: nl.ChannelShuffle(2), "ChannelShuffle"),
]


@pytest.mark.parametrize("build,name", BAD_INPUT, ids=[n for _, n in BAD_INPUT])
def test_bad_input_names_the_block(build, name):
    m = build()
    with pytest.raises(ValueError, match=name):
        m(np.ones((4, 5), np.float32))                       # 2-D: no channels / spatial dims
    with pytest.raises(TypeError, match=name):
        m(np.ones((1, 4, 8, 8), np.int64))
    with pytest.raises(TypeError, match=name):
        m([[1.0]])


@pytest.mark.parametrize("build,msg", [
    (lambda: VGGBlock(3, 4, 0), "num_convs"),
    (lambda: MBConv(4, 4, stride=3), "stride"),
    (lambda: GhostModule(4, 8, ratio=1), "ratio"),
    (lambda: ShuffleNetV2Block(4, 8, 1), "stride 1"),
    (lambda: ShuffleNetV2Block(4, 8, 4), "stride"),
    (lambda: LeNet5(input_size=12), "input_size"),
    (lambda: DenseLayer(4, 2, 2, drop_rate=1.5), "DenseLayer"),
    (lambda: nl.ChannelShuffle(0), "positive"),
])
def test_bad_configuration_is_rejected(build, msg):
    with pytest.raises((ValueError, TypeError), match=msg):
        build()


def test_channel_shuffle_contract():
    sig = [(p.name, p.default) for p in
           inspect.signature(nl.ChannelShuffle.__init__).parameters.values() if p.name != "self"]
    assert sig == [("groups", inspect.Parameter.empty)]
    assert repr(nl.ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3))
    t = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 1), torch.nn.ChannelShuffle(3))
    n = nl.from_torch(t)
    assert isinstance(n[1], nl.ChannelShuffle) and n[1].groups == 3
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(n(x), t(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    # Independent statement of the permutation: output channel j*g + i is input i*(C/g) + j.
    y = nl.functional.channel_shuffle(np.arange(12.0).reshape(1, 12, 1), 3)
    assert y.ravel().tolist() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]
    for shape, g in (((2, 5, 3, 3), 2), ((4, 6), 2)):
        with pytest.raises(RuntimeError):
            torch.nn.ChannelShuffle(g)(torch.ones(shape))
        with pytest.raises(ValueError, match="ChannelShuffle"):
            nl.ChannelShuffle(g)(np.ones(shape, np.float32))


def test_vgg_init_weights_follow_torchvision():
    m = vgg11(width_mult=1 / 4, num_classes=10, rng=np.random.default_rng(0))
    sd = m.state_dict()
    w = sd["features.13.weight"]                               # (128, 128, 3, 3)
    assert abs(w.std() / np.sqrt(2.0 / (w.shape[0] * 9)) - 1) < 0.02
    assert not sd["features.13.bias"].any() and not sd["classifier.3.bias"].any()
    assert abs(sd["classifier.3.weight"].std() / 0.01 - 1) < 0.02
    bn = vgg11(True, width_mult=1 / 16).state_dict()
    assert (bn["features.1.weight"] == 1).all() and not bn["features.1.bias"].any()


def test_dense_layer_dropout_uses_one_mask_forward_and_backward():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 5, 5))
    plain = DenseLayer(4, 3, 2, dtype=np.float64)
    drop = DenseLayer(4, 3, 2, drop_rate=0.25, dtype=np.float64)
    drop.load_state_dict(plain.state_dict())
    mask = rng.random((2, 3, 5, 5)) > 0.25
    y0, y1 = plain(x), drop(x, mask=mask)
    np.testing.assert_allclose(y1, y0 * mask / 0.75, rtol=1e-12, atol=1e-14)
    dy = rng.standard_normal(y0.shape)
    np.testing.assert_allclose(drop.backward(dy), plain.backward(dy * mask / 0.75),
                               rtol=1e-10, atol=1e-12)
    free = DenseLayer(4, 3, 2, drop_rate=0.5, dtype=np.float64, rng=np.random.default_rng(1))
    zeros = (free(rng.standard_normal((8, 4, 6, 6))) == 0).mean()
    assert 0.4 < zeros < 0.6
    assert np.array_equal(free.eval()(x), free.train(False)(x))   # eval: deterministic


def test_block_used_twice_sums_gradients_like_torch():
    """A block called twice in one graph is walked back last-forward-first."""
    from parity_tests.twins import blocks as twin
    torch.manual_seed(0)
    t = twin.Fire(4, 2, 3, 3).double()
    n = Fire(4, 2, 3, 3, dtype=np.float64)
    n.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 5))
    xt = torch.from_numpy(x).requires_grad_(True)
    a, b = t(xt), t(xt * 2)
    (a * b).sum().backward()
    ya, yb = n(x), n(x * 2)
    gb = n.backward(ya)                                        # second call first
    ga = n.backward(yb)
    np.testing.assert_allclose(ga + 2 * gb, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    got = dict(n.named_grads())
    for k, p in t.named_parameters():
        np.testing.assert_allclose(got[k], p.grad.numpy(), rtol=1e-10, atol=1e-12)
