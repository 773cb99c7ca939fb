"""YOLOv8's blocks as ultralytics writes them (ultralytics/nn/modules), with its names:
``Conv`` (conv-BN-SiLU: ``conv``, ``bn``, ``act``), ``Bottleneck`` (``cv1``, ``cv2``, the
input added when it keeps the width), ``C2f`` (split, bottlenecks, concat), ``C3``, ``SPPF``
(one MaxPool2d(k, 1, k // 2) applied three times, concat), ``Concat`` and ``Detect`` (per
scale a box branch ``cv2`` and a class branch ``cv3``, concatenated; the raw maps)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..modules.activation import SiLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.module import Module
from ..modules.pooling import MaxPool2d
from ..modules.shape import Identity


def autopad(k, p=None, d=1):
    """'same' padding for kernel ``k`` and dilation ``d`` (ultralytics')."""
    if d > 1:
        k = d * (k - 1) + 1 if isinstance(k, int) else [d * (x - 1) + 1 for x in k]
    if p is None:
        p = k // 2 if isinstance(k, int) else [x // 2 for x in k]
    return p


class Conv(Sequential):
    """x (N, c1, H, W) -> SiLU(BN(conv(x))) (N, c2, H/s, W/s); ``act=False``: no activation."""

    def __init__(self, c1: int, c2: int, k=1, s=1, p=None, g: int = 1, d: int = 1,
                 act: bool | Module = True, *, dtype: object = np.float32) -> None:
        act_m = SiLU() if act is True else act if isinstance(act, Module) else Identity()
        super().__init__(OrderedDict([
            ("conv", Conv2d(c1, c2, k, s, autopad(k, p, d), groups=g, dilation=d, bias=False,
                            dtype=dtype)),
            ("bn", BatchNorm2d(c2, dtype=dtype)), ("act", act_m)]))


def _split(g: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """Channel pieces of a concatenation's gradient (views)."""
    return np.split(g, np.cumsum(sizes)[:-1], axis=1)


class Bottleneck(Module):
    """x -> cv2(cv1(x)) (+ x when ``shortcut`` and c1 == c2); cv1 has int(c2 * e) channels."""

    def __init__(self, c1: int, c2: int, shortcut: bool = True, g: int = 1, k=(3, 3),
                 e: float = 0.5, *, dtype: object = np.float32) -> None:
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, k[0], 1, dtype=dtype)
        self.cv2 = Conv(c_, c2, k[1], 1, g=g, dtype=dtype)
        self.add = shortcut and c1 == c2

    def forward(self, x: np.ndarray) -> np.ndarray:
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        dx = self.cv1.backward(self.cv2.backward(grad_output))
        return dx + grad_output if self.add else dx


class C2f(Module):
    """x (N, c1, H, W) -> (N, c2, H, W): cv1 to 2c channels split in two halves, n
    bottlenecks chained on the last piece, all (2 + n) pieces concatenated, cv2."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = False, g: int = 1,
                 e: float = 0.5, *, dtype: object = np.float32) -> None:
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1, dtype=dtype)
        self.cv2 = Conv((2 + n) * self.c, c2, 1, dtype=dtype)
        self.m = Sequential(*(Bottleneck(self.c, self.c, shortcut, g, k=(3, 3), e=1.0, dtype=dtype)
                              for _ in range(n)))

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("C2f", x)
        a = self.cv1(x)                                                  # (N, 2c, H, W)
        y = [a[:, :self.c], a[:, self.c:]]
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(np.concatenate(y, axis=1))                       # (N, (2+n)c, H, W)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        g = _split(self.cv2.backward(grad_output), [self.c] * (2 + len(self.m)))
        for k in reversed(range(len(self.m))):                          # piece k+1 fed m[k]
            g[k + 1] = g[k + 1] + self.m[k].backward(g[k + 2])
        return self.cv1.backward(np.concatenate(g[:2], axis=1))


class C3(Module):
    """x -> cv3(cat(m(cv1(x)), cv2(x))), c_ = int(c2 * e) channels per branch."""

    def __init__(self, c1: int, c2: int, n: int = 1, shortcut: bool = True, g: int = 1,
                 e: float = 0.5, *, dtype: object = np.float32) -> None:
        super().__init__()
        self.c_ = c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 1, 1, dtype=dtype)
        self.cv2 = Conv(c1, c_, 1, 1, dtype=dtype)
        self.cv3 = Conv(2 * c_, c2, 1, dtype=dtype)
        self.m = Sequential(*(Bottleneck(c_, c_, shortcut, g, k=(1, 3), e=1.0, dtype=dtype)
                              for _ in range(n)))

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("C3", x)
        return self.cv3(np.concatenate([self.m(self.cv1(x)), self.cv2(x)], axis=1))

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        ga, gb = _split(self.cv3.backward(grad_output), [self.c_, self.c_])
        return self.cv1.backward(self.m.backward(ga)) + self.cv2.backward(gb)


class SPPF(Module):
    """x -> cv2(cat(y0, m(y0), m(m(y0)), m(m(m(y0))))), y0 = cv1(x); m = MaxPool2d(k, 1, k//2)."""

    def __init__(self, c1: int, c2: int, k: int = 5, *, dtype: object = np.float32) -> None:
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1, dtype=dtype)
        self.cv2 = Conv(c_ * 4, c2, 1, 1, dtype=dtype)
        self.m = MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("SPPF", x)
        y = [self.cv1(x)]
        for _ in range(3):
            y.append(self.m(y[-1]))
        return self.cv2(np.concatenate(y, axis=1))

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        g = self.cv2.backward(grad_output)
        g = _split(g, [g.shape[1] // 4] * 4)
        acc = g[3]
        for k in (2, 1, 0):                                # the pool's last use first
            acc = g[k] + self.m.backward(acc)
        return self.cv1.backward(acc)


class Concat(Module):
    """[x0, x1, ...] -> their concatenation along ``dimension``; backward -> the pieces."""

    def __init__(self, dimension: int = 1) -> None:
        super().__init__()
        self.d = dimension

    def forward(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        for x in xs:
            check_float_array("Concat", x)
        self._push_cache([x.shape[self.d] for x in xs])
        return np.concatenate(list(xs), axis=self.d)

    def backward(self, grad_output: np.ndarray | None = None) -> list[np.ndarray]:
        return np.split(grad_output, np.cumsum(self._pop_cache())[:-1], axis=self.d)


class Detect(Module):
    """[P3, P4, P5] (N, ch[i], H_i, W_i) -> [(N, 4 * reg_max + nc, H_i, W_i)]: per scale
    cat(cv2[i](x), cv3[i](x)), each branch Conv 3x3, Conv 3x3, 1x1 Conv2d. ``backward``
    takes one gradient per scale (None is taken as zeros)."""

    def __init__(self, nc: int = 80, ch: Sequence[int] = (), reg_max: int = 16, *,
                 dtype: object = np.float32) -> None:
        super().__init__()
        self.nc, self.nl, self.reg_max = nc, len(ch), reg_max
        self.no = nc + 4 * reg_max
        c2, c3 = max((16, ch[0] // 4, reg_max * 4)), max(ch[0], min(nc, 100))
        self.cv2 = Sequential(*(Sequential(Conv(x, c2, 3, dtype=dtype), Conv(c2, c2, 3, dtype=dtype),
                                           Conv2d(c2, 4 * reg_max, 1, dtype=dtype)) for x in ch))
        self.cv3 = Sequential(*(Sequential(Conv(x, c3, 3, dtype=dtype), Conv(c3, c3, 3, dtype=dtype),
                                           Conv2d(c3, nc, 1, dtype=dtype)) for x in ch))

    def forward(self, xs: Sequence[np.ndarray]) -> list[np.ndarray]:
        if len(xs) != self.nl:
            raise ValueError(f"Detect: expected {self.nl} feature maps, got {len(xs)}")
        for x in xs:
            check_float_array("Detect", x)
            check_ndim("Detect", x, (4,), "(N, C, H, W)")
        out = [np.concatenate([b(x), c(x)], axis=1) for b, c, x in zip(self.cv2, self.cv3, xs)]
        self._push_cache([(y.shape, y.dtype) for y in out])
        return out

    def backward(self, grad_output=None) -> list[np.ndarray]:
        metas = self._pop_cache()
        grads = grad_output if isinstance(grad_output, (list, tuple)) else [grad_output]
        if len(grads) != self.nl:
            raise ValueError(f"Detect.backward: expected {self.nl} gradients, got {len(grads)}")
        out = []
        for i, (g, (shape, dtype)) in enumerate(zip(grads, metas)):
            g = np.zeros(shape, dtype) if g is None else check_grad("Detect", g, shape, dtype)
            gb, gc = g[:, :4 * self.reg_max], g[:, 4 * self.reg_max:]
            out.append(self.cv2[i].backward(gb) + self.cv3[i].backward(gc))
        return out


__all__ = ["Conv", "Bottleneck", "C2f", "C3", "SPPF", "Concat", "Detect", "autopad"]
