"""Property-based fuzzing: hypothesis draws valid configurations, the harness compares.

The targets are the registered specs with a ``fuzz`` strategy of ``Case``s that torch
accepts (valid by construction; ``assume`` drops only what a construction cannot rule out,
such as a pooling window of padding alone). A drawn case runs through ``run_case`` exactly
like a case of the matrix, in a random dtype and mode, so the same tolerance policy
decides. A failure is shrunk by hypothesis to the smallest case that still fails and
printed as a ``(Case(...), dtype, mode)`` line to paste into that spec's ``regressions``,
which the test suite runs on every ``make test``.

    python -m parity_tests.fuzz --seconds 600          # what ``make fuzz`` runs
    python -m parity_tests.fuzz --target Conv2d --seconds 60
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .specs import all_specs, get_spec
from .harness.runner import run_case
from .harness.spec import Case, ParitySpec


def targets() -> dict[str, ParitySpec]:
    """Spec name -> spec, for every spec with a fuzz strategy."""
    return {s.name: s for s in all_specs() if s.fuzz}


def regressions() -> list[tuple[str, Case, str, str]]:
    """(spec name, case, dtype, mode) of every spec's fuzz regressions."""
    return [(s.name, *r) for s in all_specs() for r in s.regressions]


def reproduction(case: Case, dtype: str, mode: str) -> str:
    """A line to paste into a spec's ``regressions``."""
    return f"({case!r}, {dtype!r}, {mode!r}),"


def check(name: str, case: Case, dtype: str, mode: str, seed: int = 0) -> None:
    """Run one case through the harness; AssertionError with the failure report if it fails."""
    res = run_case(get_spec(name), case, dtype, mode, seed)
    if not res.passed:
        raise AssertionError(f"{res.failure_report()}\nreproduce with this entry in the "
                             f"regressions of the {name} spec:\n"
                             f"    {reproduction(case, dtype, mode)}")


def fuzz_target(name: str, max_examples: int, derandomize: bool = False) -> None:
    """Run ``max_examples`` drawn cases of one target; raises (shrunk) on the first failure."""
    spec = get_spec(name)
    if spec.fuzz is None:
        raise ValueError(f"the {name} spec has no fuzz strategy; targets: {sorted(targets())}")
    modes = list(spec.modes)

    @settings(max_examples=max_examples, deadline=None, derandomize=derandomize,
              suppress_health_check=list(HealthCheck), database=None, print_blob=False)
    @given(case=spec.fuzz(), dtype=st.sampled_from(list(spec.dtypes)),
           mode=st.sampled_from(modes))
    def prop(case: Case, dtype: str, mode: str) -> None:
        check(name, case, dtype, mode)

    prop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m parity_tests.fuzz",
                                 description="hypothesis fuzzing of layers against torch")
    ap.add_argument("--seconds", type=float, default=600.0, help="time budget (default 600)")
    ap.add_argument("--target", action="append", choices=sorted(targets()),
                    help="fuzz only these specs (repeatable); default all")
    ap.add_argument("--batch", type=int, default=20, help="examples per target per round")
    ap.add_argument("--out", default="reports/fuzz_failures.json",
                    help="where failures are written (JSON), only when there are any")
    args = ap.parse_args(argv)
    names = args.target or sorted(targets())
    deadline = time.monotonic() + args.seconds
    counts = {t: 0 for t in names}
    failures: list[dict[str, str]] = []
    rounds = 0
    while time.monotonic() < deadline and names:
        rounds += 1
        for t in list(names):
            if time.monotonic() >= deadline:
                break
            try:
                fuzz_target(t, args.batch)
            except AssertionError as e:
                failures.append({"target": t, "report": str(e)})
                print(f"FAIL {t}:\n{e}\n", file=sys.stderr, flush=True)
                names.remove(t)       # shrunk failure recorded; keep fuzzing the others
            counts[t] += args.batch
        done = ", ".join(f"{t} {n}" for t, n in counts.items())
        print(f"round {rounds}: examples {done}", file=sys.stderr, flush=True)
    if failures:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(failures, indent=1))
        print(f"{len(failures)} target(s) failed; details in {args.out}", file=sys.stderr)
        return 1
    print(f"fuzz clean: {sum(counts.values())} examples in {args.seconds:.0f} s "
          f"over {len(counts)} targets", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
