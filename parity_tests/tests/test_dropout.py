"""Dropout beyond the injected-mask parity: the mask's statistics, eval, reproducibility."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numpy_layers as nl


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kept_fraction_is_within_binomial_bounds(p, dtype):
    n = 400_000
    x = np.ones(n, dtype)
    y = nl.Dropout(p, rng=np.random.default_rng(7))(x)
    kept = np.count_nonzero(y)
    sigma = math.sqrt(n * p * (1 - p))
    assert abs(kept - n * (1 - p)) < 5 * sigma            # 5 sigma: false alarm ~ 6e-7
    assert y.dtype == dtype
    # kept values are scaled by 1/(1-p), rounded exactly as torch rounds it in this dtype
    t = torch.nn.functional.dropout(torch.ones(1000, dtype=torch.from_numpy(x).dtype), p, True)
    assert np.all(y[y != 0] == t[t != 0][0].item())

def test_mask_is_spatially_uncorrelated():
    y = nl.Dropout(0.5, rng=np.random.default_rng(3))(np.ones((200, 200), np.float32)) != 0
    a, b = y[:, :-1].ravel(), y[:, 1:].ravel()
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.02             # neighbours drawn independently


def test_eval_is_identity_and_backward_passes_through():
    m = nl.Dropout(0.5).eval()
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    y = m(x)
    np.testing.assert_array_equal(y, x)
    g = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(m.backward(g), g)


def test_backward_applies_the_forward_mask():
    m = nl.Dropout(0.25, rng=np.random.default_rng(1))
    x = np.ones((50, 50), np.float32)
    y = m(x)
    dx = m.backward(np.ones_like(y))
    np.testing.assert_array_equal(dx, y)                   # same mask, same 1/(1-p) scale


def test_same_generator_seed_gives_same_mask():
    x = np.ones((64, 64), np.float32)
    a = nl.Dropout(0.5, rng=np.random.default_rng(5))(x)
    b = nl.Dropout(0.5, rng=np.random.default_rng(5))(x)
    c = nl.Dropout(0.5, rng=np.random.default_rng(6))(x)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_extreme_probabilities_match_torch(p):
    x = np.random.default_rng(0).standard_normal((5, 5)).astype(np.float32)
    y = nl.Dropout(p)(x)
    t = torch.nn.functional.dropout(torch.from_numpy(x), p, True).numpy()
    np.testing.assert_array_equal(y, t)


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_outside_unit_interval_is_rejected_like_torch(p):
    with pytest.raises(ValueError):
        torch.nn.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nl.Dropout(p)
