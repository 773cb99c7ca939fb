"""The public contract of DESIGN.md: names, state_dict keys, gradients that accumulate,
train/eval, zero_grad, dtype preservation, from_torch, torch.nn.functional's names."""
from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

import numpy_layers as nl
from numpy_layers import StateError

TORCH_MODULES = {
    "Conv2d": lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1),
    "Conv2d_nobias": lambda: nn.Conv2d(2, 4, (3, 1), padding=(1, 0), bias=False),
    "MaxPool2d": lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
    "AvgPool2d": lambda: nn.AvgPool2d(2, count_include_pad=False),
    "Dropout": lambda: nn.Dropout(0.3),
    "Linear": lambda: nn.Linear(12, 5),
    "BatchNorm2d": lambda: nn.BatchNorm2d(3, eps=1e-3, momentum=None),
    "BatchNorm2d_noaffine": lambda: nn.BatchNorm2d(3, affine=False),
    "BatchNorm2d_notrack": lambda: nn.BatchNorm2d(3, track_running_stats=False),
    "ReLU": lambda: nn.ReLU(),
    "Flatten": lambda: nn.Flatten(),
    "Sequential": lambda: nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU()),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3)),
    "ConvTranspose2d": lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1),
    "AdaptiveAvgPool2d": lambda: nn.AdaptiveAvgPool2d(1),     # the whole-plane path
    "AdaptiveMaxPool2d": lambda: nn.AdaptiveMaxPool2d((3, None)),
    "InstanceNorm2d": lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
    "Dropout2d": lambda: nn.Dropout2d(0.3),
}
INPUT = (2, 3, 8, 8)


def _input(name: str, dtype=np.float32) -> np.ndarray:
    shape = (2, 12) if name == "Linear" else (2, 2, 8, 8) if name == "Conv2d_nobias" else INPUT
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("name", sorted(TORCH_MODULES))
def test_from_torch_names_state_and_mode(name):
    t = TORCH_MODULES[name]()
    t.eval()
    n = nl.from_torch(t)
    assert list(n.state_dict()) == list(t.state_dict())
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert [k for k, _ in n.named_grads()] == [k for k, _ in t.named_parameters()]
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(n.state_dict()[k], v.numpy())
    assert not n.training and all(not m.training for m in n.modules())
    assert n.train() is n and all(m.training for m in n.modules())
    assert n.eval() is n and not n.training


@pytest.mark.parametrize("name", sorted(TORCH_MODULES))
def test_dtype_is_preserved_through_forward_and_backward(name):
    for dtype in (np.float32, np.float64):
        t = TORCH_MODULES[name]()
        n = nl.from_torch(t.double() if dtype == np.float64 else t)
        x = _input(name, dtype)
        y = n(x)
        assert y.dtype == dtype
        dx = n.backward(np.ones_like(y))
        assert dx.dtype == dtype and dx.shape == x.shape
        assert dx.flags.writeable, "the input gradient must be writeable, not a broadcast view"
        for k, g in n.named_grads():
            assert g is not None and g.dtype == dtype, k


@pytest.mark.parametrize("name", sorted(TORCH_MODULES))
def test_gradients_accumulate_until_zero_grad(name):
    n = nl.from_torch(TORCH_MODULES[name]()).eval()
    x = _input(name)
    assert all(g is None for _, g in n.named_grads())
    n.backward(np.ones_like(n(x)))
    first = {k: g.copy() for k, g in n.named_grads()}
    n.backward(np.ones_like(n(x)))
    for k, g in n.named_grads():
        np.testing.assert_allclose(g, 2 * first[k], rtol=1e-6, atol=1e-6)
    n.zero_grad()
    assert all(g is None for _, g in n.named_grads())
    n.zero_grad(set_to_none=False)
    for (k, g), (_, p) in zip(n.named_grads(), n.named_parameters()):
        assert g.shape == p.shape and not g.any(), k


@pytest.mark.parametrize("name", sorted(TORCH_MODULES))
def test_backward_before_forward_is_a_clear_error(name):
    n = nl.from_torch(TORCH_MODULES[name]())
    with pytest.raises(StateError, match="forward"):
        n.backward(np.ones((2, 3), np.float32))
    assert issubclass(StateError, ValueError) and issubclass(StateError, RuntimeError)


def test_module_used_twice_gets_the_sum_like_torch():
    t = nn.Linear(4, 3)
    n = nl.from_torch(t)
    rng = np.random.default_rng(1)
    x1, x2 = (rng.standard_normal((2, 4)).astype(np.float32) for _ in range(2))
    d1, d2 = (rng.standard_normal((2, 3)).astype(np.float32) for _ in range(2))
    n(x1)
    n(x2)
    dx2 = n.backward(d2)           # last forward first, as autograd walks the graph
    dx1 = n.backward(d1)
    tx1, tx2 = (torch.from_numpy(v).requires_grad_() for v in (x1, x2))
    (t(tx1) * torch.from_numpy(d1)).sum().add((t(tx2) * torch.from_numpy(d2)).sum()).backward()
    np.testing.assert_allclose(dx1, tx1.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx2, tx2.grad.numpy(), rtol=1e-5, atol=1e-6)
    grads = dict(n.named_grads())
    np.testing.assert_allclose(grads["weight"], t.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads["bias"], t.bias.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_no_grad_keeps_no_cache():
    n = nl.Linear(3, 2)
    with nl.no_grad():
        n(np.ones((1, 3), np.float32))
    with pytest.raises(StateError):
        n.backward(np.ones((1, 2), np.float32))


def test_grad_output_none_means_one_for_scalar_only():
    n = nl.Linear(3, 2)
    n(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="scalar"):
        n.backward()


def test_load_state_dict_checks_keys_and_shapes():
    n = nl.Linear(3, 2)
    before = n.weight.copy()
    with pytest.raises(RuntimeError, match="missing keys"):     # torch: RuntimeError
        n.load_state_dict({"weight": np.zeros((2, 3))})
    with pytest.raises(ValueError, match="shape"):
        n.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(3)})
    np.testing.assert_array_equal(n.weight, before, "a refused state dict changed the weight")
    assert n.load_state_dict({"weight": np.ones((2, 3)), "bias": np.zeros(2)}) == ([], [])
    assert n.weight.dtype == np.float32 and n.weight.sum() == 6


def test_state_dict_returns_copies():
    n = nl.BatchNorm2d(2)
    sd = n.state_dict()
    sd["running_mean"] += 5
    assert not n.running_mean.any()
    assert sd["num_batches_tracked"].dtype == np.int64


def test_from_torch_lists_every_unsupported_module():
    net = nn.Sequential(nn.Linear(2, 2), nn.Softsign(), nn.Sequential(nn.Hardshrink()))
    with pytest.raises(TypeError) as info:
        nl.from_torch(net)
    msg = str(info.value)
    assert "1: torch.nn.modules.activation.Softsign" in msg and "2.0:" in msg and "Hardshrink" in msg


def test_from_torch_traces_a_subclass_with_its_own_forward():
    """A torch.nn subclass is not taken for its base (its forward may differ): it is traced,
    and its own forward (here F.linear through the parent's, times 2) is what converts."""
    class Custom(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2
    t = Custom(3, 2).double()
    n = nl.from_torch(t)
    assert type(n).__name__ == "GraphModule" and list(n.state_dict()) == ["weight", "bias"]
    x = np.random.default_rng(0).standard_normal((4, 3))
    np.testing.assert_allclose(n(x), t(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(n(x), 2 * (x @ t.weight.detach().numpy().T
                                          + t.bias.detach().numpy()), rtol=1e-12)


def test_from_torch_keeps_dtype_and_rejects_half():
    assert nl.from_torch(nn.Linear(2, 2).double()).weight.dtype == np.float64
    with pytest.raises(TypeError, match="float16"):
        nl.from_torch(nn.Linear(2, 2).half())


def test_library_does_not_import_torch():
    code = "import sys, numpy_layers; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("name,params", [
    ("conv2d", ["input", "weight", "bias", "stride", "padding", "dilation", "groups"]),
    ("max_pool2d", ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                    "return_indices"]),
    ("avg_pool2d", ["input", "kernel_size", "stride", "padding", "ceil_mode",
                    "count_include_pad", "divisor_override"]),
    ("dropout", ["input", "p", "training", "inplace"]),
    ("linear", ["input", "weight", "bias"]),
    ("batch_norm", ["input", "running_mean", "running_var", "weight", "bias", "training",
                    "momentum", "eps"]),
    ("relu", ["input", "inplace"]),
])
def test_functional_names_and_argument_order_follow_torch(name, params):
    fn = getattr(nl.functional, name)
    got = [p.name for p in inspect.signature(fn).parameters.values()
           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    assert got[:len(params)] == params


TWINS = sorted(n for n in nl.modules.__all__
               if isinstance(getattr(nn, n, None), type) and n not in ("Module",))


# Arguments numpy_layers adds to torch's: ``dtype`` (float32 by default, where torch's
# default None means float32) and keyword-only ``rng`` (the generator of the initial values).
EXTRA_ARGS = {"dtype", "rng"}


@pytest.mark.parametrize("name", TWINS)
def test_constructor_names_order_kinds_and_defaults_follow_torch(name):
    """Every exported layer with a torch.nn class of the same name takes its arguments:
    the same names in the same order, positional or keyword-only as torch's (so
    ``GroupNorm(2, 4, bias=False)`` works), with the same defaults. A torch class taking
    only ``*args, **kwargs`` (Sigmoid, Tanh) takes nothing."""
    cls, torch_cls = getattr(nl, name), getattr(nn, name)

    def params(c, extra=()):
        return [(p.name, p.kind.name, p.default)
                for p in inspect.signature(c.__init__).parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                and p.name not in extra]
    assert params(cls, EXTRA_ARGS) == params(torch_cls, {"dtype"})
    mine = inspect.signature(cls.__init__).parameters
    assert all(mine[k].kind == mine[k].KEYWORD_ONLY for k in mine if k == "rng")


def _positional(sig) -> list[str]:
    return [p.name for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _torch_signature(name: str):
    """torch's signature, or None for builtins and (*args, **kwargs) dispatchers."""
    try:
        sig = inspect.signature(getattr(torch.nn.functional, name))
    except (TypeError, ValueError):
        return None
    return sig if _positional(sig) else None


FUNCTIONAL = sorted(n for n in nl.functional.__all__
                    if hasattr(torch.nn.functional, n) and _torch_signature(n) is not None)


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_every_functional_with_a_torch_twin_takes_its_arguments(name):
    """Same positional-or-keyword names in the same order as torch.nn.functional."""
    assert _positional(inspect.signature(getattr(nl.functional, name))) == \
        _positional(_torch_signature(name))


REPR_CASES = [
    lambda m: m.Conv1d(2, 4, 3, padding="same", bias=False),
    lambda m: m.Conv1d(2, 4, 3, 2, 1, 2, 2, padding_mode="reflect"),
    lambda m: m.Conv2d(2, 4, (3, 1), 2, (1, 0), 2, 2, False, "circular"),
    lambda m: m.ConvTranspose2d(2, 4, 3, 2, 1, 1, 2, False, 2),
    lambda m: m.ConvTranspose2d(2, 4, 3),
    lambda m: m.ConvTranspose1d(2, 4, 3, 2, 1, 1, 2, False, 2),
    lambda m: m.Hardtanh(), lambda m: m.Upsample(scale_factor=2.5, mode="bicubic"),
]


@pytest.mark.parametrize("make", REPR_CASES + [lambda m, n=n: TORCH_MODULES[n]()
                                               for n in sorted(TORCH_MODULES)])
def test_repr_matches_torch(make):
    """print(model) reads the same on both sides (torch's option order and formatting)."""
    t = make(nn) if make in REPR_CASES else make(None)
    n = make(nl) if make in REPR_CASES else nl.from_torch(t)
    assert repr(n) == repr(t)


EVERY_LAYER = [
    lambda: nn.Conv1d(3, 4, 3, padding="same", padding_mode="reflect"),
    lambda: nn.Conv2d(4, 8, 3, dilation=2, groups=2, padding_mode="circular", padding=2),
    lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
    lambda: nn.MaxPool1d(3, 2, 1, return_indices=True), lambda: nn.AvgPool1d(3, 2, 1),
    lambda: nn.MaxPool2d(3, 2, 1, dilation=2, ceil_mode=True), lambda: nn.MaxUnpool2d(2),
    lambda: nn.AvgPool2d(3, 2, 1, divisor_override=5), lambda: nn.AdaptiveAvgPool2d((3, None)),
    lambda: nn.AdaptiveMaxPool2d(3, return_indices=True), lambda: nn.BatchNorm1d(4),
    lambda: nn.BatchNorm2d(4, momentum=None), lambda: nn.LayerNorm((3, 4), bias=False),
    lambda: nn.GroupNorm(2, 4), lambda: nn.InstanceNorm2d(4, affine=True,
                                                         track_running_stats=True),
    lambda: nn.LocalResponseNorm(5, 1e-4, 0.75, 2.0), lambda: nn.Dropout(0.3),
    lambda: nn.Dropout2d(0.2), lambda: nn.Identity(), lambda: nn.Flatten(1, 2),
    lambda: nn.Unflatten(1, (2, 2)), lambda: nn.ZeroPad2d((1, 2, 0, 3)),
    lambda: nn.ConstantPad2d((1, 0, 2, 1), 1.5), lambda: nn.ReflectionPad2d((1, 2, 1, 0)),
    lambda: nn.ReplicationPad2d((0, 1, 2, 1)), lambda: nn.ReLU(), lambda: nn.ReLU6(),
    lambda: nn.LeakyReLU(0.2), lambda: nn.PReLU(4), lambda: nn.ELU(0.5), lambda: nn.SELU(),
    lambda: nn.GELU("tanh"), lambda: nn.SiLU(), lambda: nn.Mish(), lambda: nn.Sigmoid(),
    lambda: nn.Tanh(), lambda: nn.Hardswish(), lambda: nn.Hardsigmoid(),
    lambda: nn.Softplus(2, 10), lambda: nn.Softmax(0), lambda: nn.LogSoftmax(-1),
    lambda: nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=2), lambda: nn.NLLLoss(),
    lambda: nn.MSELoss("sum"), lambda: nn.L1Loss(), lambda: nn.SmoothL1Loss(beta=0.5),
    lambda: nn.BCELoss(), lambda: nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)),
    lambda: nn.Linear(4, 3), lambda: nn.ChannelShuffle(2),
    lambda: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
    lambda: nn.AdaptiveAvgPool1d(3), lambda: nn.AdaptiveMaxPool1d(3, return_indices=True),
    lambda: nn.Hardtanh(-2.0, 2.0, inplace=True), lambda: nn.PixelShuffle(2),
    lambda: nn.PixelUnshuffle(3), lambda: nn.Upsample(size=(3, 4)),
    lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
    lambda: nn.Upsample(scale_factor=(1.5, 2), mode="nearest-exact", recompute_scale_factor=True),
    lambda: nn.UpsamplingNearest2d(scale_factor=2), lambda: nn.UpsamplingBilinear2d(size=5),
]


@pytest.mark.parametrize("make", EVERY_LAYER, ids=lambda f: repr(f()))
def test_from_torch_converts_every_covered_layer_with_its_options(make):
    """Every layer and option of the coverage list converts, keeping names, state and
    every constructor option torch stores (compared through torch's own repr)."""
    t = make()
    n = nl.from_torch(t)
    assert type(n).__name__ == type(t).__name__
    assert list(n.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(n.state_dict()[k], v.numpy())
    assert repr(n) == repr(t)
