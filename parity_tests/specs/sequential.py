"""A small CNN in nested Sequentials, converted with ``from_torch``: every parameter
gradient by its torch name (``0.0.weight`` ...) and BN buffers after each step."""
from __future__ import annotations

from torch import nn

from parity_tests.harness.spec import Case, ParitySpec, case_id


def _net(c: Case) -> nn.Module:
    width = c.params["width"]
    features = nn.Sequential(
        nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()),
        nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(2 * width), nn.ReLU(), nn.AvgPool2d(2),
    )
    return nn.Sequential(features, nn.Flatten(), nn.Linear(2 * width * 4, 10))


_CASES = [Case(case_id(w=w, x=s), dict(width=w), (s,), steps=2)
          for w, s in [(4, (2, 3, 16, 16)), (8, (1, 3, 16, 16)), (6, (5, 3, 16, 16))]]


def _reduction(case: Case, tensor: str) -> int:
    n = case.input_shapes[0][0]
    return max(64, n * 16 * 16)      # the widest sums: over batch x positions of the first conv


SPEC = ParitySpec(
    name="Sequential",
    torch_module=_net,
    numpy_module="from_torch",
    cases=_CASES,
    train_eval_differ=True,
    reduction=_reduction,
    description="conv-bn-relu-pool-conv-bn-relu-pool-flatten-linear, nested, via from_torch",
    options={"structure": "nested Sequential of Conv2d, BatchNorm2d, ReLU, MaxPool2d, "
                          "AvgPool2d, Flatten, Linear", "steps": "2"},
)
