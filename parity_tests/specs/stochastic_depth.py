"""StochasticDepth (torchvision.ops, through a stand-in with torchvision's code and qualified
names) with torch's masks injected: 'row' (one draw per sample) and 'batch' (one draw),
p 0, 0.2, 0.5, 0.9, 1; 2-D to 5-D inputs; eval is the identity. Half the cases build the
NumPy layer with ``from_torch`` (recognised by qualified name), half with its constructor."""
from __future__ import annotations

import zlib

import numpy as np

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.twins.torchvision_ops import MaskReplay, StochasticDepth

_CASES = [Case(case_id(p=p, mode=mode, x=shape), dict(p=p, mode=mode), (shape,))
          for p, mode, shape in [(0.5, "row", (8, 3, 4, 4)), (0.2, "row", (16, 5)),
                                 (0.9, "row", (6, 2, 3)), (0.5, "batch", (4, 3, 5, 5)),
                                 (0.2, "batch", (3, 7)), (0.0, "row", (4, 3)),
                                 (1.0, "row", (4, 3, 2)), (1.0, "batch", (3, 4)),
                                 (0.3, "row", (5, 2, 3, 2, 2)), (0.5, "row", (20,))]]
_REPLAY = MaskReplay()


def _numpy_module(case: Case, dtype):
    if zlib.crc32(case.id.encode()) % 2:
        return nl.from_torch(StochasticDepth(**case.params))
    return nl.StochasticDepth(**case.params)


SPEC = ParitySpec(
    name="StochasticDepth",
    torch_module=lambda c: StochasticDepth(**c.params),
    numpy_module=_numpy_module,
    cases=_CASES,
    train_eval_differ=True,
    kink=lambda x, c: np.abs(x) < 1e-3,          # zeros would hide torch's mask
    torch_forward=_REPLAY.torch_forward,
    numpy_forward=_REPLAY.numpy_forward,
    description="torchvision's stochastic depth: a residual branch dropped per sample or batch",
    options={"p": "0, 0.2, 0.3, 0.5, 0.9, 1", "mode": "row, batch",
             "input": "1-D to 5-D", "mode (train/eval)": "train (torch's mask injected), eval",
             "construction": "constructor, from_torch (torchvision's qualified name)"},
)
