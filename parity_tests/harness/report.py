"""The tolerance report's data: ``parity_report.json.gz`` (every row) as written and read
back, and the run header. pages.py writes it with the pages rendered from it.

The JSON is compact and gzipped (deterministic bytes: no timestamp in the gzip header).
``rows`` and ``runs`` are columns (``{"layer": [...], "case": [...], ...}``: what
``pandas.DataFrame(data["rows"])`` takes); floats keep 7 significant digits, except
``headroom`` and ``accuracy_ratio``, which keep 12 since they are read against a bound
(0.999999999 stays below 1; the digits past 12 are the rounding of the float64 division
that made them, and cost 144 kB of the gzipped file at 128,680 rows). The Markdown and HTML are rendered from the JSON as written, so ``merge`` of shard
files renders what one run would. Files are written atomically (temporary file, rename).
"""
from __future__ import annotations

import gzip
import json
import math
import os
import platform
import sys
import time
import zlib
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterable

from . import environment, sources
from .results import CaseResult, Row

SCHEMA_VERSION = 2
JSON_NAME = "parity_report.json.gz"
FULL_PRECISION = ("headroom", "accuracy_ratio")
DIGITS, FULL_DIGITS = 7, 12
RUN_FIELDS = ("layer", "case", "dtype", "mode", "seconds")
ROW_FIELDS = tuple(f.name for f in fields(Row) if f.name != "seconds")   # seconds: per run


def _command_line(args: list[str] | None) -> str:
    if args is not None:
        return " ".join(["python", "-m", "parity_tests"] + sources.portable_argv(args))
    argv = list(sys.argv)
    if argv and argv[0].endswith("__main__.py"):
        argv[0:1] = ["-m", Path(argv[0]).parent.name]
    return " ".join(["python"] + sources.portable_argv(argv))


def run_header(seed: int, jobs: int, timeout: float | None = None,
               args: list[str] | None = None) -> dict[str, Any]:
    """Versions, machine, settings and code content that make a report reproducible;
    ``args``: the arguments of ``python -m parity_tests`` (default: this process's)."""
    import numpy
    import torch
    return {
        "schema_version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": _command_line(args),
        "seed": seed,
        "git_commit": environment.git_commit(),
        "sources": sources.sources(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "torch": torch.__version__,
        "cpu": environment.cpu_model(),
        "cpu_count": os.cpu_count(),
        "workers": jobs,
        "torch_threads_per_worker": 1,
        "timeout": timeout,
        "blas": environment.blas_info(),
        "env": environment.blas_env(),
    }


def _clean(v: Any, digits: int | None = None) -> Any:
    """JSON has no inf/NaN: write them as strings; round other floats to ``digits``."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        return float(f"{v:.{digits}g}") if digits else v
    return v


def _clean_deep(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _clean_deep(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean_deep(x) for x in v]
    return _clean(v)


def summary(results: list[CaseResult]) -> dict[str, int]:
    rows = [w for r in results for w in r.rows]
    return {"runs": len(results), "runs_failed": sum(not r.passed for r in results),
            "rows": len(rows), "rows_failed": sum(not w.passed for w in rows)}


def to_json(results: Iterable[CaseResult], header: dict[str, Any], complete: bool,
            baseline: Any = None) -> dict:
    """The report as a JSON-ready dict (schema in the module docstring)."""
    results = list(results)
    dicts = [w.to_dict() for r in results for w in r.rows]
    out = {"header": {**header, "complete": complete}, "summary": summary(results),
           "runs": {k: [_clean(getattr(r, k), 4 if k == "seconds" else None) for r in results]
                    for k in RUN_FIELDS},
           "rows": {k: [_clean(d[k], FULL_DIGITS if k in FULL_PRECISION else DIGITS) for d in dicts]
                    for k in ROW_FIELDS},
           "errors": [{"layer": r.layer, "case": r.case, "dtype": r.dtype, "mode": r.mode,
                       "error": r.error, "seconds": r.seconds} for r in results if r.error]}
    if baseline is not None:
        out["baseline"] = _clean_deep(baseline.to_dict())
    return out


def row_dicts(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's rows as one dict per row (``rows`` is stored by column)."""
    cols = data["rows"]
    if isinstance(cols, list):                        # schema 1: already one dict per row
        return cols
    names = list(cols)
    return [dict(zip(names, vals)) for vals in zip(*cols.values())] if names else []


def from_json(data: dict[str, Any]) -> list[CaseResult]:
    """The case results a report holds, in its order (inverse of ``to_json``)."""
    runs = data["runs"]
    results = [CaseResult(*key, seconds=float(s)) for *key, s in zip(*(runs[k] for k in RUN_FIELDS))]
    by_key = {r.key: r for r in results}
    for d in row_dicts(data):
        res = by_key[(d["layer"], d["case"], d["dtype"], d["mode"])]
        res.rows.append(Row.from_dict({**d, "seconds": res.seconds}))
    for e in data.get("errors", []):
        by_key[(e["layer"], e["case"], e["dtype"], e["mode"])].error = e["error"]
    return results


def _pieces(data: dict[str, Any]) -> Iterable[str]:
    """The compact JSON text of ``data``, cut after the header and after each layer's values
    of each column of ``rows`` and ``runs`` (their rows come grouped by layer)."""
    def text(v: Any) -> str:
        return json.dumps(v, separators=(",", ":"))
    lead = "{"
    for key, value in data.items():
        lead += text(key) + ":"
        if key in ("rows", "runs") and isinstance(value, dict) and value:
            layers = value.get("layer", [])
            cuts = [0] + [i for i in range(1, len(layers)) if layers[i] != layers[i - 1]]
            lead += "{"
            for column, values in value.items():
                lead += text(column) + ":["
                for a, b in zip(cuts, cuts[1:] + [len(values)]):
                    yield lead + ",".join(text(v) for v in values[a:b])
                    lead = ","
                lead = "],"
            lead = "]},"
        else:
            yield lead + text(value)
            lead = ","
    yield lead.rstrip(",") + "}"


def dumps(data: dict[str, Any]) -> bytes:
    """Compact JSON, gzipped in independent pieces (``_pieces``, each ended by a full flush,
    no timestamp): a layer whose rows did not change compresses to the same bytes, so git
    stores a regenerated report as a small delta (a changed layer: kilobytes, not 1.7 MB)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)      # gzip header, mtime 0
    out = [z.compress(p.encode()) + z.flush(zlib.Z_FULL_FLUSH) for p in _pieces(data)]
    return b"".join(out) + z.flush()


def load_report(path: str | Path) -> dict[str, Any]:
    """A report file as written (gzipped or plain JSON); raises OSError / ValueError."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return json.loads(raw)
