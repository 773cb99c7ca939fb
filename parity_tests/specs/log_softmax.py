"""LogSoftmax: the same dims, shapes, scales, ties and NaN rows as Softmax."""
from __future__ import annotations

import torch

from numpy_layers.modules.softmax import LogSoftmax
from parity_tests.harness.spec import ErrorInput, ones
from parity_tests.specs._activation_common import activation_spec
from parity_tests.specs.softmax import OPTIONS, cases, reduction

SPEC = activation_spec(
    "LogSoftmax", torch.nn.LogSoftmax, LogSoftmax, cases(), reduction=reduction,
    error_inputs=[ErrorInput("logsoftmax_dim", dict(dim=-3), ones(2, 3), "dim")],
    description="x - log(sum(exp(x))) along dim", options=OPTIONS,
)
