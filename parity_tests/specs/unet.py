"""U-Net against its torch twin (the common PyTorch U-Net, milesial/Pytorch-UNet) at width 4
and 8: the transposed-conv and the bilinear (align_corners) upsampling variants, skip
concatenation, and input sizes that do not halve evenly (F.pad of the upsampled map, odd
sizes). Also converted by ``from_torch`` (UNetFx: F.pad with sizes from ``x.size()``).
Float32 and float64, train and eval, BN buffers after two steps."""
from __future__ import annotations

from numpy_layers.models.unet import UNet
from parity_tests.harness.spec import Case, case_id
from parity_tests.specs._modern_common import depth_terms, structure_specs
from parity_tests.twins import unet as twin


def _case(bilinear, width=4, b=2, hw=(32, 32), classes=2, steps=1) -> Case:
    return Case(case_id(bilinear=bilinear, w=width, b=b, hw=hw, k=classes,
                        steps=steps if steps > 1 else None),
                dict(n_channels=3, n_classes=classes, bilinear=bilinear, width=width),
                ((b, 3, *hw),), steps=steps)


_CASES = [_case(False), _case(True, 4, b=3, hw=(44, 40), classes=3, steps=2),
          _case(False, 8, b=2, hw=(36, 28), steps=2)]


def _reduction(c: Case, tensor: str):
    n, _, h, w = c.input_shapes[0]
    return depth_terms(max(32 * c.params["width"] * 9, n * h * w), 20)


SPECS = structure_specs(
    "UNet", lambda c: twin.UNet(**c.params), lambda c, dt: UNet(**c.params, dtype=dt),
    _CASES, _CASES[1:2], _reduction,
    "U-Net: 4 downs (maxpool, double conv), 4 ups (transposed conv or bilinear, pad, concat)",
    {"bilinear": "False (ConvTranspose2d), True (Upsample align_corners)", "width": "4, 8",
     "input": "32x32, 36x28, 44x40 (sizes that do not halve evenly: padding)",
     "steps": "1, 2", "mode": "train, eval"},
)
