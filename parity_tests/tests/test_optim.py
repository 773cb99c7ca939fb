"""numpy_layers.optim against torch.optim: parameter trajectories over 30 steps of a small
Linear-ReLU-Linear net, gradients from the same MSE loss on each side's own model, for every
option combination; plus param groups, editable lr, zero_grad and state_dict."""
from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
import torch

import numpy_layers as nl
from numpy_layers import optim

STEPS = 30
# Bounds on the relative deviation max |p_np - p_torch| / max |p_torch| (per parameter, worst
# over the 30 steps). Measured over every case below: float64 2.1e-15, float32 8.4e-7 with
# each side's own gradients (5.7e-7 with torch's gradients injected). The float32 gap is
# rounding, not rule: torch's CPU kernels fuse ``param + alpha * grad`` into one FMA (one
# rounding), NumPy rounds the product and the sum (checked: an FMA emulation matched torch
# bit for bit on 1e5 elements); the differences compound over the trajectory.
F32_BOUND = 2e-6
F64_BOUND = 1e-14


def _sgd_options() -> list[dict]:
    out = []
    for momentum, dampening, nesterov in [(0, 0, False), (0.9, 0, False), (0.9, 0, True),
                                          (0.5, 0.1, False)]:
        for wd, maximize in itertools.product((0, 1e-2), (False, True)):
            out.append(dict(lr=0.05, momentum=momentum, dampening=dampening, weight_decay=wd,
                            nesterov=nesterov, maximize=maximize))
    return out


def _adam_options() -> list[dict]:
    return [dict(lr=0.01, betas=betas, weight_decay=wd, amsgrad=ams, maximize=mx, eps=eps)
            for betas, eps in [((0.9, 0.999), 1e-8), ((0.3, 0.9), 1e-3)]
            for wd, ams, mx in itertools.product((0, 0.1), (False, True), (False, True))]


CASES = ([("SGD", o) for o in _sgd_options()] + [("Adam", o) for o in _adam_options()]
         + [("AdamW", o) for o in _adam_options()]
         + [("Adam", dict(o, decoupled_weight_decay=True)) for o in _adam_options()
            if o["weight_decay"] and not o["maximize"]])


def _case_id(c) -> str:
    name, o = c
    return name + "-" + "-".join(f"{k}{v}" for k, v in o.items())


def _nets(dtype):
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    t = t.double() if dtype == np.float64 else t
    return t, nl.from_torch(t)


def _data(dtype, step):
    rng = np.random.default_rng(100 + step)
    return rng.standard_normal((8, 6)).astype(dtype), rng.standard_normal((8, 3)).astype(dtype)


def _sign(opt) -> float:
    """maximize=True climbs -MSE (so the run converges instead of blowing up)."""
    return -1.0 if opt.param_groups[0]["maximize"] else 1.0


def _torch_step(t, opt, x, y):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(t(torch.from_numpy(x)), torch.from_numpy(y))
    (_sign(opt) * loss).backward()
    opt.step()


def _numpy_step(n, opt, x, y):
    opt.zero_grad()
    loss = nl.MSELoss()
    loss(n(x), y)
    n.backward(loss.backward()[0] * x.dtype.type(_sign(opt)))
    opt.step()


def _deviation(n, t) -> float:
    """Largest relative deviation over the parameters (max abs error / max abs value)."""
    nparams = dict(n.named_parameters())
    return max(float(np.max(np.abs(nparams[k] - v.detach().numpy())) /
                     max(float(v.detach().abs().max()), 1e-30))
               for k, v in t.named_parameters())


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch(case, dtype):
    name, options = case
    t, n = _nets(dtype)
    topt = getattr(torch.optim, name)(t.parameters(), **options)
    nopt = getattr(optim, name)(n, **options)
    start = copy.deepcopy(dict(n.named_parameters()))
    bound = F32_BOUND if dtype == np.float32 else F64_BOUND
    for step in range(STEPS):
        x, y = _data(dtype, step)
        _torch_step(t, topt, x, y)
        _numpy_step(n, nopt, x, y)
        dev = _deviation(n, t)
        assert dev <= bound, f"step {step + 1}: parameters deviate by {dev:.3g} (bound {bound})"
    for k, p in n.named_parameters():              # the trajectory really moved
        assert p.dtype == dtype and not np.allclose(p, start[k])
    # optimiser state agrees too (momentum buffers, moments, step counts)
    tstate, nstate = topt.state_dict()["state"], nopt.state_dict()["state"]
    assert sorted(tstate) == sorted(nstate)
    for i, s in tstate.items():
        assert sorted(s) == sorted(nstate[i])
        for k, v in s.items():
            ref = np.asarray(v.detach().numpy() if torch.is_tensor(v) else v, np.float64)
            got = np.asarray(nstate[i][k], np.float64)
            scale = max(float(np.max(np.abs(ref))), 1e-30)
            assert float(np.max(np.abs(got - ref))) / scale <= 10 * bound, (i, k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_update_rule_with_torch_gradients_injected(case, dtype):
    """The optimiser alone: NumPy steps with the very gradients torch computed."""
    name, options = case
    t, n = _nets(dtype)
    topt = getattr(torch.optim, name)(t.parameters(), **options)
    nopt = getattr(optim, name)(n, **options)
    tparams = dict(t.named_parameters())
    for step in range(STEPS):
        x, y = _data(dtype, step)
        _torch_step(t, topt, x, y)     # computes torch's grads, then steps torch
        for ref in nopt.param_groups[0]["params"]:
            ref.module._grads[ref.name] = tparams[ref.qualname].grad.numpy().copy()
        nopt.step()
    dev = _deviation(n, t)
    assert dev <= (F32_BOUND if dtype == np.float32 else F64_BOUND), dev


def test_param_groups_and_editable_lr_follow_torch():
    t, n = _nets(np.float64)
    topt = torch.optim.SGD([{"params": t[0].parameters(), "lr": 0.1},
                            {"params": t[2].parameters()}], lr=0.01, momentum=0.9)
    nopt = optim.SGD([{"params": n[0], "lr": 0.1}, {"params": n[2]}], lr=0.01, momentum=0.9)
    assert [len(g["params"]) for g in nopt.param_groups] == [2, 2]
    for step in range(STEPS):
        if step == 10:                               # a scheduler-like edit
            for g in topt.param_groups + nopt.param_groups:
                g["lr"] *= 0.5
        x, y = _data(np.float64, step)
        _torch_step(t, topt, x, y)
        _numpy_step(n, nopt, x, y)
    assert _deviation(n, t) <= F64_BOUND
    groups = nopt.state_dict()["param_groups"]
    assert [g["lr"] for g in groups] == [g["lr"] for g in topt.state_dict()["param_groups"]]
    assert [g["params"] for g in groups] == [[0, 1], [2, 3]]


def test_zero_grad_and_parameters_without_grad():
    _, n = _nets(np.float32)
    opt = optim.Adam(n, lr=0.1)
    before = {k: v.copy() for k, v in n.named_parameters()}
    opt.step()                                       # no gradients yet: nothing moves
    for k, v in n.named_parameters():
        np.testing.assert_array_equal(v, before[k])
    n(np.ones((2, 6), np.float32))
    n.backward(np.ones((2, 3), np.float32))
    opt.zero_grad(set_to_none=False)
    assert all(g is not None and not g.any() for _, g in n.named_grads())
    opt.zero_grad()
    assert all(g is None for _, g in n.named_grads())


def test_state_dict_round_trip_continues_the_same_trajectory():
    t, n = _nets(np.float64)
    a = optim.Adam(n, lr=0.01, amsgrad=True)
    for step in range(5):
        _numpy_step(n, a, *_data(np.float64, step))
    n2 = copy.deepcopy(n)
    b = optim.Adam(n2, lr=0.5)
    b.load_state_dict(a.state_dict())
    assert b.param_groups[0]["lr"] == 0.01
    for step in range(5, 10):
        _numpy_step(n, a, *_data(np.float64, step))
        _numpy_step(n2, b, *_data(np.float64, step))
    for (k, p), (_, q) in zip(n.named_parameters(), n2.named_parameters()):
        np.testing.assert_array_equal(p, q)


def test_bad_options_are_rejected_like_torch():
    _, n = _nets(np.float32)
    for bad in [dict(lr=-1.0), dict(momentum=-0.1), dict(nesterov=True),
                dict(nesterov=True, momentum=0.9, dampening=0.1)]:
        with pytest.raises(ValueError):
            torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), **bad)
        with pytest.raises(ValueError, match="SGD"):
            optim.SGD(n, **bad)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam(n, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="Module"):
        optim.SGD([np.zeros(3)])
