"""The benchmark's reports: the kernels' runs merged (native kernel the headline, the
environment's kernel beside it), written as benchmark.json, .md and .png."""
from __future__ import annotations

import io
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import numpy_layers as nl
from parity_tests.bench_profile import KINDS
from parity_tests.bench_timing import BUSY
from parity_tests.harness import environment
from parity_tests.harness.sources import portable_argv

GIVEN_KEYS = ("fwd_ratio", "fb_ratio", "numpy_fb_ms", "torch_fb_ms", "met", "background_cpu",
              "error")

# Measured reasons for rows that miss their target, by "op config" (printed under the
# table before what the run itself measured).
_SPIN = ("OpenBLAS's worker threads spin after each GEMM and hold the second core while "
         "NumPy's threaded passes run between GEMMs (MobileNetV2 step 1099 -> 867 ms, "
         "ResNet-18 870 -> 829 ms with OPENBLAS_THREAD_TIMEOUT=4 set before NumPy loads: "
         "README, speed section)")
MISS_REASONS: dict[str, str] = {
    "conv2d 3x3 64->64 p1": (
        "Winograd F(2x2,3x3), the fastest path measured here (fwd+bwd im2col 41.8 ms, "
        "Winograd 28 ms: README, speed section); its 16 batched GEMMs per direction have "
        "K = 64 only, and its transforms are memory-bound NumPy passes. F(4x4,3x3) would cut "
        "the GEMM work 1.8x more but measured 13-19x torch's float32 error (policy: 4x)"),
    "conv2d 3x3/2 128->256 p1": (
        "im2col + one OpenBLAS GEMM per direction; torch runs a direct oneDNN convolution"),
    "conv2d 1x1 256->512": (
        "no im2col: the conv is three OpenBLAS GEMMs (y, dW, dx), so the ratio is OpenBLAS's "
        "sgemm/dgemm against torch's oneDNN kernel on the same shapes"),
    "max_pool2d 3x3/2 p1": (
        "forward 0.3x torch (values and winner codes in running-max passes); the backward "
        "hands each dy to its winner tap by tap (per tap: compare codes, mask dy, add at a "
        "shift: 27 passes over dy-sized runs for 3x3/2), where torch scatters dy once by its "
        "int64 indices. NumPy has no fast scatter-add: np.bincount with weights measured "
        "15.5 ms + 4.6 ms for the indices against 11.1 ms for the tap passes ((8, 64, 112, "
        "112) float32), np.add.at is slower still"),
    "batch_norm2d train": (
        "NumPy's side is steady (13.7 ms fwd+bwd on the 2026-12-06 11:15 run, 13.6 on the "
        "14:05 run) while torch's moved from 17.4 to 10.9 ms between them (ratio 0.78 met, "
        "then 1.25): the row sits where torch's own run-to-run spread decides it. NumPy's "
        "backward is the statistics' two sums and the dx pass per channel block, x and dy "
        "read once each"),
    "relu ": (
        "y and the gradient mask in one pass per 128K-element block over 2 threads, the "
        "backward one masked AND per block; NumPy writes a 1-byte mask beside y (torch's "
        "backward reads y: a NumPy caller may overwrite y before backward), and each block "
        "costs two ufunc calls from Python"),
    "mobilenet_v2 train step, from_torch": (
        "depthwise 3x3 convs: per-tap multiply-adds over blocks of channel planes (two NumPy "
        "passes per tap) against oneDNN's register-blocked depthwise kernel; per layer NumPy "
        "is 1-2.5x torch at 56x56 and up but 6-10x at 28x28 and below (fwd (8, 192, 28, 28) "
        "7.4 vs 0.7 ms, (8, 960, 7, 7) 3.3 vs 0.4 ms); batch norm at small planes is "
        "several short passes per channel group (bwd (8, 960, 7, 7) 0.73 vs 0.09 ms); "
        + _SPIN),
    "resnet18 train step, from_torch": (
        "3x3 convs (Winograd, see the conv 3x3 row) and GEMM-bound convs against oneDNN; "
        + _SPIN),
    "resnet50 train step, from_torch": (
        "1x1 convs are OpenBLAS GEMMs against oneDNN (see the conv 1x1 row), 3x3 convs as "
        "in the conv 3x3 row; " + _SPIN),
    "linear 4096->4096 batch 256": (
        "three GEMMs (x @ W.T, dy @ W, dy.T @ x) and a bias sum on both sides: the ratio is "
        "OpenBLAS against torch's BLAS, nothing else runs"),
}


def header(threads: int, kernel: str) -> dict[str, Any]:
    """One kernel run's versions, BLAS (threadpoolctl) and thread settings, CPU, commit."""
    pools = environment.blas_info()
    return {
        "kernel_run": kernel, "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
        "numpy_layers": getattr(nl, "__version__", "?"),
        "git": {"commit": environment.git_commit(), "dirty": environment.git_dirty()},
        "cpu_model": environment.cpu_model(), "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(), "threads_requested": threads,
        "numpy_blas": environment.numpy_blas(pools), "threadpools": pools,
        "env": environment.blas_env(),
    }


def _f(v: Any, fmt: str = "{:.2f}") -> str:
    """Format a number, '–' for None."""
    return "–" if v is None else fmt.format(v)


def progress_line(kernel: str, spec: Any, r: dict[str, Any]) -> str:
    """One printed line per finished row."""
    status = "" if r.get("met") is None else ("met" if r["met"] else "MISSED")
    return (f"[{kernel}] {spec.name:48s} fwd {_f(r.get('fwd_ratio'), '{:7.2f}'):>7s}  fwd+bwd "
            f"{_f(r.get('fb_ratio'), '{:5.2f}'):>5s}  target {_f(spec.target):>4s}  other CPU "
            f"{_f(r.get('background_cpu'), '{:4.0%}')}  {status}"
            f"{r.get('error', '')[:120]}{r.get('skipped', '')}")


def merge(runs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The native run's rows, each with the given kernel's figures under ``given``."""
    rows = [dict(r) for r in runs["native"]["rows"]]
    if "given" in runs:
        other = {r["name"]: r for r in runs["given"]["rows"]}
        for r in rows:
            if r["name"] in other:
                r["given"] = {k: other[r["name"]][k] for k in GIVEN_KEYS if k in other[r["name"]]}
    return rows


def _kernel(head: dict[str, Any]) -> str:
    b = head["numpy_blas"]
    env = " ".join(f"{k}={v}" for k, v in head["env"].items() if k.startswith("OPENBLAS_C")
                   or k.startswith("OPENBLAS_L")) or "OPENBLAS_CORETYPE/L2_SIZE unset"
    return (f"{b.get('internal_api', '?')} {b.get('version', '?')} kernel "
            f"**{b.get('architecture', '?')}**, {b.get('num_threads', '?')} threads ({env})")


def reason(r: dict[str, Any]) -> str:
    """The measured reason a row misses: written down per row (MISS_REASONS, by op and
    config), or from what the run measured (GEMM share, network profile, memory)."""
    key = f"{r['op']} {r['config']}"
    parts = [MISS_REASONS[key]] if key in MISS_REASONS else []
    p, share = r.get("profile_ms"), r.get("numpy_fb_gemm_share")
    if share is not None and "numpy_fb_ms" in r:
        g = share * r["numpy_fb_ms"]
        parts.append(f"GEMMs (np.matmul) take {share:.0%} of NumPy's fwd+bwd ({g:.1f} of "
                     f"{r['numpy_fb_ms']:.1f} ms), the rest {r['numpy_fb_ms'] - g:.1f} ms; "
                     f"torch's whole fwd+bwd takes {r['torch_fb_ms']:.1f} ms")
    elif r.get("numpy_fb_gemm_ms") is not None:          # older runs: GEMM ms of other calls
        parts.append(f"GEMMs (np.matmul) measured {r['numpy_fb_gemm_ms']:.1f} ms in separate "
                     f"calls (NumPy's median fwd+bwd {r['numpy_fb_ms']:.1f} ms, torch's "
                     f"{r['torch_fb_ms']:.1f} ms)")
    if p and r.get("met") is False:
        gap = {k: p["numpy"][k] - p["torch"][k] for k in KINDS}
        worst = sorted(gap, key=gap.get, reverse=True)[:3]
        parts.append("per-layer profile of one step (NumPy ms vs torch ms): " + ", ".join(
            f"{k} {p['numpy'][k]:.0f} vs {p['torch'][k]:.0f}" for k in worst)
            + (f"; GEMMs (np.matmul) {p['numpy']['gemm']:.0f} ms of NumPy's conv "
               f"{p['numpy']['conv']:.0f}" if "gemm" in p["numpy"] else ""))
    if (r.get("background_cpu") or 0) > BUSY:
        parts.append(f"measured while other processes used {r['background_cpu']:.0%} of the "
                     f"CPU (2-thread GEMMs suffer most): unreliable")
    if r.get("memory_met") is False:
        parts.append(f"peak extra memory {r['numpy_fb_peak_extra_mb']:.0f} MB vs torch's "
                     f"{r['torch_fb_peak_extra_mb']:.0f}")
    return "; ".join(parts) or "not yet analysed"


def _table(rows: list[dict[str, Any]], given: bool) -> list[str]:
    out = ["| op | config | dtype | np fwd ms | torch fwd ms | fwd ratio | np fwd+bwd ms | "
           "torch fwd+bwd ms | fwd+bwd ratio |" + (" given kernel fwd+bwd ratio |" if given else "")
           + " GFLOP/s fwd / fwd+bwd | peak extra MB np / torch | other CPU | target | status |",
           "|---|---|---" + "|--:" * (12 if given else 11) + "|---|"]
    for r in rows:
        g = r.get
        if "error" in r:
            status = f"ERROR {r['error'][:120]}"
        elif g("extrapolated"):
            status = f"extrapolated from {r['fraction_computed']:.2%} of the output"
        else:
            met = {None: "report only", True: "met", False: "**MISSED**"}[g("met")]
            status = f"{met} ({_f(g('fb_ratio'))})"
        status += " (machine busy: unreliable)" if (g("background_cpu") or 0) > BUSY else ""
        cells = [r["op"], f"{r['config']} {tuple(r['shape'])}", r["dtype"]]
        for k in ("numpy_fwd", "torch_fwd", "fwd_ratio", "numpy_fb", "torch_fb", "fb_ratio"):
            cells.append(_f(g(k)) if k.endswith("ratio") else _f(g(k + "_ms"), "{:.1f}"))
        if given:
            cells.append(_f((g("given") or {}).get("fb_ratio")))
        cells += [f"{r['numpy_fwd_gflops']:.0f} / {r['numpy_fb_gflops']:.0f}"
                  if "numpy_fb_gflops" in r else "",
                  f"{_f(g('numpy_fb_peak_extra_mb'), '{:.0f}')} / "
                  f"{_f(g('torch_fb_peak_extra_mb'), '{:.0f}')}",
                  _f(g("background_cpu"), "{:.0%}"),
                  "–" if g("target") is None else f"≤ {r['target']:.2f}", status]
        out.append("| " + " | ".join(cells) + " |")
    return out


def to_markdown(head: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The Markdown report: header, the main table, memory, profile, peers, reasons."""
    runs = head["kernels"]
    native = runs["native"]
    main = [r for r in rows if not r.get("peer")]
    met, missed = (sum(r.get("met") is v for r in main) for v in (True, False))
    busy = sum((r.get("background_cpu") or 0) > BUSY for r in main)
    out = [
        "# numpy_layers speed benchmark (NumPy vs torch CPU)", "",
        f"- {native['date']}, commit `{native['git']['commit'][:10]}`"
        f"{' (dirty)' if native['git']['dirty'] else ''}, `{head['command']}`",
        f"- CPU: {native['cpu_model']} ({native['cpu_count']} cores); torch {native['torch']} "
        f"with {native['torch_threads']} threads; numpy {native['numpy']}",
        f"- Headline kernel (native, as on a user's machine): {_kernel(native)}",
    ]
    if "given" in runs:
        g = runs["given"]
        how = ("the environment's setting" if g.get("env_given") else
               "set for that run only: the environment sets neither variable")
        out.append(f"- Forced kernel (column *given kernel*, {how}): {_kernel(g)}")
    out += [
        "- Medians of alternating numpy/torch blocks with rests; fwd under no_grad on both "
        "sides; fwd+bwd computes input and parameter gradients (network rows: zero_grad, "
        "forward, backward of a model converted with `from_torch`). Ratio = numpy / torch "
        "(lower is better); the target applies to the native fwd+bwd ratio. Peak extra MB: "
        "resident memory above the start of one fwd+bwd (NumPy's scratch buffers dropped "
        "first, so they count).",
        f"- **{met} met, {missed} missed** (native kernel), total run time "
        f"{head['total_seconds']:.0f} s{' (--quick: few repeats, noisy)' if head['quick'] else ''}; "
        + (f"**{busy} row(s) measured while other processes used > {BUSY:.0%} of the CPU: "
           "unreliable**" if busy else "no other load on the CPU during the measurements"), "",
    ] + _table(main, "given" in runs)
    out += _memory(main) + _profile(main) + _peers([r for r in rows if r.get("peer")])
    missed_rows = [r for r in main if r.get("met") is False or r.get("memory_met") is False]
    if missed_rows:
        out += ["", "## Why rows miss (measured)", ""]
        out += [f"- **{r['name']}**: {reason(r)}" for r in missed_rows]
    return "\n".join(out) + "\n"


def _memory(rows: list[dict[str, Any]]) -> list[str]:
    nets = [r for r in rows if r.get("net") and "memory_ratio" in r]
    if not nets:
        return []
    out = ["", "## Peak extra memory of a network step (target: NumPy ≤ 1.5x torch)", "",
           "| network | NumPy MB | torch MB | ratio | status |", "|---|--:|--:|--:|---|"]
    for r in nets:
        out.append(f"| {r['op']} | {r['numpy_fb_peak_extra_mb']:.0f} | "
                   f"{r['torch_fb_peak_extra_mb']:.0f} | {r['memory_ratio']:.2f} | "
                   f"{'met' if r['memory_met'] else '**MISSED**'} |")
    return out


def _profile(rows: list[dict[str, Any]]) -> list[str]:
    nets = [r for r in rows if r.get("profile_ms")]
    if not nets:
        return []
    out = ["", "## Where a network step's time goes (ms, NumPy / torch, one profiled step)", "",
           "| network | " + " | ".join(KINDS) + " |", "|---" + "|--:" * len(KINDS) + "|"]
    for r in nets:
        p = r["profile_ms"]
        out.append(f"| {r['op']} | " + " | ".join(
            f"{p['numpy'][k]:.0f} / {p['torch'][k]:.0f}" for k in KINDS) + " |")
    return out


def _peers(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    out = ["", "## Peer: ONNX's NumPy reference runtime (`onnx.reference`), forward, report only",
           ""]
    if all("skipped" in r for r in rows):
        return out + [f"Skipped: {rows[0]['skipped']}."]
    out += ["| op | config | onnx ms | numpy_layers ms | torch ms | onnx / torch | "
            "numpy_layers / torch |", "|---|---|--:|--:|--:|--:|--:|"]
    for r in rows:
        g = r.get
        out.append(f"| {r['op']} | {r['config']} {tuple(r['shape'])} | {_f(g('onnx_fwd_ms'), '{:.1f}')} "
                   f"| {_f(g('numpy_fwd_ms'), '{:.1f}')} | {_f(g('torch_fwd_ms'), '{:.1f}')} | "
                   f"{_f(g('fwd_ratio'))} | {_f(g('numpy_fwd_ratio'))} |"
                   + (f" {r['error'][:100]} |" if "error" in r else ""))
    return out


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Horizontal bars of the native fwd+bwd ratio per row (log scale), the given kernel's
    as a hollow mark, a black mark at each target."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter
    rows = [r for r in rows if "fb_ratio" in r and not r.get("peer")]
    if not rows:
        return
    given = [(r.get("given") or {}).get("fb_ratio") for r in rows]
    vals = [r["fb_ratio"] for r in rows] + [r["target"] for r in rows if r["target"]] \
        + [v for v in given if v]
    lo, ys = min(0.1, 0.7 * min(vals)), np.arange(len(rows))[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.38 * len(rows) + 1.6))
    for y, r, gv in zip(ys, rows, given):
        c = "grey" if r.get("met") is None else ("tab:green" if r["met"] else "tab:red")
        ax.barh(y, r["fb_ratio"] - lo, left=lo, color=c, height=0.7)
        ax.text(r["fb_ratio"] * 1.04, y, f"{r['fb_ratio']:.2f}", va="center", fontsize=7)
        if gv:
            ax.plot([gv], [y], marker="o", mfc="none", mec="black", ms=5)
        if r["target"] is not None:
            ax.plot([r["target"]] * 2, [y - 0.45, y + 0.45], color="black", lw=2)
    ax.axvline(1.0, color="grey", ls=":", lw=1)
    ax.set_yticks(ys, [r["name"] + (" [busy]" if (r.get("background_cpu") or 0) > BUSY else "")
                       for r in rows], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(lo, 1.6 * max(vals))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if str(v)[0] in "25" else ""))
    ax.set_xlabel("fwd+bwd time, numpy / torch, native kernel (log scale; black mark = target; "
                  "circle = the environment's kernel)")
    ax.set_title("numpy_layers vs torch CPU: green met, red missed, grey report only")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    environment.write_atomic(path, buf.getvalue())


def write_reports(out: Path, runs: dict[str, dict[str, Any]], cmd: list[str],
                  seconds: float) -> list[dict[str, Any]]:
    """benchmark.json, .md and .png from the kernels' runs; returns the merged rows."""
    rows = merge(runs)
    head = {"command": " ".join(portable_argv(cmd)), "total_seconds": seconds,
            "quick": runs["native"]["header"]["quick"],
            "kernels": {k: v["header"] for k, v in runs.items()}}
    environment.write_atomic(out / "benchmark.json",
                             json.dumps({"header": head, "rows": rows}, indent=2, default=str))
    environment.write_atomic(out / "benchmark.md", to_markdown(head, rows))
    plot(rows, out / "benchmark.png")
    return rows


def rerender(out: Path) -> None:
    """benchmark.md and .png again from benchmark.json as written (reasons re-read)."""
    data = json.loads((out / "benchmark.json").read_text())
    environment.write_atomic(out / "benchmark.md", to_markdown(data["header"], data["rows"]))
    plot(data["rows"], out / "benchmark.png")


if __name__ == "__main__":
    import sys
    rerender(Path(sys.argv[1] if len(sys.argv) > 1 else "reports"))
