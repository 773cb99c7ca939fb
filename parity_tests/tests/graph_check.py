"""Checks shared by the converter's tests: a converted model's forward, input gradients and
parameter gradients against torch float64, under the harness's tolerance policy."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

import numpy_layers as nl
from numpy_layers.convert import GraphModule
from parity_tests.harness.compare import compare


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def close(name, actual, reference):
    ref = reference.detach().numpy() if isinstance(reference, torch.Tensor) else reference
    row = compare(name, actual, ref, np.dtype(np.float64), reduction=64)
    assert row.passed, row.message


def check_graph(model: nn.Module, *xs: np.ndarray, n: GraphModule | None = None) -> GraphModule:
    """Forward, input gradients and parameter gradients of the twin against torch."""
    model = model.double()
    n = n or nl.from_torch(model)
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    yt, y = model(*ts), n(*xs)
    close("output", y, yt)
    dy = rand(*y.shape, seed=1)
    yt.backward(torch.tensor(dy))
    dx = n.backward(dy)
    for t, g in zip(ts, dx if len(xs) > 1 else (dx,)):
        close("grad_input", g, t.grad)
    grads = dict(n.named_grads())
    for name, p in model.named_parameters():
        if p.grad is not None:
            close(f"grad_{name}", grads[name], p.grad)
    return n
