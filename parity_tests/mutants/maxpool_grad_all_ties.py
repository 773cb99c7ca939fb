"""MaxPool2d whose backward sends each window's gradient to every element equal to the
maximum (``mask = window == max``), where torch picks one (the first in row-major order)."""
from __future__ import annotations

import numpy as np

import numpy_layers as nl
from parity_tests.harness.spec import pair

from . import Mutant


class AllTiesMaxPool2d(nl.MaxPool2d):
    def forward(self, x: np.ndarray):
        out = super().forward(x)
        self._inputs = getattr(self, "_inputs", []) + [x]
        return out

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        super().backward(grad_output)                                   # pops the cache
        x = self._inputs.pop()
        x4, dy = (x, grad_output) if x.ndim == 4 else (x[None], grad_output[None])
        (kh, kw), (ph, pw), (dh, dw) = (pair(v) for v in (self.kernel_size, self.padding,
                                                           self.dilation))
        sh, sw = pair(self.stride)
        n, c, h, w = x4.shape
        ho, wo = dy.shape[2:]
        hp = max(h + 2 * ph, (ho - 1) * sh + (kh - 1) * dh + 1)
        wp = max(w + 2 * pw, (wo - 1) * sw + (kw - 1) * dw + 1)
        xp = np.full((n, c, hp, wp), -np.inf, x.dtype)
        xp[:, :, ph:ph + h, pw:pw + w] = x4
        wins = [(slice(i * dh, i * dh + (ho - 1) * sh + 1, sh), slice(j * dw, j * dw + (wo - 1) * sw + 1, sw))
                for i in range(kh) for j in range(kw)]
        ymax = np.max([xp[:, :, a, b] for a, b in wins], axis=0)         # (N, C, Ho, Wo)
        dxp = np.zeros_like(xp)
        for a, b in wins:
            dxp[:, :, a, b] += np.where(xp[:, :, a, b] == ymax, dy, 0)  # BUG: every tie
        dx = dxp[:, :, ph:ph + h, pw:pw + w]
        return dx if x.ndim == 4 else dx[0]


MUTANT = Mutant("MaxPool2d", "max-pool gradient to every tied element", AllTiesMaxPool2d)
