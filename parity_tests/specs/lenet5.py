"""LeNet5 (ReLU / max-pool form) against its torch twin: classic 32x32 and other input
sizes, 1 or 3 input channels, 10 or 5 classes, gradients accumulated over two steps."""
from __future__ import annotations

from numpy_layers.models.lenet import LeNet5
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import network_bound
from parity_tests.twins import classic as twin


def _case(cin=1, classes=10, size=32, b=2, steps=1) -> Case:
    return Case(case_id(c=cin, k=classes, x=size, b=b, steps=steps),
                dict(num_classes=classes, in_channels=cin, input_size=size),
                ((b, cin, size, size),), steps=steps)


_CASES = [_case(), _case(steps=2), _case(3, 5, 36, b=3), _case(1, 10, 28, b=1),
          _case(2, 7, 40, b=4)]

SPEC = ParitySpec(
    name="LeNet5",
    torch_module=lambda c: twin.LeNet5(**c.params),
    numpy_module=lambda c, dt: LeNet5(**c.params, dtype=dt),
    cases=_CASES,
    reduction=network_bound(lambda c: 16 * 7 * 7, 5),
    description="LeNet-5: conv5 6, pool, conv5 16, pool, fc 120, 84, classes (ReLU, max pool)",
    options={"input_size": "28, 32, 36, 40", "in_channels": "1, 2, 3",
             "num_classes": "5, 7, 10", "steps": "1, 2 (gradients accumulate)"},
)
