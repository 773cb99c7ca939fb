"""Dropout with torch's own mask injected into the NumPy layer: forward and backward must
agree exactly; eval is the identity. (The mask's statistics are tested in test_dropout.py.)"""
from __future__ import annotations

import numpy as np
import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones

_CASES = [Case(case_id(p=p, x=shape), dict(p=p), (shape,))
          for p, shape in [(0.5, (4, 3, 8, 8)), (0.1, (10, 5)), (0.9, (2, 16, 5, 5)),
                           (0.0, (3, 7)), (1.0, (3, 7)), (0.3, (1000,))]]


def _torch_forward(m: torch.nn.Module, xs: list, seed: int):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return m(*xs)


def _numpy_forward(m: nl.Dropout, xs: list, torch_out: list):
    if not m.training:
        return m(*xs)
    mask = torch_out[0] != 0          # inputs are nonzero (kink), so zeros are drops
    return m(xs[0], mask=mask)


SPEC = ParitySpec(
    name="Dropout",
    torch_module=lambda c: torch.nn.Dropout(**c.params),
    numpy_module=lambda c, dt: nl.Dropout(**c.params),
    error_inputs=[ErrorInput("dropout_p_high", dict(p=1.5), ones(2, 3), "probability"),
                  ErrorInput("dropout_p_negative", dict(p=-0.1), ones(2, 3), "probability")],
    cases=_CASES,
    train_eval_differ=True,
    kink=lambda x, c: np.abs(x) < 1e-3,
    torch_forward=_torch_forward,
    numpy_forward=_numpy_forward,
    description="dropout; p is the drop probability, kept values scaled by 1/(1-p)",
    options={"p": "0, 0.1, 0.3, 0.5, 0.9, 1", "mode": "train (torch's mask injected), eval"},
)
