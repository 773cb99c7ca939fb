"""``python -m parity_tests``: ``report`` runs the matrix (or one ``--shard K/N`` of it) and
writes the reports; ``merge`` joins shard reports; ``list``, ``table``, ``readme``; ``check``
and ``mutants`` hand their arguments to ``parity_tests.check`` and ``parity_tests.mutants``.

The command line sits above everything it dispatches; nothing below imports it."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Callable

from . import check, mutants, readme, specs, torch_samples
from .harness.baseline import DRIFT_FACTOR, BaselineError, compare_headers, diff, load_baseline
from .harness.pages import write_report
from .harness.pool import run_matrix
from .harness.report import JSON_NAME, SCHEMA_VERSION, load_report, run_header
from .harness.results import RunKey
from .harness.shard import MergeError, merge, parse_shard, select_shard, shard_of
from .harness.sources import portable_path

DEFAULT_TIMEOUT = 120.0


def report_header(seed: int, jobs: int, timeout: float, argv: list[str],
                  shard: tuple[int, int] | None = None) -> dict:
    """The run header (harness/report.py) with what only this level knows: whether torch's
    own samples ran (or why not) and the shard."""
    return {**run_header(seed, jobs, timeout, argv), "torch_samples": torch_samples.status(),
            "shard": "{}/{}".format(*shard) if shard else None}


def run_filter(layers: list[str] | None, keyword: str | None,
               dtypes: list[str] | None) -> Callable[[RunKey], bool]:
    """Predicate: does a (layer, case, dtype, mode) match --layer / -k / --dtype?"""
    names = {name.lower() for name in layers or ()}

    def match(key: RunKey) -> bool:
        layer, case, dtype, mode = key
        return ((not names or layer.lower() in names) and (not dtypes or dtype in dtypes)
                and (not keyword or keyword.lower() in f"{layer}-{case}-{dtype}-{mode}".lower()))
    return match


def select_runs(layers: list[str] | None, keyword: str | None, dtypes: list[str] | None,
                source: str | None = None) -> list[RunKey]:
    """(layer, case id, dtype, mode) of every run matching the filters."""
    match = run_filter(layers, keyword, dtypes)
    return [key for spec in specs.load(source) for case, dtype, mode in spec.runs()
            if match(key := (spec.name, case.id, dtype, mode))]


class _Progress:
    """One live status line on a terminal; a line every 10% otherwise."""

    def __init__(self, total: int, stream=sys.stderr) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.stream, self.tty = stream, stream.isatty()
        self.t0, self.last_pct = time.perf_counter(), -10

    def update(self, passed: bool, label: str) -> None:
        self.done += 1
        self.failed += not passed
        pct = 100 * self.done // max(self.total, 1)
        msg = (f"[{self.done}/{self.total}] {pct:3d}%  {self.failed} failed  "
               f"{time.perf_counter() - self.t0:6.1f}s  {label}")
        if self.tty:
            self.stream.write("\r" + msg[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        elif pct >= self.last_pct + 10 or self.done == self.total:
            self.last_pct = pct
            self.stream.write(msg + "\n")
        self.stream.flush()


def _shard(text: str) -> tuple[int, int]:
    try:
        return parse_shard(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _positive(text: str) -> float:
    v = float(text)
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return v


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m parity_tests",
                                 description="NumPy vs torch.nn parity suite")
    sub = ap.add_subparsers(dest="cmd", required=True)
    rep = sub.add_parser("report", help="run the matrix and write reports/")
    rep.add_argument("--layer", action="append", help="only this layer (repeatable)")
    rep.add_argument("-k", dest="keyword", help="only runs whose id contains this text")
    rep.add_argument("--dtype", action="append", choices=["float32", "float64"])
    rep.add_argument("--seed", type=int, default=0)
    rep.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                     help="worker processes (default: the number of cores)")
    rep.add_argument("--out", default="reports")
    rep.add_argument("--timeout", type=_positive, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                     help=f"kill a worker that holds one run longer (default {DEFAULT_TIMEOUT:g})")
    rep.add_argument("--baseline", metavar="FILE", help="earlier parity_report.json.gz (or .json) to compare with")
    rep.add_argument("--drift-factor", type=_positive, default=DRIFT_FACTOR,
                     help=f"list rows whose max abs error grew more than this (default {DRIFT_FACTOR:g})")
    rep.add_argument("--specs", metavar="FILE_OR_MODULE",
                     help="run the specs (SPEC/SPECS) of this file or module instead of the registry")
    rep.add_argument("--shard", metavar="K/N", type=_shard,
                     help="run only shard K of N (each run belongs to one shard); join the "
                          "shards' reports with 'merge'")
    rep.add_argument("--clock-start", type=float, metavar="EPOCH",
                     help="count the header's wall time from this Unix time (make report "
                          "passes its own start, so mutants and training count too)")
    mrg = sub.add_parser("merge", help="join reports written with --shard K/N into one")
    mrg.add_argument("files", nargs="+", metavar="FILE_OR_DIR",
                     help=f"{JSON_NAME} files, or folders holding one")
    mrg.add_argument("--out", default="reports")
    sub.add_parser("list", help="list the layers and their case counts")
    table = sub.add_parser("table", help="print (or --write into README.md) the layer table")
    table.add_argument("--write", metavar="README", help="replace the table in this file")
    rd = sub.add_parser("readme", help="print (or --write) the README's generated blocks: "
                                       "headline, layer table, report columns")
    rd.add_argument("--write", metavar="README", help="replace the blocks in this file")
    rd.add_argument("--report", default=str(readme.REPORT), help="report for the headline")
    sub.add_parser("check", help="check a layer of your own against torch (see check --help)",
                   add_help=False)
    sub.add_parser("mutants", help="run the deliberately wrong layers (see mutants --help)",
                   add_help=False)
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "check":
        return int(check.main(argv[1:]) or 0)
    if argv and argv[0] == "mutants":
        return int(mutants.main(argv[1:]) or 0)
    args = _parser().parse_args(argv)

    if args.cmd == "table":
        text = readme.layer_table()
        if args.write:
            readme.write(Path(args.write), {"layer-table": text})
        else:
            print(text)
        return 0
    if args.cmd == "readme":
        blocks = readme.blocks(Path(args.report))
        if args.write:
            readme.write(Path(args.write), blocks)
        else:
            print("\n\n".join(blocks.values()))
        return 0
    if args.cmd == "merge":
        return _merge(args)

    if args.cmd == "list":
        for spec in specs.all_specs():
            print(f"{spec.name:18s} {len(spec.cases):4d} cases  {sum(1 for _ in spec.runs()):5d} runs")
        return 0
    return _report(args, argv)


def _report(args: argparse.Namespace, argv: list[str]) -> int:
    t0 = time.time() if args.clock_start is None else args.clock_start
    baseline = None
    if args.baseline:
        try:
            baseline = load_baseline(args.baseline, SCHEMA_VERSION)
        except BaselineError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    try:
        runs = select_runs(args.layer, args.keyword, args.dtype, args.specs)
    except (ImportError, OSError, ValueError) as e:
        print(f"error: cannot load the specs {args.specs}: {e}", file=sys.stderr)
        return 2
    if not runs:
        print("no run matches the filters", file=sys.stderr)
        return 2
    if args.shard:
        runs = select_shard(runs, *args.shard)
    out = Path(args.out)
    header = report_header(args.seed, args.jobs, args.timeout, argv, args.shard)
    progress = _Progress(len(runs))
    results, complete = run_matrix(runs, args.seed, args.jobs, out / ".partial",
                                   load=specs.load, timeout=args.timeout, source=args.specs,
                                   on_result=progress.update) if runs else ([], True)
    delta = None
    if baseline is not None:
        done = {r.key for r in results}
        match = run_filter(args.layer, args.keyword, args.dtype)

        def in_scope(k: RunKey) -> bool:          # a shard answers for its own runs only
            mine = not args.shard or shard_of(k, args.shard[1]) == args.shard[0]
            return match(k) and mine and (complete or k in done)
        delta = diff(baseline, results, in_scope, args.drift_factor, portable_path(args.baseline))
        delta.notes = compare_headers(baseline, header) + (
            [] if complete else ["incomplete run: runs not reached are not compared"])
    header["seconds"] = round(time.time() - t0, 1)
    paths = write_report(results, out, header, complete, delta)
    failed = [r for r in results if not r.passed]
    for r in failed[:20]:
        print(r.failure_report(), file=sys.stderr)
    if delta is not None:
        print(delta.summary_line())
    print(f"{len(results)} runs, {len(failed)} failed{'' if complete else ' (INCOMPLETE)'}; "
          f"wrote {', '.join(str(p) for p in paths.values())}")
    return 0 if complete and not failed else 1


def _merge(args: argparse.Namespace) -> int:
    loaded = []
    for name in args.files:
        path = Path(name)
        path = path / JSON_NAME if path.is_dir() else path
        try:
            loaded.append((portable_path(str(path)), load_report(path)))
        except (OSError, ValueError, EOFError) as e:
            print(f"error: cannot read {path}: {e}", file=sys.stderr)
            return 2
    try:
        results, header = merge(loaded, "python -m parity_tests merge " + " ".join(
            portable_path(f) for f in args.files))
    except (MergeError, KeyError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    paths = write_report(results, Path(args.out), header, header["complete"])
    failed = sum(not r.passed for r in results)
    missing = header.get("missing_shards")
    print(f"merged {len(loaded)} files: {len(results)} runs, {failed} failed"
          + (f"; missing shards {', '.join(missing)}" if missing else "")
          + f"; wrote {', '.join(str(p) for p in paths.values())}")
    return 0 if header["complete"] and not failed else 1
