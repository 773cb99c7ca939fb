"""``LeNet5``: LeCun et al.'s 1998 network in its common modern form (ReLU and max pooling
instead of the original scaled tanh and trainable subsampling)."""
from __future__ import annotations

import numpy as np

from .._checks import as_dtype
from ..modules.activation import ReLU
from ..modules.container import Sequential
from ..modules.conv import Conv2d
from ..modules.linear import Linear
from ..modules.pooling import MaxPool2d
from ._features_classifier import FeaturesClassifier


class LeNet5(FeaturesClassifier):
    """x (N, in_channels, input_size, input_size) -> logits (N, num_classes).

    ``features``: 0 Conv2d(in, 6, 5), 1 ReLU, 2 MaxPool2d(2), 3 Conv2d(6, 16, 5), 4 ReLU,
    5 MaxPool2d(2); ``classifier``: 0 Linear(16*s*s, 120), 1 ReLU, 2 Linear(120, 84), 3 ReLU,
    4 Linear(84, num_classes), s = ((input_size - 4) // 2 - 4) // 2 (5 for the classic 32).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, *, input_size: int = 32,
                 dtype: object = np.float32, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        dt = as_dtype("LeNet5", dtype)
        s = ((input_size - 4) // 2 - 4) // 2
        if s < 1:
            raise ValueError(f"LeNet5: input_size must be at least 16, got {input_size}")
        self.features = Sequential(
            Conv2d(in_channels, 6, kernel_size=5, dtype=dt, rng=rng), ReLU(), MaxPool2d(2),
            Conv2d(6, 16, kernel_size=5, dtype=dt, rng=rng), ReLU(), MaxPool2d(2))
        self.classifier = Sequential(
            Linear(16 * s * s, 120, dtype=dt, rng=rng), ReLU(),
            Linear(120, 84, dtype=dt, rng=rng), ReLU(),
            Linear(84, num_classes, dtype=dt, rng=rng))
