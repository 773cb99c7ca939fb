"""A course-style conv backward (``conv_backward_naive``) that crops the padding with
``dxp[:, :, pad:-pad, pad:-pad]``: an empty array at padding 0 (-0 is 0)."""
from __future__ import annotations

from parity_tests.examples import course_layers as c

from . import Mutant

MUTANT = Mutant("Conv2d", "drop-in: input gradient cropped with pad:-pad (empty at padding 0)",
                target=(c.buggy_conv_forward_naive, c.buggy_conv_backward_naive),
                fixed=(c.conv_forward_naive, c.conv_backward_naive))
