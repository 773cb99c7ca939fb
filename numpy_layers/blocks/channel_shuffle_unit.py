"""``ShuffleNetV2Block``: ShuffleNet V2's unit (torchvision's ``shufflenetv2.InvertedResidual``):
split or duplicate the input, a 1x1 -> depthwise 3x3 -> 1x1 branch, concat, channel shuffle."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_grad, check_ndim
from ..functional.channel_shuffle import channel_shuffle_backward, channel_shuffle_forward
from ..modules.activation import ReLU
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.module import Module


def _dw(channels: int, stride: int, dtype: object) -> list[Module]:
    """[depthwise Conv2d 3x3 (stride, pad 1, no bias), BatchNorm2d]."""
    return [Conv2d(channels, channels, 3, stride, 1, groups=channels, bias=False, dtype=dtype),
            BatchNorm2d(channels, dtype=dtype)]


def _pw(cin: int, cout: int, dtype: object, relu: bool = True) -> list[Module]:
    """[Conv2d 1x1 (no bias), BatchNorm2d, ReLU]."""
    return [Conv2d(cin, cout, 1, 1, 0, bias=False, dtype=dtype),
            BatchNorm2d(cout, dtype=dtype)] + ([ReLU(inplace=True)] if relu else [])


class ShuffleNetV2Block(Module):
    """x (N, inp, H, W) -> (N, oup, H / stride, W / stride).

    stride 1 (inp == oup): x split in two halves, ``branch2`` on the second, concat, shuffle.
    stride 2: ``branch1`` (dw 3x3 + BN, 1x1 + BN + ReLU) and ``branch2`` (1x1 + BN + ReLU,
    dw 3x3 + BN, 1x1 + BN + ReLU) both on x, concat, shuffle with 2 groups. ``branch1`` is
    an empty Sequential at stride 1, as torchvision's.
    """

    def __init__(self, inp: int, oup: int, stride: int, *, dtype: object = np.float32) -> None:
        super().__init__()
        if not 1 <= stride <= 3:
            raise ValueError(f"ShuffleNetV2Block: illegal stride value {stride}")
        self.stride = stride
        bf = oup // 2
        if stride == 1 and inp != bf << 1:
            raise ValueError(f"ShuffleNetV2Block: invalid combination of stride {stride}, "
                             f"inp {inp} and oup {oup} values (stride 1 needs inp == oup, even)")
        self.branch1 = (Sequential(*_dw(inp, stride, dtype), *_pw(inp, bf, dtype))
                        if stride > 1 else Sequential())
        self.branch2 = Sequential(*_pw(inp if stride > 1 else bf, bf, dtype),
                                  *_dw(bf, stride, dtype), *_pw(bf, bf, dtype))

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("ShuffleNetV2Block", x)
        check_ndim("ShuffleNetV2Block", x, (4,), "(N, C, H, W)")
        if self.stride == 1:
            half = x.shape[1] // 2
            parts = [x[:, :half], self.branch2(np.ascontiguousarray(x[:, half:]))]
        else:
            parts = [self.branch1(x), self.branch2(x)]
        cat = np.concatenate(parts, axis=1)                  # (N, oup, Ho, Wo)
        out, cache = channel_shuffle_forward(cat, 2, "ShuffleNetV2Block")
        self._push_cache((cache, parts[0].shape[1], out.shape, out.dtype))
        return out

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dy (N, oup, Ho, Wo) -> dx: unshuffle, split at the concat, each branch back."""
        cache, c1, shape, dtype = self._pop_cache()
        g = channel_shuffle_backward(check_grad("ShuffleNetV2Block", grad_output, shape, dtype),
                                     cache)
        g2 = self.branch2.backward(g[:, c1:])
        if self.stride == 1:
            return np.concatenate([g[:, :c1], g2], axis=1)
        return self.branch1.backward(g[:, :c1]) + g2
