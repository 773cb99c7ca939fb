"""A course-style spatial batch norm whose backward divides by N (the batch) where the
statistics were taken over N*H*W values per channel."""
from __future__ import annotations

from parity_tests.examples import course_layers as c

from . import Mutant

MUTANT = Mutant("BatchNorm2d", "drop-in: batch-norm backward divides by N instead of N*H*W",
                target=(c.buggy_spatial_batchnorm_forward, c.buggy_spatial_batchnorm_backward),
                fixed=(c.spatial_batchnorm_forward, c.spatial_batchnorm_backward))
