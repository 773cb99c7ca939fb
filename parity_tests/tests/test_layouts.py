"""Every layer gives the same numbers whatever the memory layout of what it is given.

For the first case of every registered spec, the input and the upstream gradient are
passed as Fortran-ordered, negatively strided, non-contiguous and read-only arrays; the
output, input gradients and parameter gradients must equal those of C-contiguous
arrays, up to float64 reordering (a different layout may change a BLAS blocking, so the
bound is 1e-10 relative, eight orders above what a real indexing bug produces).
"""
from __future__ import annotations

import numpy as np
import pytest

from parity_tests.harness import inputs as gen
from parity_tests.specs import all_specs


def _fortran(x: np.ndarray) -> np.ndarray:
    return np.asfortranarray(x)


def _negative(x: np.ndarray) -> np.ndarray:
    if x.ndim == 0:
        return x.copy()
    return np.flip(np.flip(x, -1).copy(), -1)          # equal values, negative last stride


def _strided(x: np.ndarray) -> np.ndarray:
    if x.ndim == 0:
        return x.copy()
    big = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
    big[..., ::2] = x
    return big[..., ::2]                                  # every other element of a buffer


def _readonly(x: np.ndarray) -> np.ndarray:
    y = x.copy()
    y.setflags(write=False)
    return y


LAYOUTS = {"fortran": _fortran, "negative_strides": _negative, "non_contiguous": _strided,
           "read_only": _readonly}


def _build(spec, case):
    import torch
    torch.manual_seed(0)                  # the same parameters for both runs
    tm = spec.torch_module(case).double()
    if spec.init is not None:
        with torch.no_grad():
            spec.init(tm, np.random.default_rng(0))
    n = spec.numpy_layer(case, np.dtype(np.float64), tm)
    n.load_state_dict({k: v.detach().numpy().copy() for k, v in tm.state_dict().items()})
    # The spec's last mode: eval where modes differ, so dropout-like layers are deterministic.
    return n.train(spec.modes[-1] == "train")


def _run(spec, case, xs, dy_layout=None):
    n = _build(spec, case)
    ys = n(*xs)
    y = ys[0] if isinstance(ys, tuple) else ys
    dy = np.random.default_rng(1).standard_normal(y.shape)
    if dy_layout is not None:
        dy = dy_layout(dy)
    gx = n.backward(dy)
    gx = gx if isinstance(gx, tuple) else (gx,)
    grads = {k: v for k, v in n.named_grads() if v is not None}
    return y, gx, grads


# torch's samples run Fortran-ordered in their own parity runs (torch_samples/common.py)
RUNS = [(s, s.cases[0]) for s in all_specs()
        if s.numpy_forward is None and not s.name.endswith(":torch")]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("spec,case", RUNS, ids=[s.name for s, _ in RUNS])
def test_layout_does_not_change_results(spec, case, layout):
    rng = np.random.default_rng(0)
    if spec.make_inputs is not None:
        xs = spec.make_inputs(case, rng)
    else:
        xs = gen.draw(case, rng, spec.input_scale, spec.kink, spec.random_inputs)
    xs = [x.astype(np.float64) if x.dtype.kind == "f" else x for x in xs]
    y0, g0, p0 = _run(spec, case, [x.copy() for x in xs])
    f = LAYOUTS[layout]
    variant = [f(x) if x.dtype.kind == "f" else x for x in xs]
    saved = [v.copy() for v in variant]
    y1, g1, p1 = _run(spec, case, variant, dy_layout=f)
    for v, s in zip(variant, saved):
        np.testing.assert_array_equal(v, s)              # the input was not modified
    np.testing.assert_allclose(y1, y0, rtol=1e-10, atol=1e-12, err_msg="output")
    for a, b in zip(g1, g0):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg="grad_input")
    assert p1.keys() == p0.keys()
    for k in p0:
        np.testing.assert_allclose(p1[k], p0[k], rtol=1e-10, atol=1e-12, err_msg=f"grad {k}")
