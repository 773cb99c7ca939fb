"""Scratch buffers (numpy_layers/functional/_workspace.py): reuse within a thread, isolation
between tags and threads, the size limit, and results that never alias a scratch buffer."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import numpy_layers as nl
from numpy_layers.functional import _workspace as ws


@pytest.fixture(autouse=True)
def _fresh_pool():
    ws.release()
    yield
    ws.release()


def test_same_tag_reuses_memory_and_tags_are_separate():
    a = ws.scratch("t.a", (4, 5), np.float32)
    assert a.shape == (4, 5) and a.dtype == np.float32 and a.flags.c_contiguous
    b = ws.scratch("t.a", (3, 2), np.float64)             # smaller: same buffer
    assert np.shares_memory(a, b)
    c = ws.scratch("t.c", (4, 5), np.float32)
    assert not np.shares_memory(a, c)
    big = ws.scratch("t.a", (100, 100), np.float32)        # larger: a new buffer
    assert big.shape == (100, 100) and not np.shares_memory(big, c)


def test_threads_get_their_own_buffers():
    mine = ws.scratch("t.thread", (64,), np.float32)
    theirs = []
    t = threading.Thread(target=lambda: theirs.append(ws.scratch("t.thread", (64,), np.float32)))
    t.start()
    t.join()
    assert not np.shares_memory(mine, theirs[0])


def test_the_limit_drops_least_recently_used_buffers(monkeypatch):
    monkeypatch.setattr(ws, "LIMIT_BYTES", 1000)
    a = ws.scratch("t.a", (100,), np.float32)              # 400 bytes
    b = ws.scratch("t.b", (100,), np.float32)              # 800 held
    assert np.shares_memory(a, ws.scratch("t.a", (100,), np.float32))   # a: most recent
    c = ws.scratch("t.c", (100,), np.float32)              # 1200 > 1000: drops b
    assert np.shares_memory(a, ws.scratch("t.a", (100,), np.float32))
    assert np.shares_memory(c, ws.scratch("t.c", (100,), np.float32))
    assert not np.shares_memory(b, ws.scratch("t.b", (100,), np.float32))
    a[:] = 1                                               # handed-out arrays stay valid
    assert np.all(a == 1)


def test_a_request_past_the_limit_gets_a_fresh_array(monkeypatch):
    monkeypatch.setattr(ws, "LIMIT_BYTES", 1000)
    x, y = ws.scratch("t.big", (300,), np.float32), ws.scratch("t.big", (300,), np.float32)
    assert x.shape == (300,) and not np.shares_memory(x, y)


def _conv_cases():
    rng = np.random.default_rng(0)
    for name, (c, o, k, s, hw) in {"winograd": (32, 32, 3, 1, 10), "gemm": (4, 6, 3, 2, 9),
                                   "pointwise": (8, 5, 1, 1, 6)}.items():
        layer = nl.Conv2d(c, o, k, stride=s, padding=k // 2)
        xs = [rng.standard_normal((2, c, hw, hw)).astype(np.float32) for _ in range(2)]
        yield name, layer, xs


@pytest.mark.parametrize("name", ["winograd", "gemm", "pointwise"])
def test_conv_results_survive_the_next_call(name):
    """A second forward/backward must not overwrite what the first returned: y, dx and the
    parameter gradients (zero_grad(set_to_none) drops the references, not the arrays)."""
    layer, xs = next((lay, xs) for n, lay, xs in _conv_cases() if n == name)
    first = None
    for x in xs:
        y = layer(x)
        dx = layer.backward(np.ones_like(y))
        got = [y, dx] + [g for _, g in layer.named_grads()]
        if first is None:
            first = (got, [a.copy() for a in got])
        layer.zero_grad()
    for kept, copy in zip(*first):
        assert np.array_equal(kept, copy)
    assert not np.array_equal(got[0], first[0][0])            # the inputs differed


def test_pool_results_survive_the_next_call():
    rng = np.random.default_rng(1)
    layer = nl.MaxPool2d(3, stride=2, padding=1)
    x1, x2 = (rng.standard_normal((2, 3, 40, 40)).astype(np.float32) for _ in range(2))
    y1 = layer(x1)
    dx1 = layer.backward(np.ones_like(y1))
    y1c, dx1c = y1.copy(), dx1.copy()
    y2 = layer(x2)
    layer.backward(np.ones_like(y2))
    assert np.array_equal(y1, y1c) and np.array_equal(dx1, dx1c)


_PATHS = {  # name: (C, O, k, stride, size, groups); batch 64 so that the whole batch at once
    "gemm": (32, 32, 3, 2, 32, 1),          # would need more than the bound
    "gemm_k5": (16, 16, 5, 1, 48, 1),
    "winograd": (32, 32, 3, 1, 32, 1),
    "pointwise": (64, 64, 1, 1, 32, 1),
    "depthwise": (32, 32, 3, 1, 64, 32),
}


@pytest.mark.parametrize("name", sorted(_PATHS))
def test_one_conv_stays_under_the_workspace_bound(monkeypatch, name):
    """Forward + backward of one conv on a batch of 64: peak traced memory beyond its inputs
    and results (y, dy, dx, dW) stays under the bound
    (``numpy_layers.functional._im2col.WORKSPACE_BYTES``, set to 16 MiB), scratch included."""
    import tracemalloc

    from numpy_layers.functional import _im2col
    from numpy_layers.functional import conv as conv_mod

    bound = 16 * 2**20
    monkeypatch.setattr(_im2col, "WORKSPACE_BYTES", bound)
    c, o, k, s, size, groups = _PATHS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, c, size, size)).astype(np.float32)
    w = rng.standard_normal((o, c // groups, k, k)).astype(np.float32)
    ws.release()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y, cache = conv_mod.conv2d_forward(x, w, None, (s, s), (k // 2,) * 4, (1, 1), groups)
        dy = np.ones_like(y)
        dx, dw, _ = conv_mod.conv2d_backward(dy, cache)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    extra = peak - (y.nbytes + dy.nbytes + dx.nbytes + dw.nbytes)
    assert extra <= bound, f"{name}: {extra / 2**20:.1f} MiB beyond the results"
    if name in ("gemm", "gemm_k5", "winograd"):
        assert cache[-1][-1] < 64, "the batch should have been split into chunks"


def test_convs_running_in_two_threads_at_once_match_their_serial_results():
    """Each thread has its own scratch buffers: two threads running the same conv paths
    (same scratch tags: a Winograd and an im2col conv, each holding several buffers at
    once) give the same bytes as one thread at a time."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(2)
    nets = [[nl.Conv2d(32, 32, 3, padding=1), nl.Conv2d(32, 16, 3, stride=2, padding=1)]
            for _ in range(2)]
    xs = [[rng.standard_normal((2, 32, 12, 12)).astype(np.float32) for _ in range(8)]
          for _ in range(2)]

    def run(i: int) -> list:
        out = []
        for x in xs[i]:
            for lay in nets[i]:
                y = lay(x)
                out.append((y, lay.backward(np.ones_like(y))))
        return out

    serial = [run(0), run(1)]
    with ThreadPoolExecutor(2) as pool:
        concurrent = list(pool.map(run, [0, 1]))
    for s_runs, c_runs in zip(serial, concurrent):
        for (ys, dxs), (yc, dxc) in zip(s_runs, c_runs):
            assert np.array_equal(ys, yc) and np.array_equal(dxs, dxc)


@pytest.mark.parametrize("c, o, k, stride", [(32, 32, 3, 1), (8, 16, 3, 2), (4, 8, 5, 1)],
                         ids=["winograd", "gemm_s2", "gemm_k5"])
def test_kept_and_recomputed_transforms_give_the_same_gradients(monkeypatch, c, o, k, stride):
    """A path keeps its transformed input (col, Winograd's V) only up to KEEP_MAX_FACTOR x
    the input's size, else backward recomputes it: both ways give identical bytes."""
    from numpy_layers.functional import _conv_paths
    from numpy_layers.functional import conv as conv_mod
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, c, 12, 12)).astype(np.float32)
    w = rng.standard_normal((o, c, k, k)).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32)
    out = {}
    for factor in (0.0, 100.0):
        monkeypatch.setattr(_conv_paths, "KEEP_MAX_FACTOR", factor)
        y, cache = conv_mod.conv2d_forward(x, w, b, (stride,) * 2, (k // 2,) * 4)
        state = cache[-1]
        kept = state[1] is not None
        assert kept == (factor > 1), f"factor {factor}: kept={kept}"
        dy = np.cos(np.arange(y.size, dtype=np.float32)).reshape(y.shape)
        out[factor] = (y,) + conv_mod.conv2d_backward(dy, cache)
    for a, z in zip(out[0.0], out[100.0]):
        assert np.array_equal(a, z)
