"""Bad input and bad configuration: both torch and NumPy reject, NumPy with a clear message.

The error inputs live in the specs (``ParitySpec.error_inputs``); each builds the layer of
the spec's name and calls it the same way on both sides. torch must raise (any exception);
NumPy must raise ValueError or TypeError whose message names the layer. Where we are
stricter than torch, the entry's ``torch_accepts_reason`` says why, and the README's
"Differences from torch" says so; a test keeps those entries honest (torch must accept).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import numpy_layers as nl
from parity_tests.harness.spec import ErrorInput, ParitySpec
from parity_tests.specs import all_specs

SPECS = [s for s in all_specs() if s.error_inputs]
ERRORS = [(s, e) for s in SPECS for e in s.error_inputs]
IDS = [f"{s.name}-{e.id}" for s, e in ERRORS]


def _torch_raises(name: str, bad: ErrorInput) -> BaseException | None:
    try:
        m = getattr(torch.nn, name)(**bad.params)
        x = bad.x()
        if isinstance(x, np.ndarray) and x.dtype != object:
            x = torch.from_numpy(x)
        elif isinstance(x, np.generic):
            x = torch.tensor(x)
        m.train()(x)
    except Exception as e:  # noqa: BLE001 - any rejection counts
        return e
    return None


def test_every_spec_with_error_inputs_names_a_class_on_both_sides():
    """The error inputs build ``numpy_layers.<name>`` and ``torch.nn.<name>``."""
    assert SPECS, "no spec has error inputs"
    missing = [f"{side}.{s.name}" for s in SPECS
               for side, mod in (("numpy_layers", nl), ("torch.nn", torch.nn))
               if not hasattr(mod, s.name)]
    assert not missing, f"error inputs of specs with no such class: {missing}"


@pytest.mark.parametrize("spec,bad", ERRORS, ids=IDS)
def test_numpy_rejects_with_a_clear_message(spec: ParitySpec, bad: ErrorInput):
    x = bad.x()
    before = np.array(x, dtype=object if isinstance(x, list) else None, copy=True)
    with pytest.raises((ValueError, TypeError)) as info:
        getattr(nl, spec.name)(**bad.params).train()(x)
    msg = str(info.value)
    assert spec.name in msg, f"message does not name the layer: {msg}"
    if bad.expect:
        assert bad.expect.lower() in msg.lower(), f"message lacks {bad.expect!r}: {msg}"
    if isinstance(x, np.ndarray) and x.dtype != object:
        np.testing.assert_array_equal(x, before)     # nothing passed in is modified


@pytest.mark.parametrize("spec,bad", ERRORS, ids=IDS)
def test_torch_rejects_the_same(spec: ParitySpec, bad: ErrorInput):
    if bad.torch_accepts_reason:
        assert _torch_raises(spec.name, bad) is None, \
            f"{bad.id} says torch accepts it ({bad.torch_accepts_reason}) but torch rejects"
        return
    assert _torch_raises(spec.name, bad) is not None, f"torch accepts {bad.id}; we reject it"


@pytest.mark.parametrize("name", ["Conv2d", "Linear", "BatchNorm2d", "MaxPool2d", "ReLU",
                                  "Softmax", "LayerNorm"])
def test_backward_grad_of_wrong_shape_is_rejected(name):
    layer = {"Conv2d": lambda: nl.Conv2d(3, 4, 3), "Linear": lambda: nl.Linear(8, 4),
             "BatchNorm2d": lambda: nl.BatchNorm2d(3), "MaxPool2d": lambda: nl.MaxPool2d(2),
             "ReLU": nl.ReLU, "Softmax": lambda: nl.Softmax(dim=1),
             "LayerNorm": lambda: nl.LayerNorm(8)}[name]()
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8) if name in (
        "Conv2d", "BatchNorm2d", "MaxPool2d") else (2, 3, 8)).astype(np.float32)
    if name == "Linear":
        x = x[:, 0]
    y = layer(x)
    with pytest.raises(ValueError, match=name):
        layer.backward(np.ones(y.shape[:-1] + (y.shape[-1] + 1,), np.float32))
    with pytest.raises(TypeError, match=name):
        layer.backward(np.ones(y.shape, np.int64))
    # A rejected gradient leaves the forward in place: the right one still goes through.
    assert layer.backward(np.ones_like(y)).shape == x.shape


@pytest.mark.parametrize("name,make,shape", [
    ("Conv2d", lambda: nl.Conv2d(3, 4, 3), (1, 3, 8, 8)),
    ("MaxPool2d", lambda: nl.MaxPool2d(2), (1, 3, 8, 8)),
    ("BatchNorm2d", lambda: nl.BatchNorm2d(3), (2, 3, 4, 4)),
    ("Linear", lambda: nl.Linear(8, 4), (2, 8)),
    ("ReLU", nl.ReLU, (2, 8)),
    ("Softmax", lambda: nl.Softmax(dim=1), (2, 8)),
])
def test_float16_is_a_clear_error(name, make, shape):
    """float16 is not supported (README): a TypeError naming the layer and the dtype."""
    with pytest.raises(TypeError, match=rf"{name}.*float16"):
        make()(np.ones(shape, np.float16))
