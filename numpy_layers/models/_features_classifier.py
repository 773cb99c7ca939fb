"""Shared skeleton of the plain classic networks: features -> [avgpool] -> flatten -> classifier."""
from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_ndim
from ..modules.module import Module


class FeaturesClassifier(Module):
    """x (N, C, H, W) -> logits (N, num_classes) through the children ``features``,
    ``avgpool`` (if the subclass has one), a flatten, then ``classifier``, as torchvision's
    AlexNet and VGG; backward walks them in reverse."""

    def _trunk(self) -> list[Module]:
        return [m for m in (self._modules.get("features"), self._modules.get("avgpool"))
                if m is not None]

    def forward(self, x: np.ndarray) -> np.ndarray:
        name = type(self).__name__
        check_float_array(name, x)
        check_ndim(name, x, (4,), "(N, C, H, W)")
        for m in self._trunk():
            x = m(x)
        self._push_cache(x.shape)
        return self.classifier(x.reshape(len(x), -1))           # (N, C, h, w) -> (N, C*h*w)

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        """dlogits (N, num_classes) -> dx (N, C, H, W); parameter gradients accumulate."""
        shape = self._pop_cache()
        g = self.classifier.backward(grad_output).reshape(shape)  # (N, C, h, w)
        for m in reversed(self._trunk()):
            g = m.backward(g)
        return g
