"""numpy_layers: classic CNN layers in NumPy alone, each with forward and backward.

Imports numpy only; ``from_torch`` imports torch lazily when called.
"""
from . import functional
from .convert import from_torch
from .modules import (AvgPool2d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d,
                      Module, ReLU, Sequential, no_grad)

__version__ = "0.1.0"

__all__ = [
    "functional", "from_torch", "Module", "no_grad", "Conv2d", "MaxPool2d", "AvgPool2d",
    "Dropout", "Linear", "BatchNorm2d", "ReLU", "Flatten", "Sequential",
]
