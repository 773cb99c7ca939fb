"""Dropout2d with torch's own channel mask injected into the NumPy layer: forward and
backward must agree exactly; eval is the identity; 3-D input is (N, C, L) as in torch 2.13.
(The mask's statistics are tested in test_dropout2d.py.)"""
from __future__ import annotations

import warnings

import numpy as np
import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs.dropout import _torch_forward

_CASES = [Case(case_id(p=p, x=shape), dict(p=p), (shape,))
          for p, shape in [(0.5, (4, 3, 8, 8)), (0.1, (8, 16, 3, 3)), (0.9, (2, 32, 5, 4)),
                           (0.5, (2, 5, 7)), (0.3, (16, 8, 1, 1)), (0.0, (3, 4, 5, 5)),
                           (1.0, (3, 4, 5, 5)), (0.5, (1, 64, 6, 6))]]


def _channel_mask(torch_out: np.ndarray) -> np.ndarray:
    """torch's output (N, C, *) -> keep-mask (N, C, 1, ..., 1): a channel is kept when any
    of its elements is nonzero (inputs are nonzero, so zeros are drops). Should torch drop
    single elements, the NumPy output keeps whole channels and the comparison fails."""
    return np.any(torch_out != 0, axis=tuple(range(2, torch_out.ndim)), keepdims=True)


def _numpy_forward(m: nl.Dropout2d, xs: list, torch_out: list):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # torch's 3-D warning, on purpose
        if not m.training:
            return m(*xs)
        return m(xs[0], mask=_channel_mask(torch_out[0]))


def _torch_forward_quiet(m: torch.nn.Module, xs: list, seed: int):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _torch_forward(m, xs, seed)


SPEC = ParitySpec(
    name="Dropout2d",
    torch_module=lambda c: torch.nn.Dropout2d(**c.params),
    numpy_module="from_torch",
    cases=_CASES,
    train_eval_differ=True,
    kink=lambda x, c: np.abs(x) < 1e-3,
    torch_forward=_torch_forward_quiet,
    numpy_forward=_numpy_forward,
    description="channel dropout: one keep/drop draw per (n, c), kept channels scaled 1/(1-p)",
    options={"p": "0, 0.1, 0.3, 0.5, 0.9, 1", "input": "(N, C, H, W), (N, C, L) as torch",
             "mode": "train (torch's channel mask injected), eval"},
)
