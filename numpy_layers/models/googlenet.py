"""``GoogLeNet`` (torchvision's Inception v1, optional auxiliary heads): state_dict keys as
torchvision's (``conv1.conv.weight``, ``inception3a.branch2.1.bn.running_var``,
``aux1.fc1.weight``, ``fc.weight`` ...).

``width`` scales every channel count c to max(1, c * width // 64) (torchvision's is 64) so
tests can run small networks; the input size is free (adaptive average pooling).
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable, Sequence

import numpy as np

from .._checks import as_dtype, check_float_array, check_ndim
from ..blocks.inception import BasicConv2d, Inception, InceptionAux
from ..modules.adaptive_pool import AdaptiveAvgPool2d
from ..modules.conv import Conv2d
from ..modules.dropout import Dropout
from ..modules.linear import Linear
from ..modules.module import Module
from ..modules.pooling import MaxPool2d

# Per Inception block: ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj (torchvision's).
INCEPTION_WIDTHS = {
    "inception3a": (64, 96, 128, 16, 32, 32), "inception3b": (128, 128, 192, 32, 96, 64),
    "inception4a": (192, 96, 208, 16, 48, 64), "inception4b": (160, 112, 224, 24, 64, 64),
    "inception4c": (128, 128, 256, 24, 64, 64), "inception4d": (112, 144, 288, 32, 64, 64),
    "inception4e": (256, 160, 320, 32, 128, 128), "inception5a": (256, 160, 320, 32, 128, 128),
    "inception5b": (384, 192, 384, 48, 128, 128),
}
GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])
# transform_input: x_c * scale_c + shift_c turns ImageNet normalisation into (x - 0.5) / 0.5.
_STD, _MEAN = (0.229, 0.224, 0.225), (0.485, 0.456, 0.406)


class GoogLeNet(Module):
    """x (N, 3, H, W) -> logits (N, num_classes).

    conv1 7x7/2 -> maxpool1 -> conv2 1x1 -> conv3 3x3 -> maxpool2 -> inception3a, 3b ->
    maxpool3 -> inception4a..4e -> maxpool4 -> inception5a, 5b -> avgpool -> flatten ->
    dropout -> fc. ``blocks`` = [conv_block, inception_block, aux_block] as torchvision's.

    With ``aux_logits`` (torchvision's default is True; here False), training forwards also
    run ``aux1`` on inception4a's output and ``aux2`` on inception4d's, and return
    ``GoogLeNetOutputs(logits, aux_logits2, aux_logits1)``; ``backward`` then takes that
    tuple of gradients (an aux entry None, or a lone array for the logits, leaves that head
    out: its parameters get no gradient, as in torch). Eval forwards return the logits only.
    """

    def __init__(self, num_classes: int = 1000, aux_logits: bool = False,
                 transform_input: bool = False, init_weights: bool | None = None,
                 blocks: Sequence[Callable[..., Module]] | None = None, dropout: float = 0.2,
                 dropout_aux: float = 0.7, *, width: int = 64, dtype: object = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if blocks is None:
            blocks = [BasicConv2d, Inception, InceptionAux]
        if len(blocks) != 3:
            raise ValueError(f"GoogLeNet: blocks' length should be 3 instead of {len(blocks)}")
        conv_block, inception_block, aux_block = blocks
        dt = self.dtype = as_dtype("GoogLeNet", dtype)
        self.aux_logits = aux_logits
        self.transform_input = transform_input

        def c(v: int) -> int:
            return max(1, v * width // 64)

        self.conv1 = conv_block(3, c(64), kernel_size=7, stride=2, padding=3, dtype=dt)
        self.maxpool1 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = conv_block(c(64), c(64), kernel_size=1, dtype=dt)
        self.conv3 = conv_block(c(64), c(192), kernel_size=3, padding=1, dtype=dt)
        self.maxpool2 = MaxPool2d(3, stride=2, ceil_mode=True)
        cin, outs = c(192), {}
        for name, ws in INCEPTION_WIDTHS.items():
            w = [c(v) for v in ws]
            setattr(self, name, inception_block(cin, *w, dtype=dt))
            cin = outs[name] = w[0] + w[2] + w[4] + w[5]
            if name == "inception3b":
                self.maxpool3 = MaxPool2d(3, stride=2, ceil_mode=True)
            elif name == "inception4e":
                self.maxpool4 = MaxPool2d(2, stride=2, ceil_mode=True)
        for aux, src in (("aux1", "inception4a"), ("aux2", "inception4d")):
            setattr(self, aux, aux_block(outs[src], num_classes, dropout=dropout_aux, dtype=dt,
                                         width=width) if aux_logits else None)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = Dropout(p=dropout)
        self.fc = Linear(cin, num_classes, dtype=dt, rng=rng)
        if init_weights is None or init_weights:    # torchvision: None means True
            rng = rng if rng is not None else np.random.default_rng()
            for m in self.modules():
                if isinstance(m, (Conv2d, Linear)):
                    w0 = m.weight
                    m.weight = np.clip(rng.normal(0.0, 0.01, w0.shape), -2, 2).astype(dt)

    def _trunk(self) -> list[Module]:
        """The children applied before the flatten, in order."""
        names = ["conv1", "maxpool1", "conv2", "conv3", "maxpool2", "inception3a",
                 "inception3b", "maxpool3", "inception4a", "inception4b", "inception4c",
                 "inception4d", "inception4e", "maxpool4", "inception5a", "inception5b",
                 "avgpool"]
        return [getattr(self, n) for n in names]

    def _scale_shift(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        scale = np.array([s / 0.5 for s in _STD], dtype)[:, None, None]             # (3, 1, 1)
        shift = np.array([(m - 0.5) / 0.5 for m in _MEAN], dtype)[:, None, None]     # (3, 1, 1)
        return scale, shift

    def _aux_after(self) -> dict[int, Module]:
        """id of the trunk block -> the auxiliary head fed by its output."""
        if not (self.training and self.aux1 is not None and self.aux2 is not None):
            return {}
        return {id(self.inception4a): self.aux1, id(self.inception4d): self.aux2}

    def forward(self, x: np.ndarray) -> Any:
        check_float_array("GoogLeNet", x)
        check_ndim("GoogLeNet", x, (4,), "(N, 3, H, W)")
        if self.transform_input:
            if x.shape[1] != 3:
                raise ValueError(f"GoogLeNet: transform_input expects 3 channels, got "
                                 f"shape {tuple(x.shape)}")
            scale, shift = self._scale_shift(x.dtype)
            x = x * scale + shift
        heads, aux_out = self._aux_after(), {}
        for m in self._trunk():
            x = m(x)
            if id(m) in heads:
                aux_out[id(m)] = heads[id(m)](x)
        self._push_cache((x.shape, heads))
        logits = self.fc(self.dropout(x.reshape(len(x), -1)))    # (N, C) -> (N, K)
        if not heads:
            return logits
        return GoogLeNetOutputs(logits, aux_out[id(self.inception4d)],
                                aux_out[id(self.inception4a)])

    def backward(self, grad_output: Any = None) -> np.ndarray:
        """dlogits (N, num_classes), or with aux heads (dlogits, daux2, daux1) -> dx
        (N, 3, H, W); parameter gradients accumulate."""
        shape, heads = self._pop_cache()
        d_aux: dict[int, Any] = {}
        if heads:
            if isinstance(grad_output, (tuple, list)):
                if len(grad_output) != 3:
                    raise ValueError("GoogLeNet.backward: expected gradients for (logits, "
                                     f"aux_logits2, aux_logits1), got {len(grad_output)}")
                grad_output, d2, d1 = grad_output
            else:
                d2 = d1 = None
            d_aux = {id(self.inception4d): d2, id(self.inception4a): d1}
        g = self.dropout.backward(self.fc.backward(grad_output)).reshape(shape)  # (N, C, 1, 1)
        for m in reversed(self._trunk()):
            if id(m) in heads:
                head, d = heads[id(m)], d_aux[id(m)]
                if d is None:                      # head left out: drop its pending caches
                    for sub in head.modules():
                        sub._pop_cache()
                else:
                    g = g + head.backward(d)       # the trunk output feeds both paths
            g = m.backward(g)
        if self.transform_input:
            g = g * self._scale_shift(g.dtype)[0]
        return g
