"""``parity_report.md``: the verdict first, then failures, the rows with the least headroom,
the summary per layer (worst first), changes since a baseline and how the run was made."""
from __future__ import annotations

import json
from typing import Any

from . import view
from .baseline import BaselineDiff, to_markdown as baseline_markdown
from .results import CaseResult

WORST = 25
MAX_FAILURES = 50
LINES_PER_RUN = 5


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(titles: list[str], rows: list[list[str]], kinds: list[str]) -> list[str]:
    return (["| " + " | ".join(titles) + " |",
             "|" + "|".join("---:" if k == "n" else "---" for k in kinds) + "|"]
            + ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows])


def verdict_lines(results: list[CaseResult], header: dict[str, Any], complete: bool) -> list[str]:
    v = view.verdict(results, complete)
    out = [f"**{v.line()}**", ""] + [f"- {k}: {t}" for k, t in v.worst_items()]
    return out + ["", view.provenance(header), ""]


def _contents(has_failures: bool, has_baseline: bool) -> list[str]:
    parts = (["[Failures](#failures)"] if has_failures else []) + [
        "[Least headroom](#least-headroom)", "[Summary per layer](#summary-per-layer)"]
    parts += ["[torch's own samples](#torchs-own-samples-moduleinfo--opinfo)"]
    parts += ["[Changes since the baseline](#changes-since-the-baseline)"] if has_baseline else []
    parts += ["[Run details](#run-details)",
              f"[what each column means]({view.README_COLUMNS}) (README)"]
    return ["Contents: " + " · ".join(parts), ""]


def _failures(results: list[CaseResult]) -> list[str]:
    failures = [r for r in results if not r.passed]
    lines = ["## Failures", "", "```"]
    for r in failures[:MAX_FAILURES]:
        report = r.failure_report().splitlines()
        lines += report[:LINES_PER_RUN]
        if len(report) > LINES_PER_RUN:
            lines.append(f"  ... and {len(report) - LINES_PER_RUN} more failing tensors of "
                         f"{r.label} (HTML and JSON list them all)")
    if len(failures) > MAX_FAILURES:
        lines.append(f"... and {len(failures) - MAX_FAILURES} more (see the JSON)")
    return lines + ["```", ""]


def _least(results: list[CaseResult]) -> list[str]:
    rows = view.ranked_rows(results)[:WORST]
    cols = [view.LAYER_COLUMN] + view.ROW_COLUMNS
    return (["## Least headroom", "", f"The {len(rows)} compared rows closest to their bound "
             "(headroom = error / tolerance; a row passes when it is at most 1).", ""]
            + _table([c[0] for c in cols], [[c[2](r) for c in cols] for r in rows],
                     [c[3] for c in cols]) + [""])


def _summary(results: list[CaseResult]) -> list[str]:
    cols = view.SUMMARY_COLUMNS
    return (["## Summary per layer", "", "Worst first: failing layers, then by worst headroom.",
             ""] + _table([t for t, _ in cols], [view.summary_cells(s) for s in
                                                view.layer_summary(results)],
                          [k for _, k in cols]) + [""])


def _details(header: dict[str, Any]) -> list[str]:
    blas = "; ".join(f"{b.get('internal_api')} {b.get('version') or ''} ({b.get('num_threads')}"
                     f" threads, {b.get('architecture') or '-'})" for b in header.get("blas", []))
    src = ", ".join(f"{p}/ tree {d.get('tree', '?')[:12]}{' (uncommitted changes)' if d.get('dirty') else ''}"
                    for p, d in (header.get("sources") or {}).items())
    return ["## Run details", "",
            f"- command: `{header.get('command')}`",
            f"- numpy {header.get('numpy')}, torch {header.get('torch')}, python {header.get('python')}",
            f"- cpu: {header.get('cpu')} ({header.get('cpu_count')} cores), workers: "
            f"{header.get('workers')}; BLAS: {blas or 'unknown'}; environment: "
            f"`{json.dumps(header.get('env', {}))}`",
            f"- seed: {header.get('seed')}, commit: `{header.get('git_commit')}`, created "
            f"{header.get('created')}" + (f", {header['seconds']:.0f} s" if header.get("seconds") else ""),
            f"- code content: {src or 'not recorded'}", ""]


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


def to_markdown(results: list[CaseResult], header: dict[str, Any], complete: bool,
                baseline: dict[str, Any] | None = None) -> str:
    """The whole Markdown report."""
    has_failures = any(not r.passed for r in results)
    lines = ["# Parity report", ""] + verdict_lines(results, header, complete)
    lines += _contents(has_failures, baseline is not None)
    if has_failures:
        lines += _failures(results)
    lines += _least(results) + _summary(results) + torch_samples_markdown(header) + [""]
    if baseline is not None:
        lines += baseline_markdown(BaselineDiff.from_dict(baseline))[1:] + [""]
    lines += _details(header)
    return "\n".join(lines).rstrip() + "\n"
