"""Dropout2d beyond the injected-mask parity: the channel mask's statistics, whole channels,
torch 2.13's handling of 3-D and other ranks, eval, backward."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import numpy_layers as nl


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropped_channel_fraction_is_within_binomial_bounds(p, dtype):
    n, c = 500, 400                                       # 200_000 channels of 3x3
    y = nl.Dropout2d(p, rng=np.random.default_rng(11))(np.ones((n, c, 3, 3), dtype))
    kept_elems = y != 0                                   # (n, c, 3, 3)
    per_channel = kept_elems.reshape(n, c, 9)
    assert np.all(per_channel.all(axis=2) | ~per_channel.any(axis=2))   # whole channels
    kept = int(per_channel[:, :, 0].sum())
    sigma = math.sqrt(n * c * p * (1 - p))
    assert abs(kept - n * c * (1 - p)) < 5 * sigma        # 5 sigma: false alarm ~ 6e-7
    assert y.dtype == dtype
    t = torch.nn.functional.dropout2d(torch.ones(64, 8, 2, 2, dtype=torch.from_numpy(y).dtype),
                                      p, True)
    assert np.all(y[y != 0] == t[t != 0][0].item())        # torch's 1/(1-p), same rounding


def test_channels_are_drawn_independently():
    y = nl.Dropout2d(0.5, rng=np.random.default_rng(3))(np.ones((300, 300, 2, 2), np.float32))
    keep = y[:, :, 0, 0] != 0                             # (N, C)
    for a, b in [(keep[:, :-1], keep[:, 1:]), (keep[:-1], keep[1:])]:
        assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.02


def test_backward_applies_the_forward_channel_mask():
    m = nl.Dropout2d(0.4, rng=np.random.default_rng(1))
    x = np.random.default_rng(2).standard_normal((6, 5, 4, 4)).astype(np.float32)
    y = m(x)
    g = np.random.default_rng(3).standard_normal(y.shape).astype(np.float32)
    dx = m.backward(g)
    factor = np.where(y[:, :, :1, :1] != 0, np.float32(1) / np.float32(0.6), 0)   # (N, C, 1, 1)
    np.testing.assert_array_equal(dx, g * factor.astype(np.float32))


def test_eval_is_identity():
    m = nl.Dropout2d(0.5).eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(m(x), x)
    np.testing.assert_array_equal(m.backward(x * 2), x * 2)


def _warnings_of(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [str(i.message) for i in w]


def test_3d_input_is_channelwise_1d_like_torch_with_its_warning():
    x = np.ones((40, 50, 7), np.float32)
    tw = _warnings_of(lambda: torch.nn.Dropout2d(0.5)(torch.from_numpy(x)))
    nw = _warnings_of(lambda: nl.Dropout2d(0.5, rng=np.random.default_rng(0))(x))
    assert any("(N, C, L)" in s for s in tw) and any("(N, C, L)" in s for s in nw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = nl.Dropout2d(0.5, rng=np.random.default_rng(0))(x)
        t = torch.nn.Dropout2d(0.5)(torch.from_numpy(x)).numpy()
    for out in (y, t):                                    # one draw per (n, c) row of L values
        rows = out != 0                                   # (N, C, L)
        assert np.all(rows.all(axis=2) | ~rows.any(axis=2))
        assert 0 < rows[:, :, 0].mean() < 1


def test_other_ranks_warn_and_scalars_fail_like_torch():
    x = np.ones((3, 4, 2, 2, 2), np.float32)
    tw = _warnings_of(lambda: torch.nn.functional.dropout2d(torch.from_numpy(x), 0.5))
    nw = _warnings_of(lambda: nl.functional.dropout2d(x, 0.5, rng=np.random.default_rng(0)))
    assert any("5-D input" in s for s in tw) and any("5-D input" in s for s in nw)
    with pytest.raises(RuntimeError), pytest.warns(UserWarning, match="1-D input"):
        torch.nn.functional.dropout2d(torch.ones(3), 0.5)
    with pytest.raises(ValueError, match="Dropout2d.*at least 2 dimensions"):
        nl.Dropout2d(0.5)(np.ones(3, np.float32))


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_extreme_probabilities_match_torch(p):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    np.testing.assert_array_equal(nl.Dropout2d(p)(x),
                                  torch.nn.functional.dropout2d(torch.from_numpy(x), p).numpy())


def test_injected_mask_must_have_channel_shape():
    x = np.ones((2, 3, 4, 4), np.float32)
    y = nl.Dropout2d(0.5)(x, mask=np.array([[1, 0, 1], [0, 0, 1]]).reshape(2, 3, 1, 1))
    np.testing.assert_array_equal(y[:, :, 0, 0], [[2, 0, 2], [0, 0, 2]])
    with pytest.raises(ValueError, match=r"\(2, 3, 1, 1\)"):
        nl.Dropout2d(0.5)(x, mask=np.ones((2, 3, 4, 4), bool))


def test_from_torch_keeps_p_and_mode():
    m = nl.from_torch(torch.nn.Dropout2d(0.3).eval())
    assert isinstance(m, nl.Dropout2d) and m.p == 0.3 and not m.training


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_outside_unit_interval_is_rejected_like_torch(p):
    with pytest.raises(ValueError):
        torch.nn.Dropout2d(p)
    with pytest.raises(ValueError, match="Dropout2d.*between 0 and 1"):
        nl.Dropout2d(p)
