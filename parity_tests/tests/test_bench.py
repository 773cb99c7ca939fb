"""The benchmark's plumbing: kernels merged, report text, memory probe, environment helper."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from parity_tests import bench, bench_profile, bench_report
from parity_tests.harness import environment


def _head(kernel: str, arch: str, env: dict[str, str]) -> dict:
    return {"kernel_run": kernel, "date": "d", "git": {"commit": "0" * 40, "dirty": False},
            "cpu_model": "cpu", "cpu_count": 2, "torch": "t", "torch_threads": 2,
            "numpy": "n", "numpy_blas": {"internal_api": "openblas", "version": "v",
                                         "architecture": arch, "num_threads": 2},
            "env": env, "env_given": False, "quick": True}


def _row(name: str, ratio: float, target: float, **kw) -> dict:
    return {"name": name, "op": name.split()[0], "config": "c", "shape": [1], "dtype": "float32",
            "target": target, "fb_ratio": ratio, "met": ratio <= target, **kw}


def test_report_headlines_native_and_keeps_the_forced_kernel_beside_it():
    runs = {"native": {"header": _head("native", "SkylakeX", {}),
                       "rows": [_row("conv2d a", 0.9, 1.0), _row("resnet18 s", 1.6, 1.3)]},
            "given": {"header": _head("given", "Haswell", {"OPENBLAS_CORETYPE": "Haswell"}),
                      "rows": [_row("conv2d a", 1.7, 1.0), _row("resnet18 s", 2.1, 1.3)]}}
    rows = bench_report.merge(runs)
    assert [r["fb_ratio"] for r in rows] == [0.9, 1.6]
    assert [r["given"]["fb_ratio"] for r in rows] == [1.7, 2.1]
    head = {"command": "bench.py", "total_seconds": 1.0, "quick": True,
            "kernels": {k: v["header"] for k, v in runs.items()}}
    md = bench_report.to_markdown(head, rows)
    assert "**SkylakeX**" in md and "**Haswell**" in md
    assert "1 met, 1 missed" in md                     # the native ratios decide
    assert "| 1.70 |" in md and "| 2.10 |" in md          # the forced ratios shown
    assert "**resnet18 s**: not yet analysed" in md       # every miss gets a reason line


def test_a_miss_of_a_network_names_its_profile():
    r = _row("resnet18 s", 1.6, 1.3, profile_ms={
        "numpy": dict(conv=300, batch_norm=50, activation=9, pool=5, linear=1, other=3),
        "torch": dict(conv=200, batch_norm=40, activation=10, pool=5, linear=1, other=3)})
    assert bench_report.reason(r).startswith("per-layer profile") and "conv 300 vs 200" in \
        bench_report.reason(r)


def test_peak_extra_memory_sees_an_allocation():
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc/self/status")
    mb = bench_profile.peak_extra_mb(lambda: np.ones(40 * 2**20 // 8))
    assert mb is not None and 35 <= mb < 80


def test_every_network_row_is_converted_with_from_torch_and_has_a_target():
    nets = [s for s in bench._specs() if s.net]
    assert {s.op for s in nets} == {"resnet18", "resnet50", "mobilenet_v2"}
    assert all(s.target is not None and s.shape == (8, 3, 224, 224) for s in nets)
    assert any(s.op == "relu" and s.target == 1.0 for s in bench._specs())


def test_write_atomic_leaves_no_temporary(tmp_path):
    p = tmp_path / "r.md"
    environment.write_atomic(p, "one")
    environment.write_atomic(p, b"two")
    assert p.read_text() == "two" and [q.name for q in tmp_path.iterdir()] == ["r.md"]


def test_gemm_time_counts_the_conv_paths_matmuls_and_restores_numpy():
    import numpy_layers as nl
    conv = nl.Conv2d(16, 16, 3, padding=1)
    x = np.ones((2, 16, 20, 20), np.float32)
    matmul = np.matmul
    assert bench_profile.gemm_ms(lambda: conv(x)) > 0
    assert bench_profile.gemm_ms(lambda: np.add(x, x)) == 0
    assert 0 < bench_profile.gemm_share(lambda: conv(x)) <= 1
    assert np.matmul is matmul
