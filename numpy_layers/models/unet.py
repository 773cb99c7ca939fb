"""``UNet`` as the common PyTorch U-Net (milesial/Pytorch-UNet): ``inc``, four ``Down``, four
``Up`` with skip concatenation (transposed-conv or, ``bilinear``, upsampling variant),
``outc``; state_dict keys as there (``inc.double_conv.0.weight``, ``up1.up.weight``,
``outc.conv.bias``). ``width`` is the first stage's (64 there); any input size works (the
upsampled maps are padded to the skips' size)."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype, check_float_array, check_ndim
from ..blocks.unet import DoubleConv, Down, OutConv, Up
from ..modules.module import Module


class UNet(Module):
    """x (N, n_channels, H, W) -> logits (N, n_classes, H, W)."""

    def __init__(self, n_channels: int, n_classes: int, bilinear: bool = False, *,
                 width: int = 64, dtype: object = np.float32) -> None:
        super().__init__()
        dt = self.dtype = as_dtype("UNet", dtype)
        self.n_channels, self.n_classes, self.bilinear = n_channels, n_classes, bilinear
        w, factor = width, 2 if bilinear else 1
        self.inc = DoubleConv(n_channels, w, dtype=dt)
        self.down1 = Down(w, 2 * w, dtype=dt)
        self.down2 = Down(2 * w, 4 * w, dtype=dt)
        self.down3 = Down(4 * w, 8 * w, dtype=dt)
        self.down4 = Down(8 * w, 16 * w // factor, dtype=dt)
        self.up1 = Up(16 * w, 8 * w // factor, bilinear, dtype=dt)
        self.up2 = Up(8 * w, 4 * w // factor, bilinear, dtype=dt)
        self.up3 = Up(4 * w, 2 * w // factor, bilinear, dtype=dt)
        self.up4 = Up(2 * w, w, bilinear, dtype=dt)
        self.outc = OutConv(w, n_classes, dtype=dt)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_float_array("UNet", x)
        check_ndim("UNet", x, (4,), "(N, C, H, W)")
        skips = [self.inc(x)]                                            # x1
        for down in (self.down1, self.down2, self.down3, self.down4):
            skips.append(down(skips[-1]))                                # x2 .. x5
        y = skips.pop()
        for up in (self.up1, self.up2, self.up3, self.up4):
            y = up(y, skips.pop())                                       # x4, x3, x2, x1
        return self.outc(y)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dlogits (N, n_classes, H, W) -> dx (N, n_channels, H, W)."""
        g = self.outc.backward(grad_output)
        skip_grads = []
        for up in (self.up4, self.up3, self.up2, self.up1):
            g, gs = up.backward(g)
            skip_grads.append(gs)                                        # dx1, dx2, dx3, dx4
        for down in (self.down4, self.down3, self.down2, self.down1):
            g = down.backward(g) + skip_grads.pop()                      # dx4 .. dx1
        return self.inc.backward(g)


__all__ = ["UNet"]
