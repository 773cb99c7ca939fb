"""``AlexNet`` as torchvision's (the single-tower variant of the "one weird trick" paper):
``features.0.weight`` ... ``classifier.6.bias``; ``width_mult`` scales every width."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype
from ..modules.activation import ReLU
from ..modules.adaptive_pool import AdaptiveAvgPool2d
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.dropout import Dropout
from ..modules.linear import Linear
from ..modules.pooling import MaxPool2d
from ._features_classifier import FeaturesClassifier


class AlexNet(FeaturesClassifier):
    """x (N, 3, H, W), H, W >= 63 -> logits (N, num_classes).

    ``features``: conv11/4 64 - relu - maxpool3/2 - conv5 192 - relu - maxpool3/2 -
    conv3 384 - relu - conv3 256 - relu - conv3 256 - relu - maxpool3/2; ``avgpool``
    AdaptiveAvgPool2d((6, 6)); ``classifier``: dropout - fc 4096 - relu - dropout - fc 4096 -
    relu - fc num_classes. Channel widths and the 4096 are multiplied by ``width_mult``.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, *,
                 width_mult: float = 1.0, dtype: object = np.float32,
                 rng: np.random.Generator | None = None) -> None:
        super().__init__()
        dt = as_dtype("AlexNet", dtype)
        c1, c2, c3, c4, hid = (max(1, int(round(c * width_mult)))
                               for c in (64, 192, 384, 256, 4096))

        def conv(cin: int, cout: int, k: int, **kw) -> Conv2d:
            return Conv2d(cin, cout, kernel_size=k, dtype=dt, rng=rng, **kw)

        self.features = Sequential(
            conv(3, c1, 11, stride=4, padding=2), ReLU(inplace=True),
            MaxPool2d(kernel_size=3, stride=2),
            conv(c1, c2, 5, padding=2), ReLU(inplace=True), MaxPool2d(kernel_size=3, stride=2),
            conv(c2, c3, 3, padding=1), ReLU(inplace=True),
            conv(c3, c4, 3, padding=1), ReLU(inplace=True),
            conv(c4, c4, 3, padding=1), ReLU(inplace=True), MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = AdaptiveAvgPool2d((6, 6))
        self.classifier = Sequential(
            Dropout(p=dropout), Linear(c4 * 6 * 6, hid, dtype=dt, rng=rng), ReLU(inplace=True),
            Dropout(p=dropout), Linear(hid, hid, dtype=dt, rng=rng), ReLU(inplace=True),
            Linear(hid, num_classes, dtype=dt, rng=rng))
