"""``from_torch`` on models written the way public repositories, tutorials and torchvision
write them (``wild_classic``, ``wild_modern``, ``wild_recent``, ``wild_idioms``): float64
and float32, train and eval, every output, input gradient, parameter gradient and
state_dict entry against torch (``wild_check.check_model``); and the idioms that cannot
be converted, refused with a message naming the operation and where it is."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import numpy_layers as nl
from numpy_layers.convert import ConversionError
from parity_tests.tests import wild_classic as C
from parity_tests.tests import wild_idioms as I
from parity_tests.tests import wild_modern as Mo
from parity_tests.tests import wild_recent as R
from parity_tests.tests.wild_check import check_model
from parity_tests.twins import classic as tw_classic
from parity_tests.twins import resnet as tw_resnet

IMG = (2, 3, 32, 32)
MODELS = {
    "cifar_net_view": (lambda: C.CifarNet("view"), [IMG]),
    "lenet_functional_dropout": (C.LeNet, [(2, 1, 28, 28)]),
    "densenet_functional_dropout": (lambda: C.DenseNet(drop_rate=0.3), [IMG]),
    "cifar_net_flatten": (lambda: C.CifarNet("flatten"), [IMG]),
    "alexnet": (lambda: tw_classic.AlexNet(10, width_mult=1 / 8), [(2, 3, 64, 64)]),
    "vgg_bn": (lambda: tw_classic.VGG(tw_classic.make_layers([8, "M", 16, "M", 16, 16, "M"], True),
                                      10, width=16, hidden=24), [IMG]),
    "nin": (C.NiN, [IMG]),
    "resnet_basic": (lambda: tw_resnet.ResNet(tw_resnet.BasicBlock, [2, 1, 1, 1], 10, width=4),
                     [IMG]),
    "resnet_bottleneck": (lambda: tw_resnet.ResNet(tw_resnet.Bottleneck, [1, 1, 1, 1], 10,
                                                   width=2), [IMG]),
    "densenet": (C.DenseNet, [IMG]),
    "squeezenet": (C.SqueezeNet, [IMG]),
    "googlenet_aux": (Mo.GoogLeNet, [IMG]),
    "shufflenet_v2": (Mo.ShuffleNetV2, [IMG]),
    "mobilenet_v1": (Mo.MobileNetV1, [IMG]),
    "mobilenet_v2_v3": (Mo.MobileNetV23, [IMG]),
    "efficientnet": (R.EfficientNetTiny, [IMG]),
    "convnext": (R.ConvNeXtTiny, [IMG]),
    "unet_bilinear": (R.UNet, [(2, 3, 30, 30)]),
    "unet_transposed": (lambda: R.UNet(bilinear=False), [(2, 3, 30, 30)]),
    "shape_idioms": (I.ShapeIdioms, [(2, 3, 8, 8)]),
    "inplace_idioms": (I.InplaceIdioms, [(2, 3, 8, 8)]),
    "bn_relu_read_twice": (I.BnReluReadTwice, [(2, 3, 8, 8)]),
    "reductions": (I.Reductions, [(2, 3, 8, 8)]),
    "containers_dict_output": (I.Containers, [(2, 3, 8, 8)]),
    "two_inputs_tuple_output": (I.TwoInputs, [(2, 3, 9, 9), (2, 3, 9, 9)]),
    "max_min": (I.MaxMin, [(2, 3, 6, 6)]),
    "setitem_head": (I.DetectHead, [(2, 3, 6, 6)]),
    "non_local_algebra": (I.NonLocal, [(2, 4, 5, 5)]),
    "tied_weights_no_grad": (I.TiedNoGrad, [(4, 6)]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_matches_torch(name):
    make, shapes = MODELS[name]
    check_model(make, *shapes)


def test_functional_dropout_in_training_draws_from_the_graph_rng():
    """Before: refused in training (a model with F.dropout could not be trained)."""
    n = nl.from_torch(C.LeNet().double().train())
    n.rng = np.random.default_rng(0)
    x = np.random.default_rng(1).standard_normal((2, 1, 28, 28))
    a, b = n(x), n(x)
    assert not np.allclose(a, b)                       # two masks
    n.eval()
    np.testing.assert_array_equal(n(x), n(x))


def test_dict_output_takes_a_dict_of_gradients_and_rejects_others():
    n = nl.from_torch(I.Containers().double())
    y = n(np.random.default_rng(0).standard_normal((2, 3, 8, 8)))
    gx = n.backward({"box": np.ones_like(y["box"])})            # a missing key: no gradient
    assert gx.shape == (2, 3, 8, 8) and np.any(gx)
    assert dict(n.named_grads())["heads.cls.weight"] is None or \
        not np.any(dict(n.named_grads())["heads.cls.weight"])
    n(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"dict with keys \['box', 'cls'\]"):
        n.backward(np.ones((2, 5)))


def test_size_iteration_names_the_line_it_cannot_trace():
    with pytest.raises(ConversionError, match=r"(?s)could not trace .*BlitzNet: TraceError: "
                                              r"Proxy object cannot be iterated.*\n"
                                              r"at .*wild_classic.py:\d+ in num_flat_features: "
                                              r"for s in size:"):
        nl.from_torch(C.BlitzNet())


def test_star_unpacked_size_names_the_line_and_what_to_write():
    with pytest.raises(ConversionError, match=r"(?s)at .*wild_idioms.py:\d+ in forward: "
                                              r"y = y.view\(batch_size, self.inter, \*x.size\(\)"
                                              r"\[2:\]\)\n.*name the dims instead"):
        nl.from_torch(I.NonLocal(star=True))


def test_tied_weights_are_one_parameter_as_in_torch():
    t = I.TiedNoGrad()
    n = nl.from_torch(t)
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert "dec2.weight" not in dict(n.named_grads()) and "dec2.weight" in n.state_dict()
    assert n.dec2.weight is n.enc.weight


def test_stochastic_depth_in_training_names_the_op_and_the_module():
    check_model(lambda: R.EfficientNetTiny(drop_path_rate=0.2), IMG, modes=("eval",),
                dtypes=(np.float64,))
    with pytest.raises(ConversionError, match=r"torch.rand \(call_function\): 2 uses "
                                              r"\(rand in blocks.0.drop_path, "
                                              r"rand_1 in blocks.2.drop_path\)"):
        nl.from_torch(R.EfficientNetTiny(drop_path_rate=0.2).train())
    n = nl.from_torch(R.EfficientNetTiny(drop_path_rate=0.2).eval()).train()
    with pytest.raises(ConversionError, match=r"(?s)forward of EfficientNetTiny depends on "
                                              r"self.training and could not be converted in "
                                              r"training mode \(it was converted in eval mode\)"
                                              r":\n.*torch.rand"):
        n(np.zeros(IMG, np.float32))


class _Conv(nn.Module):
    def __init__(self, forward) -> None:
        super().__init__()
        self.conv, self.relu, self.fwd = nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True), forward
        self.register_buffer("ema", torch.zeros(4, 1, 1))

    def forward(self, x):
        return self.fwd(self, x)


def _relu_on_a_slice(m, x):
    y = m.conv(x)
    m.relu(y[:, :2])                  # torch: y's first two channels change too
    return y


def _mul_on_a_view(m, x):
    y = m.conv(x)
    y.view(y.size(0), -1).mul_(2)     # torch: y doubles
    return y


def _view_read_after(m, x):
    y = m.conv(x)
    v = y.flatten(1)
    y.add_(1)                         # torch: v sees the +1
    return v


def _buffer_update(m, x):
    y = m.conv(x)
    m.ema.mul_(0.9).add_(y.detach().mean((0, 2, 3), keepdim=True))
    return y + m.ema


@pytest.mark.parametrize("fwd,what", [
    (_relu_on_a_slice, r"relu: .*ReLU \(relu\) writes in place into operator.getitem \(getitem\), "
                       r"which shares memory with conv: .*Conv2d \(conv\)"),
    (_mul_on_a_view, r"Tensor.mul_ \(mul_\) writes in place into Tensor.view"),
    (_view_read_after, r"Tensor.add_ \(add_\) writes in place into conv.*shares memory with "
                       r"Tensor.flatten \(flatten\)"),
    (_buffer_update, r"Tensor.add_ writes in place into parameter or buffer ema"),
])
def test_in_place_ops_torch_would_show_elsewhere_are_refused(fwd, what):
    """Before: converted, and gave other numbers than torch (or lost the buffer update)."""
    with pytest.raises(ConversionError, match=what):
        nl.from_torch(_Conv(fwd))


def test_in_place_ops_nothing_else_sees_still_convert():
    def fwd(m, x):
        y = m.conv(x).flatten(1)
        y.mul_(2)                         # y's base is not read again
        z = m.relu(m.conv(x)[:, 1:])      # nor is this slice's
        return y.sum(1) + z.sum((1, 2, 3)) + F.relu(x * 1, inplace=True).sum((1, 2, 3))
    check_model(lambda: _Conv(fwd), (2, 3, 5, 5), dtypes=(np.float64,))


def test_an_error_inside_a_module_names_where_it_is():
    """Before: the module's own message only ("Conv2d: ..."), not where in the model."""
    n = nl.from_torch(tw_resnet.ResNet(tw_resnet.BasicBlock, [1, 1, 1, 1], 10, width=4))
    n.layer1._modules["0"].conv1.weight = np.zeros((4, 5, 3, 3), np.float32)   # a wrong weight
    with pytest.raises(ValueError, match=r"GraphModule\(ResNet\): node layer1_0_conv1 "
                                         r"\(layer1.0.conv1: torch.nn.modules.conv.Conv2d\): "
                                         r"Conv2d: given groups=1"):
        n(np.zeros((2, 3, 32, 32), np.float32))
