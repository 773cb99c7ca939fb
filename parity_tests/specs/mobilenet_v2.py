"""MobileNetV2 against its torch twin (torchvision's structure and state_dict keys): the
standard block table at width_mult 0.25 and 0.5, and short custom tables; train and eval,
BN buffers after two steps. Dropout is 0 there (train-mode masks are random); the default
p=0.2 runs in eval mode only (MobileNetV2DropoutEval).

Inputs are sized so every training BatchNorm sees at least 16 values per channel: with
fewer, normalisation makes the backward nearly all cancellation (see resnet18.py) and
float32 errors of both libraries become noise."""
from __future__ import annotations

from numpy_layers.models.mobilenet_v2 import MobileNetV2
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import default_dropout_cases
from parity_tests.twins import mobilenet as twin
from parity_tests.twins.resnet import redraw_batchnorm

_SMALL = ((1, 8, 1, 1), (6, 12, 2, 2), (4, 16, 1, 2))


def _case(width_mult: float = 1.0, setting=None, classes: int = 10, b: int = 2, hw: int = 64,
          steps: int = 1, round_nearest: int = 8) -> Case:
    cid = case_id(wm=width_mult, table="small" if setting else "std", k=classes, b=b, hw=hw,
                  rn=round_nearest if round_nearest != 8 else None, steps=steps)
    params = dict(num_classes=classes, width_mult=width_mult, round_nearest=round_nearest,
                  inverted_residual_setting=[list(r) for r in setting] if setting else None,
                  dropout=0.0)
    return Case(cid, params, ((b, 3, hw, hw),), steps=steps)


_CASES = [_case(0.25, b=4, hw=48), _case(0.5, setting=_SMALL, hw=32, steps=2),
          _case(setting=_SMALL, hw=32), _case(setting=_SMALL, hw=24, b=3, steps=2, classes=4),
          _case(0.75, setting=_SMALL, hw=32, round_nearest=4)]


def _reduction(case: Case, tensor: str) -> int:
    """Widest sum (the 1x1 conv into 1280 channels, or a BN over N*H*W) x depth."""
    n, _, h, w = case.input_shapes[0]
    return max(320, n * h * w // 4) * 20


_DEFAULT_DROPOUT = default_dropout_cases([_CASES[0], _CASES[3]])
SPECS = [
    ParitySpec(
        name="MobileNetV2",
        torch_module=lambda c: twin.MobileNetV2(**c.params),
        numpy_module=lambda c, dt: MobileNetV2(**c.params, dtype=dt),
        cases=_CASES,
        train_eval_differ=True,
        init=redraw_batchnorm,
        reduction=_reduction,
        description="MobileNetV2: stem, inverted residual blocks, 1x1 to last_channel, avg, fc",
        options={"width_mult": "0.25, 0.5, 0.75, 1.0",
                 "inverted_residual_setting": "torchvision's, a 3-row table",
                 "round_nearest": "4, 8", "steps": "1, 2", "mode": "train, eval (dropout 0)"},
    ),
    ParitySpec(
        name="MobileNetV2DropoutEval",
        eval_only=True,
        torch_module=lambda c: twin.MobileNetV2(**c.params),
        numpy_module=lambda c, dt: MobileNetV2(**c.params, dtype=dt),
        cases=_DEFAULT_DROPOUT,
        init=redraw_batchnorm,
        reduction=_reduction,
        description="MobileNetV2 with its default dropout 0.2 in eval mode (identity)",
        options={"dropout": "0.2 (default)", "mode": "eval"},
    ),
]
