"""Tracing a torch model with torch.fx for ``from_torch``: modules with a NumPy twin stay
whole (call_module), Sequential is traced through, ``y[index] = v`` is recorded (as
``operator.setitem``), nodes made under the forward's ``torch.no_grad()`` are marked
(``meta["no_grad"]``), the pieces of ``chunk``/``split`` with a
constant count can be iterated (``list(x.chunk(2, 1))``, as ultralytics' C2f writes it,
which plain fx refuses), and the tensor constants fx lifts out of a forward are taken back
off the model. torch is imported lazily.
"""
from __future__ import annotations

import operator
from typing import Any

from .registry import CONTAINERS, ConversionError, class_key, converter_of


def _tracer() -> Any:
    import torch
    from torch import fx

    class _Tracer(fx.Tracer):
        """Modules with a NumPy twin stay whole (call_module); Sequential is traced through.
        The pieces of ``chunk``/``split`` with a constant count can be iterated
        (``list(x.chunk(2, 1))``, as ultralytics' C2f writes it), which plain fx refuses."""
        def is_leaf_module(self, m: Any, qualname: str) -> bool:
            key = class_key(m)
            if key is not None and key not in CONTAINERS and converter_of(m) is not None:
                return True
            return super().is_leaf_module(m, qualname)

        def iter(self, obj: Any) -> Any:
            n = _pieces(obj.node)
            return super().iter(obj) if n is None else iter([obj[i] for i in range(n)])

        def proxy(self, node: Any) -> Any:
            return _Proxy(node, self)

        def create_node(self, *args: Any, **kwargs: Any) -> Any:
            node = super().create_node(*args, **kwargs)
            if not torch.is_grad_enabled():        # inside the forward's torch.no_grad()
                node.meta["no_grad"] = True
            return node

    class _Proxy(fx.Proxy):
        def __len__(self) -> int:                  # list(proxy) asks for a length first
            n = _pieces(self.node)
            return super().__len__() if n is None else n

        def __setitem__(self, index: Any, value: Any) -> None:   # y[..., :2] = v, in place
            self.tracer.create_proxy("call_function", operator.setitem, (self, index, value), {})
    return _Tracer()


def _pieces(node: Any) -> int | None:
    """How many tensors a chunk/split node returns when its arguments fix it: ``chunks``
    (torch returns that many when the size allows), or the length of a list of sizes."""
    import torch
    name = node.target if node.op == "call_method" else \
        {torch.chunk: "chunk", torch.split: "split"}.get(node.target)
    if name not in ("chunk", "split"):
        return None
    arg = node.args[1] if len(node.args) > 1 else \
        node.kwargs.get("chunks", node.kwargs.get("split_size_or_sections", node.kwargs.get("split_size")))
    if name == "chunk":
        return arg if isinstance(arg, int) else None
    return len(arg) if isinstance(arg, (list, tuple)) else None


def _where(e: BaseException) -> str:
    """``at file:line in function: source`` (and a newline) of the innermost frame of the
    user's code (outside torch and numpy_layers) in ``e``'s traceback, or ''."""
    import linecache
    import os

    import torch
    skip = (os.path.dirname(torch.__file__), os.path.dirname(os.path.dirname(__file__)))
    tb, found = e.__traceback__, ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if not code.co_filename.startswith(skip) and not code.co_filename.startswith("<"):
            line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
            found = f"at {code.co_filename}:{tb.tb_lineno} in {code.co_name}: {line}\n"
        tb = tb.tb_next
    return found


def trace_module(module: Any) -> tuple[Any, dict[str, Any], dict[str, str]]:
    """The fx graph of ``module``, the tensor constants fx lifted out of its forward (fx
    stores them on the module; they are removed again, the module is left as it was) and
    the path of the submodule whose forward made each node ('' for the model's own)."""
    name = f"{type(module).__module__}.{type(module).__qualname__}"
    before = set(vars(module))
    tracer = _tracer()
    import torch
    try:
        with torch.enable_grad():                  # so that only the forward's no_grad shows
            graph = tracer.trace(module)
    except Exception as e:  # noqa: BLE001 - every fx failure is reported the same way
        raise ConversionError(
            f"from_torch: torch.fx could not trace {name}: {type(e).__name__}: {e}\n"
            f"{_where(e)}"
            + ("a traced value (a tensor, x.size()) is iterated or unpacked with *: its length "
               "is not known while tracing; name the dims instead (x.size(2), x.size(3))\n"
               if "cannot be iterated" in str(e) else "")
            + "fx runs forward on symbolic values, so control flow (if/for/while) or Python "
              "calls that depend on tensor values cannot be traced: make them depend on "
              "attributes or shapes only.") from e
    finally:
        consts = {k: vars(module)[k] for k in set(vars(module)) - before
                  if k.startswith("_tensor_constant")}
        for k in consts:
            delattr(module, k)
    return graph, consts, {k: v[0] for k, v in tracer.node_name_to_scope.items()}
