"""EfficientNet-B0 against its torch twin (torchvision's code, names and init), at reduced
width and depth (torchvision's own width_mult / depth_mult knobs): stem, MBConv stages with
squeeze-excitation and stochastic depth (torch's masks injected in training), 1x1 head,
classifier. Also converted by ``from_torch`` (EfficientNetFx). Dropout is 0 where train mode
runs (its masks are random); the default 0.2 runs in eval (EfficientNetDropoutEval).

Inputs give every training BatchNorm at least 16 values per channel (fewer make its
backward mostly cancellation; see resnet18.py)."""
from __future__ import annotations

from numpy_layers.models.efficientnet import efficientnet_b0
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import default_dropout_cases
from parity_tests.specs._modern_common import depth_terms, redraw, structure_specs
from parity_tests.twins import efficientnet as twin


def _case(wm=0.25, dm=0.34, sd=0.2, b=4, hw=64, classes=10, steps=1) -> Case:
    return Case(case_id(wm=wm, dm=dm, sd=sd, b=b, hw=hw, k=classes,
                        steps=steps if steps > 1 else None),
                dict(width_mult=wm, depth_mult=dm, stochastic_depth_prob=sd,
                     num_classes=classes, dropout=0.0), ((b, 3, hw, hw),), steps=steps)


_CASES = [_case(), _case(wm=0.5, dm=0.5, sd=0.5, b=2, hw=96, steps=2)]


def _reduction(c: Case, tensor: str):
    n, _, h, w = c.input_shapes[0]
    return depth_terms(max(1280 * c.params["width_mult"], n * h * w // 4), 24)


def _torch(c: Case):
    return twin.efficientnet_b0(**c.params)


def _numpy(c: Case, dt):
    return efficientnet_b0(**c.params, dtype=dt)


SPECS = structure_specs(
    "EfficientNet", _torch, _numpy, _CASES, _CASES[1:], _reduction,
    "EfficientNet-B0: stem, MBConv stages (SE, stochastic depth), 1x1 head, avg, classifier",
    {"width_mult": "0.25, 0.5", "depth_mult": "0.34, 0.5",
     "stochastic_depth_prob": "0.2, 0.5 (torch's masks)", "input": "4x3x64x64, 2x3x96x96",
     "steps": "1, 2", "mode": "train, eval (dropout 0)"},
) + [ParitySpec(
    name="EfficientNetDropoutEval", eval_only=True, torch_module=_torch, numpy_module=_numpy,
    cases=default_dropout_cases(_CASES[:1]), init=redraw, reduction=_reduction,
    description="EfficientNet-B0 with its default dropout 0.2 in eval mode (identity)",
    options={"dropout": "0.2 (default)", "mode": "eval"},
)]
