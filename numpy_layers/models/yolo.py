"""``YOLO``: a YOLOv8-style detector as ultralytics builds it from its yolov8.yaml
(``parse_model``, ``_predict_once``): backbone Conv 3x3/2 and C2f stages, SPPF, a
top-down/bottom-up neck of nearest 2x upsampling, concatenation with saved backbone and
neck maps, C2f and strided Convs, and a ``Detect`` head on three scales (strides 8, 16,
32). Names as ultralytics' (``model.0.conv.weight``, ``model.2.m.0.cv1.bn.running_var``,
``model.22.cv3.2.2.bias``). ``depth``/``width``/``max_channels`` scale the table ('n':
0.33, 0.25, 1024, 3,157,184 parameters, ultralytics' yolov8n without its DFL decoding
constant); ``csp='C3'`` builds the YOLOv5-style neck blocks instead of C2f."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._checks import as_dtype, check_float_array, check_ndim
from ..blocks.yolo import C2f, C3, SPPF, Concat, Conv, Detect
from ..modules.batchnorm import BatchNorm2d
from ..modules.container import Sequential
from ..modules.module import Module
from ..modules.upsampling import Upsample

# yolov8.yaml: (from, repeats, module, args); "nc" is the class count.
YOLOV8 = [
    (-1, 1, "Conv", [64, 3, 2]), (-1, 1, "Conv", [128, 3, 2]), (-1, 3, "C2f", [128, True]),
    (-1, 1, "Conv", [256, 3, 2]), (-1, 6, "C2f", [256, True]), (-1, 1, "Conv", [512, 3, 2]),
    (-1, 6, "C2f", [512, True]), (-1, 1, "Conv", [1024, 3, 2]), (-1, 3, "C2f", [1024, True]),
    (-1, 1, "SPPF", [1024, 5]),
    (-1, 1, "Upsample", [None, 2, "nearest"]), ([-1, 6], 1, "Concat", [1]), (-1, 3, "C2f", [512]),
    (-1, 1, "Upsample", [None, 2, "nearest"]), ([-1, 4], 1, "Concat", [1]), (-1, 3, "C2f", [256]),
    (-1, 1, "Conv", [256, 3, 2]), ([-1, 12], 1, "Concat", [1]), (-1, 3, "C2f", [512]),
    (-1, 1, "Conv", [512, 3, 2]), ([-1, 9], 1, "Concat", [1]), (-1, 3, "C2f", [1024]),
    ([15, 18, 21], 1, "Detect", ["nc"]),
]
SCALES = {"n": (0.33, 0.25, 1024), "s": (0.33, 0.50, 1024), "m": (0.67, 0.75, 768)}


class YOLO(Module):
    """x (N, 3, H, W), H and W multiples of 32 -> [(N, 64 + nc, H/8, W/8), (.., H/16, W/16),
    (.., H/32, W/32)]. ``backward`` takes the three gradients (None: zeros) and returns dx."""

    def __init__(self, nc: int = 80, depth: float = 0.33, width: float = 0.25,
                 max_channels: int = 1024, csp: str = "C2f", reg_max: int = 16, *,
                 dtype: object = np.float32) -> None:
        super().__init__()
        if csp not in ("C2f", "C3"):
            raise ValueError(f"YOLO: csp must be 'C2f' or 'C3', got {csp!r}")
        dt = self.dtype = as_dtype("YOLO", dtype)
        blocks = {"Conv": Conv, "C2f": C2f, "C3": C3, "SPPF": SPPF}
        layers, self.froms, ch, save = [], [], [3], set()
        for i, (f, n, name, args) in enumerate(YOLOV8):
            name = csp if name == "C2f" else name
            args = [nc if a == "nc" else a for a in args]
            n = max(round(n * depth), 1) if n > 1 else n
            if name in blocks:
                c2 = math.ceil(min(args[0], max_channels) * width / 8) * 8
                args = [ch[f], c2, *args[1:]]
                if name in ("C2f", "C3"):
                    args.insert(2, n)
                m: Module = blocks[name](*args, dtype=dt)
            elif name == "Concat":
                c2, m = sum(ch[x] for x in f), Concat(*args)
            elif name == "Detect":
                m = Detect(nc, [ch[x] for x in f], reg_max, dtype=dt)
            else:
                c2, m = ch[f], Upsample(*args)
            layers.append(m)
            self.froms.append(f)
            save.update(x % i for x in ([f] if isinstance(f, int) else f) if x != -1)
            ch = [] if i == 0 else ch
            ch.append(c2)
        self.model = Sequential(*layers)
        self.save = sorted(save)
        for bn in self.modules():                    # ultralytics' initialize_weights
            if isinstance(bn, BatchNorm2d):
                bn.eps, bn.momentum = 1e-3, 0.03

    def forward(self, x: np.ndarray) -> list[np.ndarray]:
        check_float_array("YOLO", x)
        check_ndim("YOLO", x, (4,), "(N, 3, H, W)")
        if x.shape[2] % 32 or x.shape[3] % 32:
            raise ValueError(f"YOLO: expected H and W multiples of 32 (the deepest stride), "
                             f"got {tuple(x.shape)}")
        y: list[Any] = []
        for i, (m, f) in enumerate(zip(self.model, self.froms)):
            if f != -1:
                x = y[f] if isinstance(f, int) else [x if j == -1 else y[j] for j in f]
            x = m(x)
            y.append(x if i in self.save else None)
        return x

    def backward(self, grad_output: Any = None) -> np.ndarray:
        """[dP3, dP4, dP5] -> dx (N, 3, H, W): each layer's gradient is summed over every
        later layer that read its output, then passed back through it."""
        grads: dict[int, Any] = {len(self.model) - 1: grad_output}
        dx = None
        for i in reversed(range(len(self.model))):
            f = self.froms[i]
            g = self.model[i].backward(grads.pop(i))
            srcs, gs = ([f], [g]) if isinstance(f, int) else (f, g)
            for j, gj in zip(srcs, gs):
                src = i - 1 if j == -1 else j
                if src < 0:
                    dx = gj
                else:
                    grads[src] = gj if src not in grads else grads[src] + gj
        return dx


def yolov8(scale: str = "n", nc: int = 80, **kwargs: Any) -> YOLO:
    """The yolov8 table at ultralytics' scale 'n', 's' or 'm'."""
    depth, width, max_channels = SCALES[scale]
    return YOLO(nc, depth, width, max_channels, **kwargs)


__all__ = ["YOLO", "YOLOV8", "SCALES", "yolov8"]
