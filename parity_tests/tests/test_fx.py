"""``from_torch`` on models torch.fx traces: names, errors that list every unsupported
operation, untraceable control flow, in-place ops, dropout, repeated and unused calls.
Numbers are compared with torch float64 under the harness's tolerance policy (``compare``);
the case matrices themselves are the FxResNet and FxOps specs."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import numpy_layers as nl
from numpy_layers.convert import GraphModule
from parity_tests.tests.graph_check import check_graph, close, rand
from parity_tests.specs.fx_resnet import BasicBlock, HandResNet


def test_resnet_names_match_torch():
    t = HandResNet(4)
    n = nl.from_torch(t)
    assert isinstance(n, GraphModule)
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert [k for k, _ in n.named_grads()] == [k for k, _ in t.named_parameters()]
    assert list(n.state_dict()) == list(t.state_dict())
    assert "layer2.0.downsample.0.weight" in n.state_dict()
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(n.state_dict()[k], v.numpy())


def test_resnet_training_flag_and_buffers_after_a_step():
    t = HandResNet(4).double().eval()
    n = nl.from_torch(t)
    assert not n.training and not any(m.training for m in n.modules())
    t.train(), n.train()
    check_graph(t, rand(2, 3, 10, 10), n=n)
    for k, v in t.state_dict().items():
        close(k, n.state_dict()[k], v)


def test_custom_block_inside_sequential_converts():
    check_graph(nn.Sequential(nn.Conv2d(3, 4, 3), BasicBlock(4, 6, 2), nn.Flatten()), rand(2, 3, 9, 9))


def test_every_unsupported_operation_is_listed():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.act = nn.Softsign()

        def forward(self, x):
            y = torch.fft.fft(self.act(x)).cumsum(-1)
            return y + torch.topk(x, 2, dim=-1).values.sum() + torch.topk(y, 1).values.sum()

    with pytest.raises(ValueError) as info:
        nl.from_torch(Bad())
    msg = str(info.value)
    assert "Bad" in msg
    assert "torch.fft.fft (call_function): 1 use (fft_fft)" in msg
    assert "torch.topk (call_function): 2 uses (topk, topk_1)" in msg
    assert "module act: torch.nn.modules.activation.Softsign" in msg
    assert "Tensor.cumsum" in msg and "Tensor.values" in msg
    assert isinstance(info.value, TypeError)       # also what from_torch raised before


def test_data_dependent_control_flow_is_named():
    class Flow(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(ValueError, match=r"could not trace .*Flow: TraceError: symbolically "
                                         r"traced variables cannot be used as inputs to control flow"):
        nl.from_torch(Flow())


def test_tracing_leaves_the_torch_model_unchanged():
    class Const(nn.Module):
        def forward(self, x):
            return x * torch.tensor([1.0, 2.0, 3.0])

    m = Const()
    before = set(vars(m))
    n = nl.from_torch(m)
    assert set(vars(m)) == before
    x = rand(2, 3)
    close("output", n(x), m.double()(torch.tensor(x)))


def test_in_place_ops_match_torch():
    class InPlace(nn.Module):
        def __init__(self):
            super().__init__()
            self.relu = nn.ReLU(inplace=True)

        def forward(self, x):
            y = x * 2
            y.add_(1)                  # y is now 2x + 1
            z = self.relu(y)           # and y itself holds relu(2x + 1), as z does
            return z * x + y + F.relu(x - 1, inplace=True)

    check_graph(InPlace(), rand(4, 5))


def test_repeated_and_unused_module_calls():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 3, padding=1)

        def forward(self, x):
            unused = self.conv(x)       # noqa: F841 - its cache must not disturb backward
            return self.conv(self.conv(x) * 2) + x

    check_graph(Twice(), rand(2, 2, 5, 5))


def test_module_shared_more_times_than_the_pending_forward_limit():
    """One activation used after every layer, more often than MAX_PENDING_FORWARDS."""
    from numpy_layers.modules.module import MAX_PENDING_FORWARDS

    class Deep(nn.Module):
        def __init__(self, depth):
            super().__init__()
            self.act = nn.Tanh()
            self.lins = nn.ModuleList(nn.Linear(4, 4) for _ in range(depth))

        def forward(self, x):
            for lin in self.lins:
                x = self.act(lin(x))
            return x

    n = check_graph(Deep(MAX_PENDING_FORWARDS + 3), rand(3, 4))
    assert not n.act._caches                  # every cache was consumed by the backward


def test_two_forwards_then_two_backwards_accumulate():
    t = HandResNet(4).double().eval()
    n = nl.from_torch(t)
    xs = [rand(2, 3, 8, 8, seed=s) for s in (2, 3)]
    ys = [t(torch.tensor(x)) for x in xs]
    outs = [n(x) for x in xs]
    for y, yn, s in zip(reversed(ys), reversed(outs), (4, 5)):
        dy = rand(*yn.shape, seed=s)
        y.backward(torch.tensor(dy))
        n.backward(dy)
    grads = dict(n.named_grads())
    for name, p in t.named_parameters():
        close(name, grads[name], p.grad)


def test_functional_dropout_draws_from_the_graph_rng_in_training():
    class Drop(nn.Module):
        def forward(self, x):
            return F.dropout(x, 0.25, self.training) * 2

    n = nl.from_torch(Drop().train())
    n.rng = np.random.default_rng(0)
    x = rand(400, 50) + 3                                  # no zeros of its own
    y = n(x)
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01                  # 20,000 draws: sd 0.003
    np.testing.assert_allclose(y[kept], x[kept] * 2 / 0.75, rtol=1e-15)
    dy = rand(400, 50, seed=3)
    np.testing.assert_allclose(n.backward(dy), np.where(kept, dy * 2 / 0.75, 0), rtol=1e-15)
    check_graph(Drop().eval(), rand(3, 4))


@pytest.mark.filterwarnings("ignore:`nn.functional.upsample_bilinear` is deprecated")
def test_interpolate_every_mode_and_its_errors():
    class Up(nn.Module):
        def forward(self, x):
            return (F.interpolate(x, size=(8, 12)) + F.interpolate(x, scale_factor=(2, 3))
                    + F.interpolate(x, size=(8, 12), mode="bilinear", align_corners=True)
                    + F.upsample_bilinear(x, size=(8, 12))
                    + F.interpolate(x, scale_factor=(2.1, 3.2), mode="bicubic")[..., :8, :12])

    check_graph(Up(), rand(2, 3, 4, 4))

    class Bad(nn.Module):
        def __init__(self, **options):
            super().__init__()
            self.options = options

        def forward(self, x):
            return F.interpolate(x, **self.options)

    for options, error in [(dict(scale_factor=2, mode="cubic"), "modes: nearest"),
                           (dict(scale_factor=2, antialias=True), "anti-alias"),
                           (dict(size=3, mode="linear"), "linear mode needs 3D input")]:
        with pytest.raises(ValueError, match=error):
            nl.from_torch(Bad(**options))(rand(1, 1, 2, 2))


def test_converts_a_torch_fx_graph_module():
    gm = torch.fx.symbolic_trace(HandResNet(4))
    check_graph(gm, rand(2, 3, 8, 8))


def test_wrong_number_of_inputs():
    n = nl.from_torch(HandResNet(4))
    with pytest.raises(TypeError, match=r"GraphModule\(HandResNet\): expected 1 to 1 inputs"):
        n(rand(1, 3, 8, 8), rand(1, 3, 8, 8))


def test_float32_stays_float32():
    n = nl.from_torch(HandResNet(4))
    x = rand(2, 3, 8, 8).astype(np.float32)
    y = n(x)
    assert y.dtype == np.float32
    assert n.backward(np.ones_like(y)).dtype == np.float32
    assert all(g.dtype == np.float32 for _, g in n.named_grads())


def test_tuple_output_takes_a_tuple_of_gradients():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            h = self.fc(x)
            return h.tanh(), (h * x[:, :3]).sum(0)

    t = Two().double()
    n = nl.from_torch(t)
    x = rand(5, 4)
    xt = torch.tensor(x, requires_grad=True)
    (a, b), (an, bn) = t(xt), n(x)
    close("output0", an, a)
    close("output1", bn, b)
    da, db = rand(5, 3, seed=1), rand(3, seed=2)
    torch.autograd.backward([a, b], [torch.tensor(da), torch.tensor(db)])
    close("grad_input", n.backward((da, db)), xt.grad)
    grads = dict(n.named_grads())
    for name, p in t.named_parameters():
        close(name, grads[name], p.grad)
    n(x)
    with pytest.raises(ValueError, match="expected 2 output gradients"):
        n.backward((da, db, db))
