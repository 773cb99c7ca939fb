"""PixelShuffle and PixelUnshuffle against torch.nn, built with ``from_torch``: factors 1, 2,
3, inputs 3-D (unbatched), 4-D and 5-D (extra leading dims), non-square. No empty batch: torch 2.13's
backward of an empty pixel_shuffle raises (its gradient comes back with the output's shape)."""
from __future__ import annotations

import torch

from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones

_SHUFFLE = [(2, (2, 8, 3, 4)), (3, (1, 18, 2, 2)), (1, (2, 3, 4, 5)), (2, (4, 5, 6)),
            (2, (2, 3, 4, 2, 3)), (3, (2, 9, 1, 5))]
_UNSHUFFLE = [(2, (2, 2, 6, 8)), (3, (1, 2, 6, 3)), (1, (2, 3, 4, 5)), (2, (3, 4, 6)),
              (2, (2, 3, 2, 4, 6)), (4, (1, 2, 8, 4))]
_SHUFFLE_ERRORS = [
    ErrorInput("pixel_shuffle_channels", dict(upscale_factor=2), ones(1, 5, 2, 2), "divisible"),
    ErrorInput("pixel_shuffle_2d_input", dict(upscale_factor=2), ones(4, 2), "3 dimensions"),
]
_UNSHUFFLE_ERRORS = [
    ErrorInput("pixel_unshuffle_height", dict(downscale_factor=2), ones(1, 1, 3, 4), "height"),
]

SPECS = [
    ParitySpec(
        name=name,
        torch_module=lambda c, cls=cls: cls(**c.params),
        numpy_module="from_torch",
        error_inputs=errors,
        cases=[Case(case_id(r=r, x=shape), {arg: r}, (shape,)) for r, shape in cases],
        description=what,
        options={arg: ", ".join(sorted({str(r) for r, _ in cases})),
                 "input": "3-D (unbatched), 4-D, 5-D (extra leading dim)"},
    )
    for name, cls, arg, cases, errors, what in (
        ("PixelShuffle", torch.nn.PixelShuffle, "upscale_factor", _SHUFFLE, _SHUFFLE_ERRORS,
         "(*, C*r*r, H, W) -> (*, C, H*r, W*r)"),
        ("PixelUnshuffle", torch.nn.PixelUnshuffle, "downscale_factor", _UNSHUFFLE,
         _UNSHUFFLE_ERRORS, "(*, C, H*r, W*r) -> (*, C*r*r, H, W)"))
]
