"""``ChannelShuffle``: ShuffleNet's channel permutation, no parameters."""
from __future__ import annotations

import numpy as np

from .._checks import check_grad
from ..functional.channel_shuffle import (channel_shuffle_backward, channel_shuffle_forward,
                                          check_groups)
from .module import Module


class ChannelShuffle(Module):
    """x (N, C, *) -> y (N, C, *): channels split into ``groups`` and interleaved."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = check_groups("ChannelShuffle", groups)

    def forward(self, x: np.ndarray) -> np.ndarray:
        y, cache = channel_shuffle_forward(x, self.groups, "ChannelShuffle")
        self._push_cache((cache, y.shape, y.dtype))
        return y

    def backward(self, grad_output: np.ndarray | None = None) -> np.ndarray:
        cache, shape, dtype = self._pop_cache()
        dy = check_grad("ChannelShuffle", grad_output, shape, dtype)
        return channel_shuffle_backward(dy, cache)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
