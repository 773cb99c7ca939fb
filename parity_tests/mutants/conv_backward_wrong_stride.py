"""Conv2d whose backward scatters the input gradient with stride 1 whatever the forward's
stride (the classic col2im slip: ``dx[:, :, i:i + Ho, j:j + Wo] += ...``)."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl

from . import Mutant


class WrongStrideBackwardConv2d(nl.Conv2d):
    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        dx = super().backward(grad_output)
        if self.stride == (1, 1) or self.groups != 1 or self.padding_mode != "zeros":
            return dx
        dy = grad_output if grad_output.ndim == 4 else grad_output[None]    # (N, O, Ho, Wo)
        x_shape = dx.shape if dx.ndim == 4 else (1,) + dx.shape
        left, right, top, bottom = self._padding4()
        (dh, dw), w = self.dilation, self.weight
        n, c, h, wd = x_shape
        dxp = np.zeros((n, c, h + top + bottom, wd + left + right), dx.dtype)
        ho, wo = dy.shape[2:]
        for i in range(w.shape[2]):
            for j in range(w.shape[3]):
                tap = np.tensordot(dy, w[:, :, i, j], axes=([1], [0]))     # (N, Ho, Wo, C)
                # BUG: stride ignored: consecutive rows/columns instead of every stride-th
                dxp[:, :, i * dh:i * dh + ho, j * dw:j * dw + wo] += tap.transpose(0, 3, 1, 2)
        out = dxp[:, :, top:top + h, left:left + wd]
        return out if dx.ndim == 4 else out[0]


MUTANT = Mutant("Conv2d", "wrong stride in backward (input gradient scattered with stride 1)",
                WrongStrideBackwardConv2d)
