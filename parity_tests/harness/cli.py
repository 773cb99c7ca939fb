"""``python -m parity_tests report``: run the matrix in parallel and write the report."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from .registry import all_specs, get_spec
from .report import run_header, write_report
from .results import CaseResult
from .runner import run_case


def _worker_init() -> None:
    import torch
    torch.set_num_threads(1)


def _run_one(layer: str, case_id: str, dtype: str, mode: str, seed: int) -> CaseResult:
    spec = get_spec(layer)
    case = next(c for c in spec.cases if c.id == case_id)
    return run_case(spec, case, dtype, mode, seed)


def select_runs(layers: list[str] | None, keyword: str | None,
                dtypes: list[str] | None) -> list[tuple[str, str, str, str]]:
    """(layer, case id, dtype, mode) of every run matching the filters."""
    out = []
    for spec in all_specs():
        if layers and spec.name.lower() not in {l.lower() for l in layers}:
            continue
        for case, dtype, mode in spec.runs():
            if dtypes and dtype not in dtypes:
                continue
            run_id = f"{spec.name}-{case.id}-{dtype}-{mode}"
            if keyword and keyword.lower() not in run_id.lower():
                continue
            out.append((spec.name, case.id, dtype, mode))
    return out


class _Progress:
    """One live status line on a terminal; a line every 10% otherwise."""

    def __init__(self, total: int, stream=sys.stderr) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.stream, self.tty = stream, stream.isatty()
        self.t0, self.last_pct = time.perf_counter(), -10

    def update(self, res: CaseResult) -> None:
        self.done += 1
        self.failed += not res.passed
        pct = 100 * self.done // max(self.total, 1)
        msg = (f"[{self.done}/{self.total}] {pct:3d}%  {self.failed} failed  "
               f"{time.perf_counter() - self.t0:6.1f}s  {res.label}")
        if self.tty:
            self.stream.write("\r" + msg[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        elif pct >= self.last_pct + 10 or self.done == self.total:
            self.last_pct = pct
            self.stream.write(msg + "\n")
        self.stream.flush()


def run_matrix(runs: list[tuple[str, str, str, str]], seed: int, jobs: int,
               partial: Path | None = None) -> tuple[list[CaseResult], bool]:
    """Run every selected case in ``jobs`` processes; returns (results, complete)."""
    results: list[CaseResult] = []
    progress = _Progress(len(runs))
    sink = partial.open("w") if partial else None
    complete = True
    try:
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"),
                                 initializer=_worker_init) as pool:
            futs = {pool.submit(_run_one, *r, seed): r for r in runs}
            for fut in as_completed(futs):
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001 - a dead worker is a failed run
                    layer, case, dtype, mode = futs[fut]
                    res = CaseResult(layer, case, dtype, mode,
                                     error=f"worker failed: {type(e).__name__}: {e}")
                results.append(res)
                progress.update(res)
                if sink:
                    for row in res.rows:
                        sink.write(json.dumps(row.to_dict(), default=str) + "\n")
                    sink.flush()
    except KeyboardInterrupt:
        complete = False
        print("\ninterrupted: writing the report of the completed runs", file=sys.stderr)
    finally:
        if sink:
            sink.close()
    order = {r: i for i, r in enumerate(runs)}
    results.sort(key=lambda r: order.get((r.layer, r.case, r.dtype, r.mode), 0))
    return results, complete and len(results) == len(runs)


TABLE_BEGIN = "<!-- layer-table:begin (generated: python -m parity_tests table --write README.md) -->"
TABLE_END = "<!-- layer-table:end -->"


def layer_table() -> str:
    """Markdown table of every spec: layer, options covered, cases and runs."""
    lines = ["| layer | options covered | cases | runs (x dtype x mode) |", "|---|---|---:|---:|"]
    for spec in all_specs():
        opts = "; ".join(f"{k}: {v}" for k, v in spec.options.items()) or spec.description
        lines.append(f"| `{spec.name}` | {opts} | {len(spec.cases)} | {sum(1 for _ in spec.runs())} |")
    total_cases = sum(len(s.cases) for s in all_specs())
    total_runs = sum(1 for s in all_specs() for _ in s.runs())
    lines.append(f"| **total** | | **{total_cases}** | **{total_runs}** |")
    return "\n".join(lines)


def write_layer_table(readme: Path, table: str) -> None:
    text = readme.read_text()
    start, end = text.index(TABLE_BEGIN), text.index(TABLE_END)
    readme.write_text(text[:start] + TABLE_BEGIN + "\n" + table + "\n" + text[end:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m parity_tests",
                                 description="NumPy vs torch.nn parity suite")
    sub = ap.add_subparsers(dest="cmd", required=True)
    rep = sub.add_parser("report", help="run the matrix and write reports/")
    rep.add_argument("--layer", action="append", help="only this layer (repeatable)")
    rep.add_argument("-k", dest="keyword", help="only runs whose id contains this text")
    rep.add_argument("--dtype", action="append", choices=["float32", "float64"])
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    rep.add_argument("--out", default="reports")
    sub.add_parser("list", help="list the layers and their case counts")
    table = sub.add_parser("table", help="print (or --write into README.md) the layer table")
    table.add_argument("--write", metavar="README", help="replace the table in this file")
    args = ap.parse_args(argv)

    if args.cmd == "table":
        text = layer_table()
        if args.write:
            write_layer_table(Path(args.write), text)
        else:
            print(text)
        return 0

    if args.cmd == "list":
        for spec in all_specs():
            print(f"{spec.name:18s} {len(spec.cases):4d} cases  {sum(1 for _ in spec.runs()):5d} runs")
        return 0

    runs = select_runs(args.layer, args.keyword, args.dtype)
    if not runs:
        print("no run matches the filters", file=sys.stderr)
        return 2
    out = Path(args.out)
    (out / ".partial").mkdir(parents=True, exist_ok=True)
    header = run_header(args.seed, args.jobs)
    results, complete = run_matrix(runs, args.seed, args.jobs, out / ".partial" / "rows.jsonl")
    paths = write_report(results, out, header, complete)
    failed = [r for r in results if not r.passed]
    for r in failed[:20]:
        print(r.failure_report(), file=sys.stderr)
    print(f"{len(results)} runs, {len(failed)} failed{'' if complete else ' (INCOMPLETE)'}; "
          f"wrote {', '.join(str(p) for p in paths.values())}")
    return 0 if complete and not failed else 1
