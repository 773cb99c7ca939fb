"""A course-style max-pool backward (no indices, no padding) that sends each window's
gradient to every element equal to the maximum; torch picks the first in row-major order."""
from __future__ import annotations

from parity_tests.examples import course_layers as c

from . import Mutant

MUTANT = Mutant("MaxPool2d", "drop-in: max-pool gradient to every tied maximum, no indices",
                target=(c.buggy_max_pool_forward_naive, c.buggy_max_pool_backward_naive),
                fixed=(c.max_pool_forward_naive, c.max_pool_backward_naive))
