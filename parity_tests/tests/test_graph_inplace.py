"""In-place activations in a converted graph (``GraphModule._write_over``): a ReLU, ReLU6 or
Hardtanh whose input is a batch norm's or an addition's output, read by no other node,
writes over that array. These check that it happens where it may, that results stay
torch's, and that it never happens where another reader (or the caller) would see it."""
from __future__ import annotations

import numpy as np
import pytest
from torch import nn

import numpy_layers as nl
from numpy_layers.functional import _threads
from parity_tests.tests.graph_check import check_graph, rand

BIG = (2, 8, 130, 130)            # >= PARALLEL_MIN values: the blockwise path is taken too
assert np.prod(BIG) >= _threads.PARALLEL_MIN


class BnAct(nn.Module):
    """conv -> bn -> act, then an addition -> act: both activations may write over."""

    def __init__(self, act: type) -> None:
        super().__init__()
        self.conv, self.bn, self.act, self.act2 = nn.Conv2d(8, 8, 3, padding=1), \
            nn.BatchNorm2d(8), act(), act()

    def forward(self, x):
        y = self.act(self.bn(self.conv(x)))
        return self.act2(y + x)


class SharedValue(nn.Module):
    """The batch norm's output is read twice: the activation must not write over it."""

    def __init__(self) -> None:
        super().__init__()
        self.bn, self.act = nn.BatchNorm2d(8), nn.ReLU()

    def forward(self, x):
        y = self.bn(x)
        return self.act(y) * 2 + y


class ReturnsBoth(nn.Module):
    """The batch norm's output is also a graph output."""

    def __init__(self) -> None:
        super().__init__()
        self.bn, self.act = nn.BatchNorm2d(8), nn.ReLU6()

    def forward(self, x):
        y = self.bn(x)
        return self.act(y), y


@pytest.mark.parametrize("act", [lambda: nn.ReLU(inplace=True), nn.ReLU6,
                                 lambda: nn.Hardtanh(-0.5, 0.5)], ids=["ReLU", "ReLU6", "Hardtanh"])
@pytest.mark.parametrize("shape", [(2, 8, 6, 6), BIG], ids=["small", "big"])
def test_activation_after_bn_or_add_writes_over_it_and_matches_torch(act, shape):
    model = BnAct(act).double().train()
    n = nl.from_torch(model)
    x = rand(*shape)
    x0 = x.copy()
    check_graph(model, x, n=n)
    assert {k.split("_")[0] for k in n._over} == {"act", "act2"}, n._over
    np.testing.assert_array_equal(x, x0)                    # the caller's input untouched


def test_a_value_read_twice_is_not_written_over():
    model = SharedValue().double().train()
    n = check_graph(model, rand(*BIG))
    assert not n._over


def test_a_value_that_is_also_an_output_is_not_written_over():
    model = ReturnsBoth().double().train()
    n = nl.from_torch(model)
    x = rand(2, 8, 5, 5)
    a, y = n(x)
    ta, ty = model(__import__("torch").tensor(x))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a, ta.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert not n._over


def test_an_activation_on_the_graph_input_leaves_the_callers_array_alone():
    model = nn.Sequential(nn.ReLU(inplace=True), nn.Conv2d(8, 4, 1)).double()
    n = nl.from_torch(model)
    x = rand(*BIG)
    x0 = x.copy()
    n(x)
    np.testing.assert_array_equal(x, x0)
