"""Check a NumPy layer of your own against its torch twin, as you wrote it.

    python -m parity_tests check my_layers.py:conv2d --ref torch.nn.functional.conv2d
    python -m parity_tests check my_layers.py:FullyConnectedLayer --ref torch.nn.Linear
    python -m parity_tests check cs231n/layers.py:conv_forward_naive --ref torch.nn.Conv2d

    from parity_tests.check import check_layer
    result = check_layer(MyConv, torch.nn.Conv2d)
    result.passed, result.summary(), result.rows

The package, from the command line down (no module imports one above it):

- ``cli``: the command line (options, binding files, exit codes); ``pytest_plugin``: the
  same checks as pytest items in another repository;
- ``api``: ``check_layer`` / ``check_spec``; ``explore``: cases drawn by hypothesis for a
  reference with no spec; ``gradcheck``: finite differences (``--ref gradcheck``);
- ``core``: the session (spec hooks, dropout masks, layouts settled on the first forward)
  and the run loop; ``coverage``: what a layer cannot express; ``hints`` with ``rules`` and
  ``rules_layers``; ``replay`` (the run again in torch float64); ``masks``; ``result``;
  ``repro`` (the command that reruns a failure);
- ``class_adapter`` and ``function_adapter`` (over ``adapters``): a class or a function as a
  Module the harness runner can drive; ``binding`` (arguments to roles) and ``values``
  (option dicts, mode strings, int or tuple), ``access`` (where arrays and gradients live),
  ``layout`` (transposes, unit axes, NHWC), ``context``, ``trace``, ``targets`` (loading
  the layer), ``reference`` (the torch side), ``names`` (the synonyms).
"""
from .api import check_layer, check_spec
from .binding import BindingError
from .cli import main, parse_kv
from .context import MappingError
from .result import CheckResult
from .targets import TargetError, load_object

__all__ = ["check_layer", "check_spec", "CheckResult", "MappingError", "BindingError",
           "TargetError", "load_object", "parse_kv", "main"]
