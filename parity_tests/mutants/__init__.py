"""Deliberately wrong layers that prove the harness fails when it should.

Each file holds one mutant and ``MUTANT = Mutant(layer, bug, cls)`` naming the spec whose
cases must catch it (the registry collects every file, as for specs). Most are a subclass
of a real numpy_layers layer with one bug seen in from-scratch code: built by the spec's
own factory, then given the mutant class, so it runs exactly the spec's cases. A *drop-in*
mutant is a layer written outside the project (a class, a function or a forward/backward
pair: ``target``) checked the way a user checks one, with a correct twin (``fixed``) that
must pass the run that caught it.

    python -m parity_tests mutants [--out reports]     # writes mutants.json and mutants.md

A mutant is *caught* when one of its spec's runs fails under the normal tolerances; the
real layer must pass that same run (so the failure is the bug's, not the case's).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import pkgutil
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Mutant", "all_mutants", "run_mutant", "main"]


@dataclass(frozen=True)
class Mutant:
    """``cls`` subclasses the real layer of spec ``layer`` and adds no constructor state;
    or, for a drop-in mutant, ``target`` is the user-style layer and ``fixed`` its correct
    twin (``cls`` None)."""
    layer: str
    bug: str
    cls: type | None = None
    name: str = ""
    target: Any = None
    fixed: Any = None

    @property
    def drop_in(self) -> bool:
        return self.target is not None


@lru_cache(maxsize=None)
def all_mutants() -> tuple[Mutant, ...]:
    """Every ``MUTANT`` in this package, named after its file, sorted by name."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        found.append(dataclasses.replace(mod.MUTANT, name=info.name))
    return tuple(found)


def mutant_factory(spec: Any, cls: type):
    """The spec's NumPy layer for a case, turned into ``cls``."""
    def make(case: Any, dtype: np.dtype) -> Any:
        obj = spec.numpy_layer(case, dtype)
        obj.__class__ = cls
        return obj
    return make


def _drop_in(target: Any, layer: str, runs: Any, seed: int, stop: bool) -> Any:
    """Check a user-style layer on ``runs`` as ``python -m parity_tests check`` would."""
    from ..check.api import prefs_from
    from ..check.core import Session, run_check
    from ..check.reference import resolve
    from ..check.targets import load_target
    import torch
    t = load_target(target)
    session = Session(resolve(getattr(torch.nn, layer)), t, prefs_from(), seed)
    return run_check(session, runs, t.label, stop_at_first=stop)


def run_mutant(m: Mutant, seed: int = 0) -> dict[str, Any]:
    """Run ``m`` through its spec's runs until one fails; then the real layer on that run."""
    from ..check import check_spec
    from ..specs import get_spec
    from ..harness.runner import run_case

    spec = get_spec(m.layer)
    t0 = time.perf_counter()
    if m.drop_in:
        res = _drop_in(m.target, m.layer, spec.runs(), seed, stop=True)
    else:
        res = check_spec(spec, mutant_factory(spec, m.cls), stop_at_first=True, seed=seed,
                         label=m.name, reference=spec.name)
    first = res.first_failure
    rec: dict[str, Any] = {"mutant": m.name, "layer": m.layer, "bug": m.bug,
                           "caught": first is not None, "first_failing": "",
                           "worst_headroom": 0.0, "runs": len(res.results),
                           "real_layer_passes": None, "hint": res.hints[0] if res.hints else ""}
    if first is not None:
        rec["first_failing"] = first.failure_report().splitlines()[0]
        rec["hint"] = next((h for h in res.hints if any(
            r.tensor.partition("@")[0] in h for r in first.rows if not r.passed)), rec["hint"])
        bad = [r.headroom if r.headroom is not None else math.inf
               for r in first.rows if not r.passed]
        rec["worst_headroom"] = max(bad) if bad else math.inf
        case = next(c for c in spec.cases if c.id == first.case)
        if m.drop_in:
            fixed = _drop_in(m.fixed, m.layer, [(case, first.dtype, first.mode)], seed, False)
            rec["real_layer_passes"] = fixed.passed
        else:
            rec["real_layer_passes"] = run_case(spec, case, first.dtype, first.mode, seed).passed
    rec["seconds"] = round(time.perf_counter() - t0, 3)
    return rec


def _md(records: list[dict[str, Any]]) -> str:
    """The kill table (the first failing run and tensor, the hint whole), then each mutant's
    first failure message in full below it."""
    caught = sum(r["caught"] for r in records)
    lines = ["# Mutants: deliberately wrong layers the suite must catch", "",
             f"{caught} of {len(records)} mutants caught by their spec's cases under the "
             f"normal tolerances; the real layer passes each catching run.", "",
             "| mutant | layer | bug | caught | runs | worst headroom | first failing | hint |",
             "|---|---|---|---|---:|---:|---|---|"]
    for r in records:
        cell = r["first_failing"].split(": ", 1)[0].replace("|", "\\|")
        hint = r["hint"].replace("|", "\\|")
        ok = "yes" if r["caught"] and r["real_layer_passes"] else "NO"
        lines.append(f"| `{r['mutant']}` | {r['layer']} | {r['bug']} | {ok} | {r['runs']} | "
                     f"{r['worst_headroom']:.3g} | {cell} | {hint} |")
    lines += ["", "## First failures", ""]
    lines += [f"- `{r['mutant']}`: {r['first_failing']}" for r in records if r["first_failing"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run every mutant; write ``mutants.json`` and ``mutants.md`` into ``--out``.
    Exit 0 only when every mutant is caught and every real layer passes its catching run."""
    ap = argparse.ArgumentParser(prog="python -m parity_tests mutants",
                                 description="run the deliberately wrong layers")
    ap.add_argument("--out", default="reports", help="directory for mutants.json / mutants.md")
    ap.add_argument("-k", dest="only", help="only mutants whose name contains this text")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    records = []
    for m in all_mutants():
        if args.only and args.only not in m.name:
            continue
        rec = run_mutant(m, args.seed)
        records.append(rec)
        state = "caught" if rec["caught"] else "NOT CAUGHT"
        print(f"{m.name:36s} {state:10s} after {rec['runs']:3d} runs ({rec['seconds']:.1f}s)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "mutants.json").write_text(json.dumps(records, indent=1) + "\n")
    (out / "mutants.md").write_text(_md(records))
    ok = all(r["caught"] and r["real_layer_passes"] for r in records)
    print(f"{sum(r['caught'] for r in records)} of {len(records)} mutants caught; wrote "
          f"{out / 'mutants.json'}, {out / 'mutants.md'}")
    return 0 if ok and records else 1


if __name__ == "__main__":
    sys.exit(main())
