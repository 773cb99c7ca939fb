"""Fast paths that the parity matrix's small cases do not reach: elementwise passes over
large arrays, block by block over threads (numpy_layers/functional/_threads.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from numpy_layers.functional import _threads
from numpy_layers.functional.activation import (hardtanh_backward, hardtanh_forward,
                                                relu_backward, relu_forward)

# name -> (NumPy forward, NumPy backward, torch function): the ops with a blockwise path
OPS = {
    "relu": (relu_forward, relu_backward, torch.relu),
    "relu6": (lambda x: hardtanh_forward(x, 0.0, 6.0), hardtanh_backward,
              torch.nn.functional.relu6),
    "hardtanh": (lambda x: hardtanh_forward(x, -0.5, 2.0), hardtanh_backward,
                 lambda x: torch.nn.functional.hardtanh(x, -0.5, 2.0)),
}


def _special(shape: tuple[int, ...], dtype, seed: int) -> np.ndarray:
    """Random values with NaN, +-inf, +-0.0 and tiny values sprinkled in."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape).astype(dtype)
    flat = a.reshape(-1)
    idx = rng.choice(flat.size, size=600, replace=False)
    flat[idx] = np.resize(np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40], dtype), 600)
    return a


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 5, 131, 139), (_threads.PARALLEL_MIN + 7,)])
def test_clamping_activations_on_large_arrays_match_torch_bit_for_bit(op, dtype, shape):
    forward, backward, torch_fn = OPS[op]
    x, dy = _special(shape, dtype, 0) * 4, _special(shape, dtype, 1)   # both kinks reached
    x.reshape(-1)[::97] = {"relu": 0.0, "relu6": 6.0, "hardtanh": -0.5}[op]  # on a kink
    assert x.size >= _threads.PARALLEL_MIN and x.size % _threads.BLOCK  # the fast path, ragged
    x0, dy0 = x.copy(), dy.copy()
    y, cache = forward(x)
    dx = backward(dy, cache)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_fn(xt)
    yt.backward(torch.tensor(dy))
    # values (NaN where NaN; relu(-0.0) is a zero of either sign, on both paths alike)
    np.testing.assert_array_equal(y, yt.detach().numpy())
    np.testing.assert_array_equal(dx.view(np.uint8), xt.grad.numpy().view(np.uint8))
    assert np.array_equal(x.view(np.uint8), x0.view(np.uint8))        # inputs untouched
    assert np.array_equal(dy.view(np.uint8), dy0.view(np.uint8))


def test_relu_fast_and_plain_paths_agree(monkeypatch):
    """The same array through the blockwise path and, with the threshold raised, the
    plain one: identical outputs, masks and gradients (a non-contiguous view too)."""
    x, dy = _special((4, 300, 301), np.float32, 2), _special((4, 300, 301), np.float32, 3)
    fast = relu_forward(x), relu_backward(dy, relu_forward(x)[1])
    from numpy_layers.functional import _special as sp
    from numpy_layers.functional import activation
    monkeypatch.setattr(activation, "PARALLEL_MIN", 10**12)
    monkeypatch.setattr(sp, "PARALLEL_MIN", 10**12)
    plain = relu_forward(x), relu_backward(dy, relu_forward(x)[1])
    for a, b in ((fast[0][0], plain[0][0]), (fast[0][1], plain[0][1]), (fast[1], plain[1])):
        assert np.array_equal(a.view(np.uint8), b.view(np.uint8))
    monkeypatch.undo()
    xt = x.transpose(2, 0, 1)                                         # not contiguous
    y, keep = relu_forward(xt)
    ref = np.ascontiguousarray(fast[0][0].transpose(2, 0, 1))
    assert np.array_equal(np.ascontiguousarray(y).view(np.uint8), ref.view(np.uint8))
    assert np.array_equal(keep, fast[0][1].transpose(2, 0, 1))


def test_blockwise_covers_every_element_once_across_threads():
    n = _threads.PARALLEL_MIN * 2 + 3
    seen = np.zeros(n, np.int32)

    def fn(lo: int, hi: int) -> None:
        assert 0 < hi - lo <= _threads.BLOCK
        seen[lo:hi] += 1

    _threads.blockwise(fn, n)
    assert (seen == 1).all()


def test_parallel_propagates_a_worker_exception():
    def fn(lo: int, hi: int) -> None:
        if lo > 0:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _threads.parallel(fn, 10, 2)
