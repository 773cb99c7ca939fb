"""Shared by the specs of the 2019-2023 structures (ConvNeXt, EfficientNet, U-Net, YOLO):
a parameter redraw away from trivial initialisations, and the pair of specs each structure
gets: its numpy_layers block or model against the torch twin, and the same twin converted
by ``from_torch`` (torch.fx) against itself.

A random network can place a value within ~1e-5 of a ReLU kink or a max-pooling tie deep
inside (the input redraw cannot reach there), where float32 rounding picks the branch; one
such element moves every gradient of a training BatchNorm network (U-Net at width 6 on
36x28 had a BN output of -3.7e-6 before a ReLU: NumPy float32 rounded it positive). The
cases here were checked free of that with and without OPENBLAS_CORETYPE=Haswell."""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from parity_tests.harness.spec import Case, ParitySpec
from parity_tests.harness.tolerance import Terms
from parity_tests.harness.inputs import redraw_norm
from parity_tests.twins.torchvision_ops import MaskReplay


def redraw(module: nn.Module, rng: np.random.Generator) -> None:
    """Conv and Linear weights ~ N(0, 1/fan_in) (unit-scale signals through the depth, where
    the twins' own inits make them vanish: ConvNeXt's std 0.02, layer scale 1e-6), biases
    ~ N(0, 0.1), norms' parameters and running statistics redrawn, layer scales ~ U(0.5, 1)."""
    def put(t: torch.Tensor, values: np.ndarray) -> None:
        t.copy_(torch.from_numpy(values.reshape(t.shape)))

    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            w = m.weight
            fan_in = w.shape[1] * math.prod(w.shape[2:]) if not isinstance(m, nn.ConvTranspose2d) \
                else w.shape[0] * math.prod(w.shape[2:]) // max(1, m.stride[0] * m.stride[1])
            put(w, rng.normal(0, 1 / math.sqrt(max(fan_in, 1)), w.shape))
            if m.bias is not None:
                put(m.bias, rng.normal(0, 0.1, m.bias.shape))
        elif isinstance(m, nn.BatchNorm2d):
            redraw_norm(m, rng)
        elif isinstance(m, nn.LayerNorm):
            put(m.weight, rng.uniform(0.5, 1.5, m.weight.shape))
            put(m.bias, rng.normal(0, 0.2, m.bias.shape))
        for name, p in m.named_parameters(recurse=False):
            if name == "layer_scale":
                put(p, rng.uniform(0.5, 1.0, p.shape))


def structure_specs(name: str, torch_module: Callable[[Case], Any],
                    numpy_module: Callable[[Case, np.dtype], Any], cases: Sequence[Case],
                    fx_cases: Sequence[Case], reduction: Callable[[Case, str], Any],
                    description: str, options: dict[str, str], **extra: Any) -> list[ParitySpec]:
    """``name`` (numpy_layers' hand-written structure) and ``name + 'Fx'`` (the twin through
    ``from_torch``): outputs, input gradient, every parameter gradient by name, buffers;
    float32 and float64, train and eval; torch's stochastic depth masks injected."""
    replay = MaskReplay()
    common = dict(torch_module=torch_module, train_eval_differ=True, init=redraw,
                  reduction=reduction, torch_forward=replay.torch_forward,
                  numpy_forward=replay.numpy_forward, **extra)
    return [
        ParitySpec(name=name, numpy_module=numpy_module, cases=list(cases),
                   description=description, options=options, **common),
        ParitySpec(name=name + "Fx", numpy_module="from_torch", cases=list(fx_cases),
                   description=f"the torch twin converted by from_torch (torch.fx): {description}",
                   options={"cases": f"{len(fx_cases)} of {name}'s", "mode": "train, eval"},
                   **common),
    ]


def depth_terms(widest: int, depth: int, rms: float = 1.0) -> Terms:
    """A whole network's bound: the widest single sum times the depth, terms of size
    ``rms`` (parameter gradients sum unit-size upstream terms that cancel)."""
    return Terms(max(widest, 1) * depth, rms)
