"""NiN (d2l's Network in Network, widths x 1/16 or 1/32) against its torch twin: dropout 0 in
train and eval, d2l's dropout 0.5 in eval (identity), inputs 67..96, 1 or 3 channels."""
from __future__ import annotations

from numpy_layers.models.nin import NiN
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import network_bound
from parity_tests.twins import classic as twin


def _case(wm=1 / 16, classes=10, cin=1, size=67, b=2, p=0.0, steps=1) -> Case:
    return Case(case_id(w=round(1 / wm), k=classes, c=cin, x=size, b=b, p=p, steps=steps),
                dict(num_classes=classes, in_channels=cin, dropout=p, width_mult=wm),
                ((b, cin, size, size),), steps=steps)


def _numpy(c: Case, dt) -> NiN:
    return NiN(**c.params, dtype=dt)


def _torch(c: Case):
    return twin.nin(**c.params)


_BOUND = network_bound(lambda c: 121 * c.params["in_channels"], 12)

SPECS = [
    ParitySpec(
        name="NiN",
        torch_module=_torch,
        numpy_module=_numpy,
        cases=[_case(), _case(steps=2), _case(1 / 32, 5, 3, 80, b=3), _case(cin=3, size=96, b=1)],
        train_eval_differ=True,
        reduction=_BOUND,
        description="d2l NiN: mlpconv blocks, max pools, dropout=0, global average",
        options={"width_mult": "1/16, 1/32", "in_channels": "1, 3", "input": "67, 80, 96",
                 "steps": "1, 2", "mode": "train, eval"},
    ),
    ParitySpec(
        name="NiNDropoutEval",
        eval_only=True,
        torch_module=_torch,
        numpy_module=_numpy,
        cases=[_case(p=0.5), _case(1 / 32, 4, 3, 70, b=3, p=0.5)],
        reduction=_BOUND,
        description="d2l NiN with dropout 0.5 in eval mode (identity)",
        options={"dropout": "0.5", "mode": "eval"},
    ),
]
