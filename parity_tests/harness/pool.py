"""Runs many (layer, case, dtype, mode) in worker processes that may die or hang.

Each worker appends every finished case to its own file, ``<partial>/rows-<pid>.jsonl``;
the files are merged at the end. The parent knows which run each worker holds and since
when: a worker that dies turns its run into an error ("worker died (exit code N)"), one
that holds a run longer than the timeout is killed ("timed out after N s"); either way it
is replaced and the run goes on. Ctrl-C stops the run and keeps what finished.

Why ``make report`` does not run the matrix as pytest items under pytest-xdist (which also
survives a dead worker): most runs take well under a millisecond and xdist's per-item
overhead dominates them. Measured on the 2-core machine, the same 16,492 runs of torch's
samples, 2 workers each: 147.6 s as pytest items (``pytest -n 2``) against 56.5 s here.
``make test`` keeps the pytest form for a subset (parity_tests/tests/test_parity.py).
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Callable

from .results import CaseResult, RunKey
from .runner import run_case
from .spec import ParitySpec

Loader = Callable[[str | None], tuple[ParitySpec, ...]]


def _worker(conn: Connection, partial_dir: str, seed: int, load: Loader,
            source: str | None) -> None:
    """Worker process: runs the cases it is sent, appending each result to its own file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent decides when to stop
    import torch
    torch.set_num_threads(1)
    specs = {s.name: s for s in load(source)}
    with (Path(partial_dir) / f"rows-{os.getpid()}.jsonl").open("a") as sink:
        conn.send(("ready", None))
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            layer, case_id, dtype, mode = task
            spec = specs[layer]
            res = run_case(spec, next(c for c in spec.cases if c.id == case_id), dtype, mode, seed)
            sink.write(json.dumps(res.to_dict(), default=str) + "\n")
            sink.flush()
            conn.send(("done", (res.passed, res.label)))


class _StartupFailure(RuntimeError):
    """Workers keep dying before they can take a run."""


@dataclass
class _Slot:
    """One worker process, the run it holds (index into the runs) and since when."""
    proc: Any
    conn: Connection
    ready: bool = False
    task: int | None = None
    start: float = 0.0


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"worker died (exit code {code}, signal {signal.Signals(-code).name})"
        except ValueError:
            pass
    return f"worker died (exit code {code})"


def read_partial(partial_dir: Path) -> dict[RunKey, CaseResult]:
    """Every case result the worker files in ``partial_dir`` hold (a torn last line is skipped)."""
    out: dict[RunKey, CaseResult] = {}
    for path in sorted(partial_dir.glob("rows-*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                res = CaseResult.from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue
            out[res.key] = res
    return out


def run_matrix(runs: list[RunKey], seed: int, jobs: int, partial_dir: Path, *,
               load: Loader, timeout: float = 120.0, source: str | None = None,
               on_result: Callable[[bool, str], None] | None = None
               ) -> tuple[list[CaseResult], bool]:
    """Run every (layer, case, dtype, mode) in ``jobs`` worker processes; each worker
    finds the specs with ``load(source)`` (a module-level function: it is sent by name).

    Each worker appends its finished cases to ``partial_dir/rows-<pid>.jsonl``; they are
    merged at the end into ``partial_dir/rows.jsonl``. A worker that dies turns its case into
    an error ("worker died (exit code N)"), one that holds a case longer than ``timeout``
    seconds is killed ("timed out after N s"); either is replaced and the run goes on.
    Ctrl-C stops the run. Returns (results in the order of ``runs``, complete).
    """
    ctx = get_context("spawn")
    partial_dir.mkdir(parents=True, exist_ok=True)
    for old in partial_dir.glob("rows*.jsonl"):
        old.unlink()
    pending, lost = deque(range(len(runs))), {}
    remaining, startup_deaths, interrupted = len(runs), 0, False
    slots: list[_Slot] = []

    def spawn() -> _Slot:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, str(partial_dir), seed, load, source),
                           daemon=True)
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def finish(i: int, passed: bool, label: str, error: str = "") -> None:
        nonlocal remaining
        remaining -= 1
        if error:
            lost[runs[i]] = CaseResult(*runs[i], error=error)
        if on_result:
            on_result(passed, label)

    try:
        slots = [spawn() for _ in range(max(1, min(jobs, len(runs))))]
        while remaining:
            for s in slots:
                if s.ready and s.task is None and pending:
                    s.task, s.start = pending.popleft(), time.monotonic()
                    try:
                        s.conn.send(runs[s.task])
                    except OSError:          # died while idle: the run goes back in line
                        pending.appendleft(s.task)
                        s.task = None
            wait([s.conn for s in slots] + [s.proc.sentinel for s in slots], timeout=0.5)
            for s in list(slots):
                try:
                    while s.conn.poll():
                        kind, payload = s.conn.recv()
                        if kind == "ready":
                            s.ready = True
                        elif s.task is not None:
                            finish(s.task, *payload)
                            s.task = None
                except (EOFError, OSError):
                    pass
                late = s.task is not None and time.monotonic() - s.start > timeout
                if s.proc.is_alive() and not late:
                    continue
                if s.proc.is_alive():
                    s.proc.kill()
                    error = f"timed out after {timeout:g} s (worker killed)"
                else:
                    error = _death(s.proc.exitcode)
                s.proc.join()
                if s.task is not None:
                    finish(s.task, False, "{}[{}|{}|{}]".format(*runs[s.task]), error)
                elif not s.ready:
                    startup_deaths += 1
                    if startup_deaths > 3:
                        raise _StartupFailure(f"worker processes die at start-up: {error}")
                s.conn.close()
                slots.remove(s)
                if pending:
                    slots.append(spawn())
    except (KeyboardInterrupt, _StartupFailure) as e:
        interrupted = True
        why = "interrupted" if isinstance(e, KeyboardInterrupt) else f"stopped: {e}"
        print(f"\n{why}: writing the report of the completed runs", file=sys.stderr)
    finally:
        for s in slots:
            if s.task is None and s.proc.is_alive():
                try:
                    s.conn.send(None)
                except OSError:
                    pass
        for s in slots:
            s.proc.join(timeout=2 if s.task is None else 0)
            if s.proc.is_alive():
                s.proc.kill()
                s.proc.join()
            s.conn.close()
    found = {**lost, **read_partial(partial_dir)}
    results = [found[r] for r in runs if r in found]
    with (partial_dir / "rows.jsonl").open("w") as merged:
        for res in results:
            merged.write(json.dumps(res.to_dict(), default=str) + "\n")
    for path in partial_dir.glob("rows-*.jsonl"):
        path.unlink()
    return results, not interrupted and len(results) == len(runs)
