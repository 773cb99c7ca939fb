"""Speed benchmark: numpy_layers against torch.nn on the CPU.

    python -m parity_tests.bench [--out reports] [--quick] [--only SUBSTRING] [--threads N]

Each BLAS kernel runs in its own subprocess: ``native`` with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset (the kernel OpenBLAS picks itself, as on a user's machine) and
``given``: the environment as it is when it sets them, else FORCED (the AVX2 kernel that
environments for old OpenBLAS builds force), so both are always in the report. In each, NumPy and
torch calls alternate in blocks with rests (noise hits both): forward under no_grad, and
forward+backward (input and parameter gradients). Medians, ratios numpy/torch, GFLOP/s,
peak extra memory and targets go to benchmark.json, .md and .png (bench_report.py).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import numpy_layers as nl
from numpy_layers.functional import release_scratch
from parity_tests import bench_profile as prof
from parity_tests.bench_timing import (BUSY, alternate, background_cpu, machine_cpu,
                                       naive_conv_seconds, wait_quiet)
from parity_tests.twins import mobilenet as mobilenet_twin
from parity_tests.twins import resnet as resnet_twin

NN = torch.nn
SEED = (1, 3, 640, 640)
BIG = (8, 64, 112, 112)
NET = (8, 3, 224, 224)
KERNEL_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")   # unset for the native kernel
FORCED = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
MEMORY_FACTOR = 1.5            # a network step's peak extra memory: at most this x torch's


@dataclass(frozen=True)
class Spec:
    """One benchmark row: how to build the torch module (the NumPy twin is from_torch)."""
    op: str
    config: str
    shape: tuple[int, ...]
    make: Callable[[], Any]
    target: float | None
    dtype: str = "float32"
    naive: bool = False              # the article's loop conv, extrapolated from a prefix
    f64: bool = False                # also run a float64 copy with target 1.0
    net: bool = False                # a whole network: memory target and per-layer profile
    peer: bool = False               # report only: ONNX's reference runtime, forward

    @property
    def name(self) -> str:
        return f"{self.op} {self.config} {self.dtype}"


def _specs() -> list[Spec]:
    """All rows, float32 first, then the float64 copies, then the ONNX peer rows."""
    s = [
        Spec("conv2d", "3x3 3->64 p1 (seed)", SEED, lambda: NN.Conv2d(3, 64, 3, padding=1), 0.5),
        Spec("conv2d naive (article)", "3x3 3->64 p1 (seed)", SEED,
             lambda: NN.Conv2d(3, 64, 3, padding=1), None, naive=True),
        Spec("max_pool2d", "2x2/2 (seed)", SEED, lambda: NN.MaxPool2d(2, 2), 0.8),
        Spec("dropout", "p=0.5 (seed)", SEED, lambda: NN.Dropout(0.5), 0.5),
        Spec("batch_norm2d", "train (seed)", SEED, lambda: NN.BatchNorm2d(3), 1.5),
        Spec("conv2d", "3x3 64->64 p1", (8, 64, 56, 56),
             lambda: NN.Conv2d(64, 64, 3, padding=1), 1.3, f64=True),
        Spec("conv2d", "3x3/2 128->256 p1", (8, 128, 28, 28),
             lambda: NN.Conv2d(128, 256, 3, stride=2, padding=1), 1.1),
        Spec("conv2d", "1x1 256->512", (8, 256, 14, 14), lambda: NN.Conv2d(256, 512, 1), 1.0,
             f64=True),
        Spec("conv2d", "depthwise 3x3 128 g128 p1", (8, 128, 56, 56),
             lambda: NN.Conv2d(128, 128, 3, padding=1, groups=128), 3.0),
        Spec("conv2d", "5x5 d2 32->32 p4", (8, 32, 56, 56),
             lambda: NN.Conv2d(32, 32, 5, padding=4, dilation=2), None),
        Spec("max_pool2d", "2x2/2", BIG, lambda: NN.MaxPool2d(2, 2), 0.6, f64=True),
        Spec("max_pool2d", "3x3/2 p1", BIG, lambda: NN.MaxPool2d(3, 2, 1), 0.6),
        Spec("avg_pool2d", "2x2/2", BIG, lambda: NN.AvgPool2d(2, 2), 0.8),
        Spec("avg_pool2d", "3x3/2 p1", BIG, lambda: NN.AvgPool2d(3, 2, 1), 0.8),
        Spec("batch_norm2d", "train", BIG, lambda: NN.BatchNorm2d(64), 1.0, f64=True),
        Spec("relu", "", BIG, NN.ReLU, 1.0),
        Spec("linear", "4096->4096 batch 256", (256, 4096), lambda: NN.Linear(4096, 4096), 1.1,
             f64=True),
        Spec("dropout", "p=0.5", BIG, lambda: NN.Dropout(0.5), 0.5),
        Spec("resnet18", "train step, from_torch", NET, resnet_twin.resnet18, 1.3, net=True),
        Spec("mobilenet_v2", "train step, from_torch", NET, mobilenet_twin.MobileNetV2, 1.5,
             net=True),
        Spec("resnet50", "train step, from_torch", NET,
             lambda: resnet_twin.ResNet(resnet_twin.Bottleneck, [3, 4, 6, 3]), 1.2, net=True),
    ]
    peers = [replace(x, op=f"onnx.reference {x.op}", target=None, peer=True) for x in s
             if x.name in ("conv2d 3x3 64->64 p1 float32", "max_pool2d 2x2/2 float32")]
    peers.append(Spec("onnx.reference batch_norm2d", "eval", BIG, lambda: NN.BatchNorm2d(64),
                      None, peer=True))
    return s + [replace(x, dtype="float64", target=1.0) for x in s if x.f64] + peers


def _flops(m: Any, y_shape: tuple[int, ...]) -> float | None:
    """Forward flops of a conv (2*N*O*Ho*Wo*C/g*kh*kw) or linear layer, else None."""
    if isinstance(m, NN.Conv2d):
        kh, kw = m.kernel_size
        return 2.0 * np.prod(y_shape) * (m.in_channels // m.groups) * kh * kw
    if isinstance(m, NN.Linear):
        return 2.0 * np.prod(y_shape) * m.in_features
    return None


def _base(s: Spec) -> dict[str, Any]:
    """The identifying fields of a row."""
    return {"name": s.name, "op": s.op, "config": s.config, "shape": list(s.shape),
            "dtype": s.dtype, "target": s.target, "net": s.net, "peer": s.peer}


def _budget(spec: Spec, quick: bool) -> tuple[float, int, int, int]:
    """(seconds per row, warm-up calls, rounds, max calls per block)."""
    if quick:
        return 0.25, 1, 2, 5
    return (4.0, 1, 6, 3) if spec.net else (1.5, 2, 6, 20)


def run_row(spec: Spec, quick: bool, rng: np.random.Generator) -> dict[str, Any]:
    """Time one row; returns its JSON-ready dict."""
    torch.manual_seed(0)
    tdt = torch.float64 if spec.dtype == "float64" else torch.float32
    tm = spec.make().to(tdt)
    tm.eval() if spec.peer else tm.train()
    x = rng.standard_normal(spec.shape).astype(spec.dtype)
    xt = torch.tensor(x, requires_grad=True)      # torch-owned (64-byte aligned) copies
    row = _base(spec)
    budget, warm, rounds, max_k = _budget(spec, quick)

    def t_fwd() -> Any:
        with torch.no_grad():
            return tm(xt)

    y_ref = t_fwd()
    if spec.naive:
        w, b = tm.weight.detach().numpy(), tm.bias.detach().numpy()
        sec, frac = naive_conv_seconds(x, w, b, tm.padding[0], 1.0 if quick else 5.0)
        t = alternate([{"torch_fwd": t_fwd}], warm, budget, rounds, max_k)
        tf = statistics.median(t["torch_fwd"]) * 1e3
        return row | dict(numpy_fwd_ms=sec * 1e3, torch_fwd_ms=tf, fwd_ratio=sec * 1e3 / tf,
                          reps=len(t["torch_fwd"]), extrapolated=True, fraction_computed=frac)
    m = nl.from_torch(tm)
    if spec.peer:
        return row | _peer(spec, tm, m, x, t_fwd, y_ref, (warm, budget, rounds, max_k))
    m.train()
    dy = rng.standard_normal(y_ref.shape).astype(spec.dtype)
    dyt = torch.tensor(dy)

    def np_fwd() -> Any:
        with nl.no_grad():
            return m(x)

    def np_fb() -> Any:
        m.zero_grad()
        m(x)
        return m.backward(dy)

    def t_fb() -> Any:
        tm.zero_grad(set_to_none=True)
        xt.grad = None
        tm(xt).backward(dyt)
        return xt.grad

    y = np_fwd()                       # sanity: dtype kept, values close to torch
    row["out_dtype_ok"] = y.dtype == x.dtype
    if spec.op != "dropout":
        row["max_abs_diff_fwd"] = float(np.max(np.abs(y - y_ref.numpy())))
    del y
    sides = [{"numpy_fwd": np_fwd, "numpy_fb": np_fb}, {"torch_fwd": t_fwd, "torch_fb": t_fb}]
    t = alternate(sides, warm, budget, rounds, max_k)
    row.update({k + "_ms": statistics.median(v) * 1e3 for k, v in t.items()})
    row.update({k + "_min_ms": min(v) * 1e3 for k, v in t.items()}, reps=len(t["numpy_fwd"]),
               fwd_ratio=row["numpy_fwd_ms"] / row["torch_fwd_ms"],
               fb_ratio=row["numpy_fb_ms"] / row["torch_fb_ms"])
    fl = _flops(tm, tuple(y_ref.shape))
    if fl is not None:
        row["numpy_fwd_gflops"] = fl / row["numpy_fwd_ms"] / 1e6
        row["numpy_fb_gflops"] = 3 * fl / row["numpy_fb_ms"] / 1e6
    # Peak extra memory of one fwd+bwd; NumPy's scratch buffers dropped first, so they count.
    row["numpy_fb_peak_extra_mb"] = prof.peak_extra_mb(np_fb, release_scratch)
    row["torch_fb_peak_extra_mb"] = prof.peak_extra_mb(t_fb)
    if spec.op == "conv2d":           # how much of it is GEMM (np.matmul)
        row["numpy_fb_gemm_share"] = statistics.median(prof.gemm_share(np_fb) for _ in range(3))
    if spec.net:
        row["profile_ms"] = {"numpy": prof.numpy_profile(m, np_fb),
                             "torch": prof.torch_profile(t_fb)}
    if spec.target is not None:
        row["met"] = row["fb_ratio"] <= spec.target
    if spec.net and row["torch_fb_peak_extra_mb"]:
        row["memory_ratio"] = row["numpy_fb_peak_extra_mb"] / row["torch_fb_peak_extra_mb"]
        row["memory_met"] = row["memory_ratio"] <= MEMORY_FACTOR
    return row


def _peer(spec: Spec, tm: Any, m: Any, x: np.ndarray, t_fwd: Callable[[], Any], y_ref: Any,
          timing: tuple[int, float, int, int]) -> dict[str, Any]:
    """Forward of ONNX's reference runtime against torch's and ours (report only)."""
    op = spec.op.split()[-1]
    run = prof.onnx_session(op, tm, x)
    if run is None:
        return {"skipped": "onnx is not installed (pip install -e '.[bench]')"}
    m.eval()

    def np_fwd() -> Any:
        with nl.no_grad():
            return m(x)

    row = {"max_abs_diff_fwd": float(np.max(np.abs(run() - y_ref.numpy())))}
    warm, budget, rounds, max_k = timing
    t = alternate([{"onnx_fwd": run}, {"torch_fwd": t_fwd}, {"numpy_fwd": np_fwd}],
                  warm, budget, rounds, max_k)
    row.update({k + "_ms": statistics.median(v) * 1e3 for k, v in t.items()})
    return row | {"reps": len(t["onnx_fwd"]), "fwd_ratio": row["onnx_fwd_ms"] / row["torch_fwd_ms"],
                  "numpy_fwd_ratio": row["numpy_fwd_ms"] / row["torch_fwd_ms"]}


def run_quietest(spec: Spec, quick: bool, rng: np.random.Generator,
                 spare: list[float]) -> dict[str, Any]:
    """``run_row``; while other processes load the CPU, wait and retry (up to 3 attempts,
    charged to the run's ``spare[0]`` seconds), keeping the least disturbed attempt."""
    best: dict[str, Any] | None = None
    for attempt in range(1, 2 if quick else 4):
        t0 = time.perf_counter()
        if attempt > 1:
            wait_quiet(min(15.0, spare[0]))
        c0 = machine_cpu()
        try:
            r = run_row(spec, quick, rng)
        except Exception as e:  # one broken layer must not hide the other rows
            r = {**_base(spec), "error": f"{type(e).__name__}: {' '.join(str(e).split())}"}
        r.update(background_cpu=background_cpu(c0), attempts=attempt)
        if attempt > 1:
            spare[0] -= time.perf_counter() - t0
        if best is None or (r["background_cpu"] or 0) < (best["background_cpu"] or 0):
            best = r
        if "error" in r or "skipped" in r or (r["background_cpu"] or 0) <= BUSY \
                or spare[0] <= 0:
            break
    return best


def run_kernel(a: argparse.Namespace, specs: list[Spec]) -> dict[str, Any]:
    """Inside one kernel's subprocess: every row, printed as it ends; {header, rows}."""
    from parity_tests.bench_report import header, progress_line
    torch.set_num_threads(a.threads)
    t0, rows, c_all = time.perf_counter(), [], machine_cpu()
    with threadpool_limits(limits=a.threads, user_api="blas"):
        head = header(a.threads, a.kernel) | {"env_given": not a.forced_env}
        rng, spare = np.random.default_rng(0), [0.0 if a.quick else 60.0]
        for s in specs:
            if s.peer and a.kernel != "native":
                continue                       # the peer rows run once, beside the headline
            rows.append(run_quietest(s, a.quick, rng, spare))
            print(progress_line(a.kernel, s, rows[-1]), flush=True)
    head.update(total_seconds=time.perf_counter() - t0, quick=a.quick,
                background_cpu=background_cpu(c_all))
    return {"header": head, "rows": rows}


def _child(kernel: str, argv: list[str]) -> dict[str, Any]:
    """Run one kernel's rows in a subprocess (native: KERNEL_VARS removed; given: the
    environment's, else FORCED); its JSON."""
    env = dict(os.environ)
    if kernel == "native":
        for k in KERNEL_VARS:
            env.pop(k, None)
    forced = kernel == "given" and not any(k in env for k in KERNEL_VARS)
    if forced:
        env.update(FORCED)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.json"
        cmd = [sys.executable, "-m", "parity_tests.bench", *argv, "--kernel", kernel,
               "--rows-json", str(path)] + (["--forced-env"] if forced else [])
        rc = subprocess.run(cmd, env=env).returncode
        if not path.exists():
            raise RuntimeError(f"bench: the {kernel} kernel's run failed (exit {rc})")
        return json.loads(path.read_text())


def main(argv: list[str] | None = None) -> int:
    """CLI entry: run the rows per kernel, print progress, write the three reports."""
    from parity_tests.bench_report import write_reports
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="reports", help="output directory (default reports)")
    p.add_argument("--quick", action="store_true", help="short smoke run (few repeats)")
    p.add_argument("--only", default=None, help="run rows whose name contains SUBSTRING")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="torch threads and numpy BLAS threads (default: cpu count)")
    p.add_argument("--kernel", choices=("native", "given"), help=argparse.SUPPRESS)
    p.add_argument("--rows-json", help=argparse.SUPPRESS)
    p.add_argument("--forced-env", action="store_true", help=argparse.SUPPRESS)
    argv = sys.argv[1:] if argv is None else list(argv)
    a = p.parse_args(argv)
    specs = [s for s in _specs() if a.only is None or a.only.lower() in s.name.lower()]
    if not specs:
        print(f"no row matches {a.only!r}", file=sys.stderr)
        return 2
    if a.kernel:                                       # a kernel's subprocess
        Path(a.rows_json).write_text(json.dumps(run_kernel(a, specs), default=str))
        return 0
    t0 = time.perf_counter()
    runs = {k: _child(k, argv) for k in ("native", "given")}
    (out := Path(a.out)).mkdir(parents=True, exist_ok=True)
    cmd = [Path(sys.argv[0]).name] + argv
    rows = write_reports(out, runs, cmd, time.perf_counter() - t0)
    print(f"total {time.perf_counter() - t0:.1f} s; wrote {out}/benchmark.json, .md, .png")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
