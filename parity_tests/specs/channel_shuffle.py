"""ChannelShuffle against torch.nn.ChannelShuffle, built with ``from_torch``: groups 1, 2, 3,
C (every channel its own group), 3-D, 4-D and 5-D inputs, an empty batch."""
from __future__ import annotations

import torch

from parity_tests.harness.spec import Case, ParitySpec, case_id

_CASES = [Case(case_id(g=g, x=shape), dict(groups=g), (shape,))
          for g, shape in [(2, (2, 6, 4, 4)), (3, (2, 6, 4, 4)), (1, (3, 5, 2, 3)),
                           (4, (2, 4, 3, 3)), (4, (1, 8, 5)), (2, (2, 4, 2, 3, 2)),
                           (3, (4, 12, 7, 7)), (2, (0, 4, 3, 3))]]

SPEC = ParitySpec(
    name="ChannelShuffle",
    torch_module=lambda c: torch.nn.ChannelShuffle(**c.params),
    numpy_module="from_torch",
    cases=_CASES,
    description="ShuffleNet channel shuffle: (N, g, C/g, *) transposed to (N, C/g, g, *)",
    options={"groups": "1, 2, 3, 4 (= C)", "input": "3-D, 4-D, 5-D, empty batch"},
)
