"""Identity (constructor arguments accepted and ignored, as torch)."""
import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id

SPEC = ParitySpec(
    name="Identity",
    torch_module=lambda c: torch.nn.Identity(54, unused="x"),
    numpy_module=lambda c, dt: nl.Identity(54, unused="x"),
    cases=[Case(case_id(x=s), {}, (s,)) for s in [(2, 3, 4, 4), (5,), (3, 2)]],
    description="x -> x",
    options={"input": "any rank"},
)
