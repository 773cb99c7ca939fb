"""AlexNet (torchvision's layout, widths x 1/16 or 1/32) against its torch twin: dropout 0 in
train and eval, torchvision's default dropout 0.5 in eval (identity), inputs 63..80."""
from __future__ import annotations

from numpy_layers.models.alexnet import AlexNet
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import network_bound
from parity_tests.twins import classic as twin


def _case(wm=1 / 16, classes=10, size=64, b=2, p=0.0, steps=1) -> Case:
    return Case(case_id(w=round(1 / wm), k=classes, x=size, b=b, p=p, steps=steps),
                dict(num_classes=classes, dropout=p, width_mult=wm),
                ((b, 3, size, size),), steps=steps)


def _numpy(c: Case, dt) -> AlexNet:
    return AlexNet(**c.params, dtype=dt)


def _torch(c: Case):
    return twin.AlexNet(**c.params)


_BOUND = network_bound(lambda c: round(4096 * c.params["width_mult"]), 8)

SPECS = [
    ParitySpec(
        name="AlexNet",
        torch_module=_torch,
        numpy_module=_numpy,
        cases=[_case(), _case(steps=2), _case(1 / 32, 5, 63, b=3), _case(1 / 16, 10, 80, b=1)],
        train_eval_differ=True,
        reduction=_BOUND,
        description="torchvision AlexNet, dropout=0 (training masks are random)",
        options={"width_mult": "1/16, 1/32", "input": "63, 64, 80 (adaptive pool to 6x6)",
                 "steps": "1, 2", "mode": "train, eval"},
    ),
    ParitySpec(
        name="AlexNetDropoutEval",
        eval_only=True,
        torch_module=_torch,
        numpy_module=_numpy,
        cases=[_case(p=0.5), _case(1 / 32, 4, 70, b=3, p=0.5)],
        reduction=_BOUND,
        description="torchvision AlexNet with dropout 0.5 in eval mode (identity)",
        options={"dropout": "0.5", "mode": "eval"},
    ),
]
