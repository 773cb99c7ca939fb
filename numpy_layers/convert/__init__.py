"""``from_torch`` and its extension points: the NumPy twin of a torch model.

Public: ``from_torch``, ``supported``, ``register_module``, ``register_op``,
``ConversionError`` and ``GraphModule`` (what a model with its own ``forward`` becomes).

Inside, each module imports only the ones listed after it (torch only lazily, inside
functions):

- ``api``: ``from_torch`` (registry, fx);
- ``fx``: a traced model -> ``GraphModule`` (trace, targets, registry, graph, ops);
- ``trace``: the torch.fx tracer (registry);
- ``targets``: torch callable -> op key tables, ``register_op`` (ops);
- ``graph``: ``GraphModule``, the executor of a converted graph (nodes, ops);
- ``nodes``: ``Node``, ``Ref`` and the walks over the values in their arguments;
- ``ops``: the whole op table ``OPS`` (ops_tensor, ops_nn, ops_layers, ops_extra, ops_base);
- ``ops_tensor``, ``ops_nn``, ``ops_layers``, ``ops_extra``: the ops (ops_base,
  numpy_layers.functional);
- ``ops_base``: ``Op``, ``OPS`` and the helpers every op module uses;
- ``registry``: module converters, ``register_module``, ``supported``, ``ConversionError``
  (numpy_layers.modules).
"""
from .api import from_torch
from .graph import GraphModule
from .registry import ConversionError, register_module, supported
from .targets import register_op

__all__ = ["from_torch", "supported", "register_module", "register_op", "ConversionError",
           "GraphModule"]
