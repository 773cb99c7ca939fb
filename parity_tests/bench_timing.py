"""Timing for the benchmark: blocks of calls with rests, sides alternating, and the share
of the CPU other processes took meanwhile (a row measured on a busy machine is retried)."""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

BUSY = 0.10        # share of the CPU used by other processes above which a row is retried
# After a call, OpenBLAS workers spin ~0.1 s and slow torch's next op 2x (measured: 3x3 conv
# fwd+bwd 13.5 -> 28 ms right after a numpy conv), so each block of calls starts after a rest.
COOLDOWN = 0.3


def _seconds(fn: Callable[[], Any]) -> float:
    """Wall time of one call."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def alternate(sides: list[dict[str, Callable[[], Any]]], warmup: int, budget: float,
               rounds: int, max_k: int) -> dict[str, list[float]]:
    """Time the sides' callables in blocks of k calls (after one untimed call), sides alternating
    (lead swapped each round); a rest before each block keeps one library's spinning threads
    off the other."""
    fns = [f for side in sides for f in side.values()]
    est = sum(min(w) for w in zip(*[[_seconds(f) for f in fns] for _ in range(warmup)]))
    k = int(min(max_k, max(1, round(budget / rounds / max(est, 1e-9)) - 1)))
    out: dict[str, list[float]] = {n: [] for side in sides for n in side}
    for r in range(rounds):
        for side in (sides if r % 2 == 0 else sides[::-1]):
            time.sleep(COOLDOWN)
            for n, f in side.items():
                f()                               # untimed: wake threads, warm caches
                out[n] += [_seconds(f) for _ in range(k)]
    return out


def naive_conv_seconds(x: np.ndarray, w: np.ndarray, b: np.ndarray, padding: int,
                       budget: float) -> tuple[float, float]:
    """The source article's conv (per output pixel and filter, sum(x_patch * w)), run for
    ``budget`` s on a prefix: (extrapolated seconds for the whole output, fraction done)."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    (n_, _, h, wd), (f_, _, kh, kw) = xp.shape, w.shape
    ho, wo = h - kh + 1, wd - kw + 1
    out = np.zeros((n_, f_, ho, wo), dtype=x.dtype)
    total, done = n_ * f_ * ho * wo, 0
    t0 = time.perf_counter()
    for n in range(n_):
        for f in range(f_):
            for i in range(ho):
                for j in range(wo):
                    out[n, f, i, j] = np.sum(xp[n, :, i:i + kh, j:j + kw] * w[f]) + b[f]
                done += wo
                if time.perf_counter() - t0 > budget:
                    return (time.perf_counter() - t0) * total / done, done / total
    return time.perf_counter() - t0, 1.0


def machine_cpu() -> tuple[float, float, float] | None:
    """(machine busy s, machine total s, this process's CPU s), from /proc/stat (Linux)."""
    try:
        v = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(v) - v[3] - v[4]) / hz, sum(v) / hz, time.process_time()


def background_cpu(start: tuple[float, float, float] | None) -> float | None:
    """Share of the machine's CPU used by other processes since ``start``."""
    end = machine_cpu()
    if start is None or end is None or end[1] <= start[1]:
        return None
    return max(0.0, (end[0] - start[0] - (end[2] - start[2])) / (end[1] - start[1]))


def wait_quiet(limit: float) -> None:
    """Wait (at most ``limit`` s) until other processes leave the CPU idle."""
    end = time.perf_counter() + limit
    while time.perf_counter() < end:
        c0 = machine_cpu()
        time.sleep(0.5)
        if (background_cpu(c0) or 0) <= BUSY:
            return
