"""``Fire``: SqueezeNet's module, a 1x1 squeeze then parallel 1x1 and 3x3 expands, concatenated."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..modules.activation import ReLU
from ..modules.conv import Conv2d
from ..modules.module import Module


class Fire(Module):
    """x (N, inplanes, H, W) -> (N, expand1x1_planes + expand3x3_planes, H, W).

    Children as torchvision's: ``squeeze`` (1x1), ``squeeze_activation``, ``expand1x1``,
    ``expand1x1_activation``, ``expand3x3`` (3x3, pad 1), ``expand3x3_activation``.
    """

    def __init__(self, inplanes: int, squeeze_planes: int, expand1x1_planes: int,
                 expand3x3_planes: int, *, dtype: object = np.float32) -> None:
        super().__init__()
        self.inplanes = inplanes
        self.squeeze = Conv2d(inplanes, squeeze_planes, kernel_size=1, dtype=dtype)
        self.squeeze_activation = ReLU(inplace=True)
        self.expand1x1 = Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1, dtype=dtype)
        self.expand1x1_activation = ReLU(inplace=True)
        self.expand3x3 = Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1,
                                dtype=dtype)
        self.expand3x3_activation = ReLU(inplace=True)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("Fire", x)
        check_ndim("Fire", x, (4,), "(N, C, H, W)")
        s = self.squeeze_activation(self.squeeze(x))
        e1 = self.expand1x1_activation(self.expand1x1(s))
        e3 = self.expand3x3_activation(self.expand3x3(s))
        out = np.concatenate([e1, e3], axis=1)                    # (N, e1 + e3, H, W)
        self._push_cache((e1.shape[1], out.shape, out.dtype))
        return out

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, e1 + e3, H, W) -> dx; the concat splits dy, the squeeze output sums both."""
        c1, shape, dtype = self._pop_cache()
        dy = check_grad("Fire", grad_output, shape, dtype)
        ds = self.expand1x1.backward(self.expand1x1_activation.backward(dy[:, :c1]))
        ds = ds + self.expand3x3.backward(self.expand3x3_activation.backward(dy[:, c1:]))
        return self.squeeze.backward(self.squeeze_activation.backward(ds))
