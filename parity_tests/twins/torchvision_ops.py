"""Stand-ins for torchvision.ops pieces that torch 2.13 alone lacks (torchvision does not
import beside it here): ``stochastic_depth`` and ``StochasticDepth``, torchvision's code
(torchvision/ops/stochastic_depth.py) with torchvision's qualified names, so ``from_torch``
sees them as it sees the real ones; ``Permute`` (torchvision.ops.misc) and
``Conv2dNormActivation`` live beside the twins that use them.

``MaskReplay`` injects the masks torch drew in a training forward into the NumPy twin's
``StochasticDepth`` layers, as the Dropout spec injects dropout's."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.fx
from torch import Tensor, nn


def stochastic_depth(input: Tensor, p: float, mode: str, training: bool = True) -> Tensor:
    """torchvision.ops.stochastic_depth."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ["batch", "row"]:
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival_rate = 1.0 - p
    if mode == "row":
        size = [input.shape[0]] + [1] * (input.ndim - 1)
    else:
        size = [1] * input.ndim
    noise = torch.empty(size, dtype=input.dtype, device=input.device)
    noise = noise.bernoulli_(survival_rate)
    if survival_rate > 0.0:
        noise.div_(survival_rate)
    return input * noise


torch.fx.wrap("stochastic_depth")


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input: Tensor) -> Tensor:
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, mode={self.mode})"


# torchvision's qualified names: what from_torch recognises.
stochastic_depth.__module__ = StochasticDepth.__module__ = "torchvision.ops.stochastic_depth"


class _Replay:
    """A stand-in Generator whose ``random`` draw keeps exactly ``keep`` (the layer keeps an
    element where ``rng.random(shape, dtype=float32) < 1 - p``)."""

    def __init__(self, keep: np.ndarray) -> None:
        self.keep = keep

    def random(self, shape, dtype=np.float64) -> np.ndarray:
        if tuple(shape) != self.keep.shape:
            raise ValueError(f"mask replay: torch drew {self.keep.shape}, NumPy asks {shape}")
        return np.where(self.keep, 0.0, 1.0).astype(dtype)


class MaskReplay:
    """``torch_forward``/``numpy_forward`` spec hooks: the torch forward runs under ``seed``
    with forward hooks recording each StochasticDepth's keep-mask (by module name); the NumPy
    twin's StochasticDepth of the same name then draws exactly that mask. The float32 and
    float64 twins draw the same masks (checked)."""

    def __init__(self) -> None:
        self.masks: dict[str, np.ndarray] | None = None

    def torch_forward(self, module: nn.Module, xs: list, seed: int) -> Any:
        masks: dict[str, np.ndarray] = {}

        def record(name: str):
            def hook(m, inputs, output):
                if m.training and m.p > 0:
                    nz = (output.detach() != 0).numpy()
                    axes = tuple(range(1 if m.mode == "row" else 0, nz.ndim))
                    masks[name] = nz.any(axis=axes, keepdims=True)
            return hook
        hooks = [m.register_forward_hook(record(name)) for name, m in module.named_modules()
                 if isinstance(m, StochasticDepth)]
        try:
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                out = module(*xs)
        finally:
            for h in hooks:
                h.remove()
        if self.masks is not None and self.masks.keys() == masks.keys() and \
                any(not np.array_equal(self.masks[k], v) for k, v in masks.items()):
            raise AssertionError("torch drew different stochastic depth masks in float32 and "
                                 "float64 from one seed")
        self.masks = masks
        return out

    def numpy_forward(self, module: Any, xs: list, torch_out: list) -> Any:
        import numpy_layers as nl
        masks, self.masks = self.masks or {}, None
        for name, m in module.named_modules():
            if isinstance(m, nl.StochasticDepth) and name in masks:
                m.rng = _Replay(masks[name])
        return module(*xs)
