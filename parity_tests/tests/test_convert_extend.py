"""The converter's extension points and newer forms: ``register_op`` (the README's example,
run as written), ``register_module``, the error naming both, torchvision's stochastic depth
by qualified name (function and module), list outputs with a gradient per output, and the
StochasticDepth mask's statistics. Numbers are compared with torch float64."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import numpy_layers as nl
from numpy_layers import convert
from numpy_layers.convert.ops import OPS
from numpy_layers.convert.registry import CONVERTERS
from numpy_layers.convert.targets import METHODS, QUALIFIED, USER_FUNCTIONS
from parity_tests.tests.graph_check import check_graph, close, rand
from parity_tests.twins.torchvision_ops import StochasticDepth

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def registry():
    """Leave the op and module tables as they were (registrations are global)."""
    tables = (OPS, USER_FUNCTIONS, QUALIFIED, METHODS, CONVERTERS)
    saved = [dict(t) for t in tables]
    yield
    for table, old in zip(tables, saved):
        table.clear()
        table.update(old)


def _readme_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    found = [b for b in blocks if "nl.register_op(" in b]
    assert len(found) == 1, "the README has one register_op example"
    return found[0]


def test_readme_register_op_example_runs_and_matches_torch(registry):
    class Probe(nn.Module):
        def forward(self, x):
            return torch.cumsum(x, dim=3)

    with pytest.raises(convert.ConversionError, match=r"(?s)torch.cumsum.*register_op\(") as info:
        nl.from_torch(Probe())
    assert "register_module(" in str(info.value)
    scope: dict = {}
    exec(compile(_readme_example(), str(README), "exec"), scope)   # noqa: S102 - our README
    net, t = scope["net"], scope["Net"]
    assert scope["y"].shape == (2, 4, 6, 6) and scope["dx"].shape == (2, 3, 8, 8)
    model = t().double()
    check_graph(model, rand(2, 3, 8, 8))               # output, input and parameter gradients
    assert isinstance(net, convert.GraphModule)


def test_register_op_forms(registry):
    """A Tensor method by name, a qualified name, a tuple and a dict of gradients, and an op
    without a backward (its input gets no gradient through it)."""
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            h = self.fc(x)
            return h.exp() * torch.maximum(h, x) + torch.sign(x)

    nl.register_op("Tensor.exp", lambda input: (np.exp(input), np.exp(input)),
                   lambda dy, e: {"input": dy * e})
    nl.register_op("torch.maximum", lambda input, other: (np.maximum(input, other), input >= other),
                   lambda dy, keep: (np.where(keep, dy, 0), np.where(keep, 0, dy)))
    nl.register_op(torch.sign, lambda input: (np.sign(input), None), None)
    check_graph(Model(), rand(5, 4))


def test_register_op_rejects_bad_arguments(registry):
    with pytest.raises(TypeError, match="register_op: expected a callable"):
        nl.register_op(3, lambda x: (x, None))
    with pytest.raises(TypeError, match="must be callables"):
        nl.register_op(torch.cumsum, "forward")

    class Cumsum(nn.Module):
        def forward(self, x):
            return torch.cumsum(x, dim=1)
    # a forward that forgets the cache: a clear error, not rows of its output unpacked
    nl.register_op(torch.cumsum, lambda input, dim: np.cumsum(input, axis=dim))
    with pytest.raises(TypeError, match=r"torch.cumsum must return \(output, cache\)"):
        nl.from_torch(Cumsum())(np.ones((2, 3)))
    # arguments named unlike torch's: listed when converting
    nl.register_op(torch.cumsum, lambda input, axis: (np.cumsum(input, axis=axis), axis))
    with pytest.raises(convert.ConversionError, match="missing a required argument: 'axis'"):
        nl.from_torch(Cumsum())


class Scale(nn.Module):
    """A user module with a parameter, unknown to numpy_layers."""

    def __init__(self, channels: int, init: float = 0.5) -> None:
        super().__init__()
        self.channels, self.init = channels, init
        self.gamma = nn.Parameter(torch.full((channels, 1, 1), init))

    def forward(self, x):
        return x * self.gamma


class NumpyScale(nl.Module):
    def __init__(self, channels: int, init: float = 0.5, dtype=np.float32) -> None:
        super().__init__()
        self.register_parameter("gamma", np.full((channels, 1, 1), init, dtype))

    def forward(self, x):
        self._push_cache(x)
        return x * self.gamma

    def backward(self, grad_output=None):
        x = self._pop_cache()
        self._accumulate("gamma", (grad_output * x).sum(axis=(0, 2, 3))[:, None, None])
        return grad_output * self.gamma


@pytest.mark.parametrize("how", ["class", "function", "qualified name"])
def test_register_module_keeps_the_module_whole(registry, how):
    target = {"class": Scale, "function": Scale,
              "qualified name": f"{Scale.__module__}.{Scale.__qualname__}"}[how]
    converter = NumpyScale if how == "class" else \
        (lambda m: NumpyScale(m.channels, dtype=np.dtype(str(m.gamma.dtype).split(".")[1])))
    nl.register_module(target, converter)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), Scale(4), nn.ReLU())
    net = nl.from_torch(model.double())
    assert type(net[1]).__name__ == "NumpyScale"          # a plain Sequential, no tracing
    check_graph(model, rand(2, 3, 6, 6), n=net)

    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = model

        def forward(self, x):
            return self.body(x) + x[:, :1, :4, :4]
    wrapper = Wrapper().double()
    traced = nl.from_torch(wrapper)
    assert "body.1" in traced.code() and isinstance(traced.body[1], NumpyScale)
    model.zero_grad()
    check_graph(wrapper, rand(2, 3, 6, 6), n=traced)


def test_register_module_rejects_bad_arguments(registry):
    with pytest.raises(TypeError, match="register_module: expected a class"):
        nl.register_module(3, NumpyScale)
    with pytest.raises(TypeError, match="register_module: expected a numpy_layers.Module"):
        nl.register_module(Scale, 3)
    nl.register_module(Scale, lambda m: "not a module")
    with pytest.raises(TypeError, match="returned str, not a numpy_layers Module"):
        nl.from_torch(Scale(2))


def test_unsupported_module_error_names_register_module():
    with pytest.raises(TypeError, match=r"register_module\(torch_class, converter\)"):
        nl.from_torch(nn.Sequential(nn.Softsign()))


class Residual(nn.Module):
    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.sd = StochasticDepth(p, mode)

    def forward(self, x):
        return self.sd(self.fc(x)) + x


def test_stochastic_depth_module_and_function_by_qualified_name():
    net = nl.from_torch(Residual(0.3))
    assert isinstance(net.sd, nl.StochasticDepth) and (net.sd.p, net.sd.mode) == (0.3, "row")
    assert repr(net.sd) == repr(Residual(0.3).sd)
    # A plain symbolic_trace goes through the module: torchvision's wrapped function remains.
    gm = torch.fx.symbolic_trace(Residual(0.3).train())
    assert "torchvision.ops.stochastic_depth.stochastic_depth" in nl.from_torch(gm).code()
    check_graph(torch.fx.symbolic_trace(Residual(0.3).eval()), rand(6, 4))


@pytest.mark.parametrize("p,mode", [(1.0, "row"), (1.0, "batch"), (0.0, "row")])
def test_stochastic_depth_function_in_training(p, mode):
    """The traced function in training mode: p=1 drops everything (torch: zeros), p=0 keeps."""
    gm = torch.fx.symbolic_trace(Residual(p, mode).train())
    check_graph(gm, rand(6, 4))


def test_stochastic_depth_function_draws_from_the_graph_rng():
    gm = torch.fx.symbolic_trace(Residual(0.5).train()).double()
    net = nl.from_torch(gm)
    x = rand(400, 4)
    net.rng = np.random.default_rng(7)
    y = net(x)
    fc = x @ gm.fc.weight.detach().numpy().T + gm.fc.bias.detach().numpy()
    kept = np.all(np.isclose(y, 2 * fc + x), axis=1)
    dropped = np.all(np.isclose(y, x), axis=1)
    assert np.all(kept | dropped) and 150 < kept.sum() < 250


@pytest.mark.parametrize("mode,p", [("row", 0.3), ("batch", 0.6)])
def test_stochastic_depth_mask_statistics(mode, p):
    """Each row (or the whole batch) is kept with probability 1 - p, scaled by 1/(1-p)."""
    m = nl.StochasticDepth(p, mode, rng=np.random.default_rng(0))
    x = np.ones((1000, 3), np.float32)
    draws = [m(x) for _ in range(1 if mode == "row" else 400)]
    rows = np.concatenate([d[:, 0] for d in draws]) if mode == "row" else \
        np.array([d[0, 0] for d in draws])
    assert set(np.unique(rows)) <= {0.0, np.float32(1) / np.float32(1 - p)}
    assert abs((rows > 0).mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / len(rows))
    for d in draws:                                  # one draw per row: rows are constant
        assert np.all(d == d[:, :1])


@pytest.mark.parametrize("bad,match", [(dict(p=1.5, mode="row"), "between 0 and 1"),
                                       (dict(p=0.2, mode="col"), "either 'batch' or 'row'")])
def test_stochastic_depth_errors_as_torchvision(bad, match):
    with pytest.raises(ValueError, match=match):
        StochasticDepth(**bad)(torch.ones(2, 2))
    with pytest.raises(ValueError, match="StochasticDepth: .*" + match):
        nl.StochasticDepth(**bad)(np.ones((2, 2), np.float32))


def test_list_output_with_a_gradient_per_output():
    """A detection-style head: a list of three maps; gradients for any subset."""
    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.ModuleList(nn.Conv2d(3, 2, 1) for _ in range(3))

        def forward(self, x):
            feats = [x, x[..., ::2, ::2], x[..., ::4, ::4]]
            return [conv(f) for conv, f in zip(self.convs, feats)]

    t = Head().double()
    n = nl.from_torch(t)
    x = rand(2, 3, 8, 8)
    xt = torch.tensor(x, requires_grad=True)
    outs, mine = t(xt), n(x)
    assert isinstance(mine, list) and len(mine) == 3
    for a, b in zip(mine, outs):
        close("output", a, b)
    grads = [rand(*o.shape, seed=i) for i, o in enumerate(mine)]
    torch.autograd.backward([outs[0], outs[2]], [torch.tensor(grads[0]), torch.tensor(grads[2])])
    close("grad_input", n.backward([grads[0], None, grads[2]]), xt.grad)
    named = dict(n.named_grads())
    assert named["convs.1.weight"] is None
    for name, p in t.named_parameters():
        if p.grad is not None:
            close(name, named[name], p.grad)
