"""What the benchmark measures besides wall time: peak extra memory of a call (resident set,
the same for both libraries), where a network step's time goes per kind of layer (NumPy
side: timers around each leaf module; torch side: the profiler's self times), and the
optional peer row on ONNX's NumPy reference runtime."""
from __future__ import annotations

import ctypes
import gc
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

KINDS = ("conv", "batch_norm", "activation", "pool", "linear", "other")
_NP_KIND = {"Conv2d": "conv", "BatchNorm2d": "batch_norm", "ReLU": "activation",
            "ReLU6": "activation", "Hardtanh": "activation", "MaxPool2d": "pool",
            "AvgPool2d": "pool", "AdaptiveAvgPool2d": "pool", "Linear": "linear"}
_T_KIND = (("conv", "conv"), ("batch_norm", "batch_norm"), ("relu", "activation"),
           ("threshold", "activation"), ("hardtanh", "activation"), ("clamp", "activation"),
           ("pool", "pool"), ("addmm", "linear"), ("aten::mm", "linear"),
           ("linear", "linear"))


def _status_kb(key: str) -> int | None:
    """A /proc/self/status field in kB (VmRSS, VmHWM), None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_extra_mb(fn: Callable[[], Any], before: Callable[[], None] | None = None) -> float | None:
    """Peak resident memory above the starting point during one ``fn()``, in MiB: freed
    memory is handed back (gc, malloc_trim), the peak mark reset (/proc/self/clear_refs),
    then the high-water mark read. ``before()`` runs first (a cache to drop)."""
    if before is not None:
        before()
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    base = _status_kb("VmRSS")
    out = fn()
    peak = _status_kb("VmHWM")
    del out
    return None if base is None or peak is None else max(0.0, (peak - base) / 1024)


@contextmanager
def gemm_time() -> Iterator[list[float]]:
    """Inside the block, ``np.matmul`` (the conv paths' GEMMs) is timed: yields a list
    whose item 0 accumulates the seconds spent in it."""
    spent, orig = [0.0], np.matmul

    def timed(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return orig(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t0

    np.matmul = timed
    try:
        yield spent
    finally:
        np.matmul = orig


def gemm_ms(step: Callable[[], Any]) -> float:
    """ms spent in np.matmul during one ``step()``."""
    with gemm_time() as spent:
        step()
    return spent[0] * 1e3


def gemm_share(step: Callable[[], Any]) -> float:
    """Share of one ``step()``'s wall time spent in np.matmul (both from the same call)."""
    with gemm_time() as spent:
        t0 = time.perf_counter()
        step()
        total = time.perf_counter() - t0
    return spent[0] / total if total > 0 else 0.0


def numpy_profile(net: Any, step: Callable[[], Any]) -> dict[str, float]:
    """ms per kind of layer in one ``step()`` of ``net`` (a numpy_layers module): forward and
    backward of every leaf module timed; 'other' is the rest (graph ops, glue); 'gemm' (not
    a kind: inside conv) the time in np.matmul."""
    spent: dict[str, float] = defaultdict(float)
    wrapped = []

    def timed(kind: str, f: Callable) -> Callable:
        def run(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                spent[kind] += time.perf_counter() - t0
        return run

    for _, mod in net.named_modules():
        kind = _NP_KIND.get(type(mod).__name__)
        if kind is not None and not mod._modules:
            meths = [m for m in ("forward", "forward_inplace", "backward") if hasattr(mod, m)]
            for meth in meths:
                setattr(mod, meth, timed(kind, getattr(mod, meth)))
            wrapped.append((mod, meths))
    try:
        with gemm_time() as gemm:
            t0 = time.perf_counter()
            step()
            total = time.perf_counter() - t0
    finally:
        for mod, meths in wrapped:
            for meth in meths:
                delattr(mod, meth)
    out = {k: spent[k] * 1e3 for k in KINDS if k != "other"}
    out["other"] = max(0.0, total * 1e3 - sum(out.values()))
    return out | {"gemm": gemm[0] * 1e3}


def torch_profile(step: Callable[[], Any]) -> dict[str, float]:
    """ms per kind of op in one torch ``step()``: the profiler's self CPU times by op name."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    out = dict.fromkeys(KINDS, 0.0)
    for ev in prof.key_averages():
        name = ev.key.lower()
        kind = next((k for s, k in _T_KIND if s in name), "other")
        out[kind] += ev.self_cpu_time_total / 1e3
    return out


# ----------------------------------------------------------------------------- ONNX peer
def onnx_session(op: str, tm: Any, x: np.ndarray) -> Callable[[], Any] | None:
    """A forward of ``tm``'s op (Conv, MaxPool, BatchNormalization in inference) on ONNX's
    NumPy reference runtime, built with ``onnx.helper``; None when onnx is not installed."""
    try:
        from onnx import TensorProto, helper
        from onnx.reference import ReferenceEvaluator
    except ImportError:
        return None
    inits: dict[str, np.ndarray] = {}
    if op == "conv2d":
        inits = {"W": tm.weight.detach().numpy(), "B": tm.bias.detach().numpy()}
        (ph, pw), (kh, kw) = tm.padding, tm.kernel_size
        node = helper.make_node("Conv", ["X", "W", "B"], ["Y"], kernel_shape=[kh, kw],
                                pads=[ph, pw, ph, pw], strides=list(tm.stride))
    elif op == "max_pool2d":
        k, s, p = tm.kernel_size, tm.stride, tm.padding
        node = helper.make_node("MaxPool", ["X"], ["Y"], kernel_shape=[k, k], strides=[s, s],
                                pads=[p] * 4)
    else:
        inits = {"S": tm.weight.detach().numpy(), "B": tm.bias.detach().numpy(),
                 "M": tm.running_mean.numpy(), "V": tm.running_var.numpy()}
        node = helper.make_node("BatchNormalization", ["X", "S", "B", "M", "V"], ["Y"],
                                epsilon=tm.eps)
    graph = helper.make_graph(
        [node], op, [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        [helper.make_tensor(k, TensorProto.FLOAT, v.shape, v.ravel()) for k, v in inits.items()])
    sess = ReferenceEvaluator(helper.make_model(graph))
    return lambda: sess.run(None, {"X": x})[0]
