"""Tracing a torch model with torch.fx for ``from_torch``: modules with a NumPy twin stay
whole (call_module), Sequential is traced through, the pieces of ``chunk``/``split`` with a
constant count can be iterated (``list(x.chunk(2, 1))``, as ultralytics' C2f writes it,
which plain fx refuses), and the tensor constants fx lifts out of a forward are taken back
off the model. torch is imported lazily.
"""
from __future__ import annotations

from typing import Any

from .registry import CONTAINERS, ConversionError, class_key, converter_of


def _tracer() -> Any:
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

    class _Proxy(fx.Proxy):
        def __len__(self) -> int:                  # list(proxy) asks for a length first
            n = _pieces(self.node)
            return super().__len__() if n is None else n
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


def trace_module(module: Any) -> tuple[Any, dict[str, Any]]:
    """The fx graph of ``module`` and the tensor constants fx lifted out of its forward
    (fx stores them on the module; they are removed again, the module is left as it was)."""
    name = f"{type(module).__module__}.{type(module).__qualname__}"
    before = set(vars(module))
    try:
        graph = _tracer().trace(module)
    except Exception as e:  # noqa: BLE001 - every fx failure is reported the same way
        raise ConversionError(
            f"from_torch: torch.fx could not trace {name}: {type(e).__name__}: {e}\n"
            f"fx runs forward on symbolic values, so control flow (if/for/while) or Python "
            f"calls that depend on tensor values cannot be traced: make them depend on "
            f"attributes or shapes only.") from e
    finally:
        consts = {k: vars(module)[k] for k in set(vars(module)) - before
                  if k.startswith("_tensor_constant")}
        for k in consts:
            delattr(module, k)
    return graph, consts
