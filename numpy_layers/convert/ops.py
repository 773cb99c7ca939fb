"""The whole op table of a converted graph: ``OPS`` (key -> ``Op``), gathered here.

Each op module registers its entries into ``ops_base.OPS`` when imported; this module
imports them all, so ``OPS`` read from here is complete: ``ops_tensor`` (arithmetic,
shapes, indexing, joining), ``ops_nn`` (reductions, elementwise math, activations, pooling,
dropout), ``ops_layers`` (conv, linear, norms, resizing, 1-D pooling, losses), ``ops_extra``
(dtype casts, new tensors, matmul, norms, repeat). Users' ops
join through ``targets.register_op``. The op modules import ``ops_base`` only, never this.
"""
from __future__ import annotations

# each fills OPS, in this order
from . import ops_tensor, ops_nn, ops_layers, ops_extra  # noqa: F401,I001
from .ops_base import OPS, Op

__all__ = ["OPS", "Op"]
