"""Max pooling's tie and NaN rules, on windows small enough to reason about by hand, and
checked against torch: the first maximum in row-major window order wins a tie; among
several NaN the last wins; a window never points into padding."""
from __future__ import annotations

import numpy as np
import torch

import numpy_layers as nl


def _both(x: np.ndarray, **kw):
    m = nl.MaxPool2d(return_indices=True, **kw)
    y, idx = m(x)
    dx = m.backward(np.ones_like(y))
    xt = torch.from_numpy(x).requires_grad_()
    yt, it = torch.nn.MaxPool2d(return_indices=True, **kw)(xt)
    yt.backward(torch.ones_like(yt))
    return (y, idx, dx), (yt.detach().numpy(), it.numpy(), xt.grad.numpy())


def _same(a, b):
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_tie_goes_to_first_in_row_major_order():
    x = np.array([[[[1, 3], [3, 0]]]], np.float32)          # two 3s: (0,1) comes first
    mine, theirs = _both(x, kernel_size=2)
    assert mine[1].item() == 1
    np.testing.assert_array_equal(mine[2][0, 0], [[0, 1], [0, 0]])
    _same(mine, theirs)


def test_last_nan_wins_and_propagates():
    x = np.array([[[[np.nan, 5], [np.nan, 1]]]], np.float32)
    mine, theirs = _both(x, kernel_size=2)
    assert np.isnan(mine[0]).all() and mine[1].item() == 2
    _same(mine, theirs)


def test_all_minus_inf_window_points_at_first_real_element_not_padding():
    x = np.full((1, 1, 3, 3), -np.inf, np.float32)
    mine, theirs = _both(x, kernel_size=3, stride=2, padding=1)
    assert (mine[1] >= 0).all()
    _same(mine, theirs)


def test_ceil_mode_window_starting_in_padding_is_dropped_like_torch():
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    mine, theirs = _both(x, kernel_size=2, stride=2, padding=1, ceil_mode=True)
    assert mine[0].shape == (1, 1, 3, 3)
    _same(mine, theirs)
