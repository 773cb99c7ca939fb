"""Undecided internal kinks and ties (harness/ambiguity.py) are found and moved away."""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from parity_tests.harness import ambiguity


def _net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def _apply(moved: dict, *models: nn.Module) -> None:
    """The parameters ``separate`` changed, into the caller's models."""
    with torch.no_grad():
        for m in models:
            for k, p in m.named_parameters():
                if k in moved:
                    p.copy_(torch.from_numpy(moved[k]).to(p.dtype))


def _pre_relu(model: nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model[1](model[0](torch.from_numpy(x))).numpy()


def test_a_relu_input_on_its_kink_is_moved_beyond_the_target():
    t32 = _net().train()
    t64 = copy.deepcopy(t32).double()
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32).astype(np.float64)
    # put one pre-activation of the truth within 1e-7 of 0: shift its channel's BN bias
    z = _pre_relu(t64, x)
    with torch.no_grad():
        for m in (t32, t64):
            m[1].bias -= float(z[2, 3]) - 1e-7
    z = _pre_relu(t64, x)
    assert abs(z[2, 3]) < 2e-7
    out, nudges, params = ambiguity.separate(copy.deepcopy(t64), copy.deepcopy(t32), [x])
    assert nudges >= 1, "the near-kink was not seen"
    _apply(params, t32, t64)
    moved = out[0]
    np.testing.assert_array_equal(moved, moved.astype(np.float32).astype(np.float64))
    assert np.abs(moved - x).max() < 1e-3, "the nudge must stay small"
    for k, v in params.items():
        np.testing.assert_array_equal(v, v.astype(np.float32), err_msg=k)
    z32 = t32[1](t32[0](torch.from_numpy(moved.astype(np.float32)))).detach().numpy()
    z64 = _pre_relu(t64, moved)
    delta = np.abs(z32 - z64).max()
    assert np.abs(z64[z64 != 0]).min() >= ambiguity.MARGIN * delta


def test_a_near_tie_in_a_max_pooling_window_is_moved_apart():
    torch.manual_seed(1)
    t32 = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2)).train()
    t64 = copy.deepcopy(t32).double()
    x = np.random.default_rng(3).standard_normal((1, 1, 6, 6)).astype(np.float32)
    x = x.astype(np.float64)
    with torch.no_grad():
        c = t64[0](torch.from_numpy(x)).numpy()
    # make the first window of plane 0 a near tie: nudge one input pixel by the difference
    w = t64[0].weight.detach().numpy()[0, 0]
    a, b = c[0, 0, 0, 0], c[0, 0, 0, 1]
    x[0, 0, 0, 0] += (b - a + 1e-7) / w[0, 0]          # only window (0, 0) of conv (0, 0)
    x = x.astype(np.float32).astype(np.float64)
    out, nudges, params = ambiguity.separate(copy.deepcopy(t64), copy.deepcopy(t32), [x])
    assert nudges >= 1 and (params or not np.array_equal(out[0], x))
    _apply(params, t32, t64)
    rec32, _ = ambiguity._record(t32, [out[0].astype(np.float32)], grad=False)
    rec64, _ = ambiguity._record(t64, out, grad=True)
    assert ambiguity._undecided(rec64, rec32) == []


def test_exact_ties_and_single_layers_are_left_alone():
    relu_pool = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))       # zeros pooled: exact ties
    x = -np.abs(np.random.default_rng(0).standard_normal((1, 2, 4, 4)))
    x = x.astype(np.float32).astype(np.float64)
    out, nudges, _ = ambiguity.separate(relu_pool.double(), copy.deepcopy(relu_pool).float(), [x])
    assert nudges == 0 and out[0] is x
    assert not ambiguity.applies(nn.ReLU()) and ambiguity.applies(relu_pool)
