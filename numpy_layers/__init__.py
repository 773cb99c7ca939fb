"""numpy_layers: classic CNN layers in NumPy alone, each with forward and backward.

Imports numpy only; ``from_torch`` imports torch lazily when called.
"""
from . import functional, modules
from ._checks import StateError
from .convert import ConversionError, from_torch, register_module, register_op, supported
from .modules import *  # noqa: F401,F403 - every layer class, as torch.nn exposes them

__version__ = "0.1.0"

__all__ = ["functional", "from_torch", "supported", "register_op", "register_module",
           "ConversionError", "StateError", *modules.__all__]
