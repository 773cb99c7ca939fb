"""Writes the tolerance report: ``parity_report.json`` (every row), ``parity_report.md``
(summary per layer, then failures, the rows with the least headroom and changes since a
baseline) and ``parity_report.html`` (the same with plots and every row; see html.py).
Files are written atomically (temporary file, then rename)."""
from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .results import CaseResult, Row

if TYPE_CHECKING:
    from .baseline import BaselineDiff

SCHEMA_VERSION = 1


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parents[2], timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _blas() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("internal_api", "version", "num_threads", "architecture", "filepath")
    return [{k: i.get(k) for k in keep} for i in threadpool_info()]


def _command_line() -> str:
    argv = list(sys.argv)
    if argv and argv[0].endswith("__main__.py"):
        argv[0:1] = ["-m", Path(argv[0]).parent.name]
    return " ".join(["python"] + argv)


def run_header(seed: int, jobs: int, timeout: float | None = None) -> dict[str, Any]:
    """Versions, machine and settings that make a report reproducible and comparable."""
    import numpy
    import torch
    return {
        "schema_version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": _command_line(),
        "seed": seed,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "torch": torch.__version__,
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "workers": jobs,
        "torch_threads_per_worker": 1,
        "timeout": timeout,
        "blas": _blas(),
        "env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                           "OMP_NUM_THREADS") if k in os.environ},
        "torch_samples": torch_samples_header(),
    }


def torch_samples_header() -> dict[str, Any]:
    """Whether torch's own samples ran (or why not) and, per layer, the samples run and the
    unsupported ones by reason."""
    from ..torch_samples import status
    return status()


def torch_samples_markdown(header: dict[str, Any]) -> list[str]:
    """A short section: the source's state and the unsupported samples per layer."""
    st = header.get("torch_samples")
    if not st:
        return []
    lines = ["", "## torch's own samples (ModuleInfo / OpInfo)", ""]
    if st["state"] != "ran":
        return lines + [f"Skipped: {st['reason']}"]
    run = sum(v["samples"] for v in st["layers"].values())
    lines += [f"{run} samples of {len(st['layers'])} modules and ops ran (rows under "
              "`<layer>:torch`). Unsupported samples, not run:", "",
              "| layer | samples run | unsupported | reason |", "|---|---:|---:|---|"]
    for layer, v in sorted(st["layers"].items()):
        for why, n in sorted(v["unsupported"].items()):
            lines.append(f"| {layer} | {v['samples']} | {n} | {why} |")
    return lines


def _clean(v: Any) -> Any:
    """JSON has no inf/NaN: write them as strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _clean_deep(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _clean_deep(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean_deep(x) for x in v]
    return _clean(v)


def to_json(results: Iterable[CaseResult], header: dict[str, Any], complete: bool,
            baseline: BaselineDiff | None = None) -> dict:
    results = list(results)
    rows, errors = [], []
    for res in results:
        for r in res.rows:
            rows.append({k: _clean(v) for k, v in r.to_dict().items()})
        if res.error:
            errors.append({"layer": res.layer, "case": res.case, "dtype": res.dtype,
                           "mode": res.mode, "error": res.error, "seconds": res.seconds})
    runs_failed = sum(not r.passed for r in results)
    out = {"header": {**header, "complete": complete},
           "summary": {"runs": len(results), "runs_failed": runs_failed, "rows": len(rows),
                       "rows_failed": sum(not r["passed"] for r in rows)},
           "rows": rows, "errors": errors}
    if baseline is not None:
        out["baseline"] = _clean_deep(baseline.to_dict())
    return out


def json_text(data: dict[str, Any]) -> str:
    """Indented JSON with one line per row (shorter than one line per field)."""
    rest = json.dumps({k: v for k, v in data.items() if k != "rows"}, indent=1)
    rows = ",\n".join("  " + json.dumps(r) for r in data["rows"])
    return rest[:-2] + ',\n "rows": [\n' + rows + "\n ]\n}\n"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def _num(v: Any, fmt: str = ".3g") -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return format(v, fmt)


def layer_summary(results: list[CaseResult]) -> list[dict[str, Any]]:
    by_layer: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        by_layer[r.layer].append(r)
    out = []
    for layer, rs in sorted(by_layer.items()):
        rows = [row for r in rs for row in r.rows]
        head = [(row.headroom, row.tensor) for row in rows if row.headroom is not None]
        acc = [row.accuracy_ratio for row in rows if row.accuracy_ratio is not None]
        ulp = [row.max_ulp for row in rows if row.max_ulp is not None and row.rule != "exact"]
        out.append({"layer": layer, "cases": len({r.case for r in rs}), "runs": len(rs),
                    "rows": len(rows), "failed": sum(not r.passed for r in rs),
                    "worst_headroom": max(head, default=(None,))[0],
                    "worst_tensor": max(head, default=(None, None))[1],
                    "worst_accuracy_ratio": max(acc, default=None),
                    "max_ulp": max(ulp, default=None),
                    "seconds": sum(r.seconds for r in rs)})
    return out


def ranked_rows(results: list[CaseResult]) -> list[Row]:
    """Compared (non-exact) rows, least headroom first."""
    rows = [row for r in results for row in r.rows if row.headroom is not None and row.rule != "exact"]
    return sorted(rows, key=lambda row: -row.headroom)


def to_markdown(results: list[CaseResult], header: dict[str, Any], complete: bool,
                worst: int = 25, baseline: BaselineDiff | None = None) -> str:
    lines = ["# Parity report", ""]
    if not complete:
        lines += ["> **INCOMPLETE RUN**: only the cases that finished are listed.", ""]
    lines += [f"- command: `{header['command']}`",
              f"- numpy {header['numpy']}, torch {header['torch']}, python {header['python']}",
              f"- cpu: {header['cpu']} ({header['cpu_count']} cores), workers: {header['workers']}",
              f"- seed: {header['seed']}, commit: `{header['git_commit']}`, created {header['created']}",
              ""]
    total_failed = sum(not r.passed for r in results)
    lines += [f"**{len(results)} runs, {total_failed} failed.** Headroom is error / tolerance "
              "(pass when <= 1); the accuracy ratio is NumPy float32's error over torch "
              "float32's, both against the float64 truth. See the README for every column.", ""]
    lines += ["| layer | cases | runs | rows | failed | worst headroom | worst tensor | worst fp32 accuracy ratio | max ulp | seconds |",
              "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for s in layer_summary(results):
        lines.append(f"| {s['layer']} | {s['cases']} | {s['runs']} | {s['rows']} | {s['failed']} | "
                     f"{_num(s['worst_headroom'])} | {s['worst_tensor'] or '-'} | "
                     f"{_num(s['worst_accuracy_ratio'])} | "
                     f"{_num(s['max_ulp'], 'd') if s['max_ulp'] is not None else '-'} | "
                     f"{s['seconds']:.1f} |")
    failures = [r for r in results if not r.passed]
    if failures:
        lines += ["", "## Failures", "", "```"]
        for r in failures[:50]:
            lines.append(r.failure_report())
        if len(failures) > 50:
            lines.append(f"... and {len(failures) - 50} more (see the JSON)")
        lines.append("```")
    rows = ranked_rows(results)
    lines += ["", f"## The {min(worst, len(rows))} rows with the least headroom", "",
              "| layer | case | dtype | mode | tensor | max abs err | max rel err | ulp | torch fp32 err | tolerance | headroom | accuracy ratio | pass |",
              "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows[:worst]:
        lines.append(f"| {row.layer} | {row.case} | {row.dtype} | {row.mode} | {row.tensor} | "
                     f"{_num(row.max_abs_err)} | {_num(row.max_rel_err)} | {_num(row.max_ulp, 'd')} | "
                     f"{_num(row.torch_err)} | {_num(row.tolerance)} | {_num(row.headroom)} | "
                     f"{_num(row.accuracy_ratio)} | {'yes' if row.passed else '**no**'} |")
    lines += torch_samples_markdown(header)
    if baseline is not None:
        from .baseline import to_markdown as baseline_markdown
        lines += baseline_markdown(baseline)
    return "\n".join(lines) + "\n"


def write_report(results: list[CaseResult], outdir: str | Path, header: dict[str, Any],
                 complete: bool = True, baseline: BaselineDiff | None = None) -> dict[str, Path]:
    """Write the JSON, Markdown and HTML reports; returns their paths."""
    from .html import build_html
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {"json": outdir / "parity_report.json", "md": outdir / "parity_report.md",
             "html": outdir / "parity_report.html"}
    _write_atomic(paths["json"], json_text(to_json(results, header, complete, baseline)))
    _write_atomic(paths["md"], to_markdown(results, header, complete, baseline=baseline))
    _write_atomic(paths["html"], build_html(results, header, complete, outdir, baseline))
    return paths
