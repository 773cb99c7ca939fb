"""The README's generated blocks: the headline result (from the committed report), the table
of layers and cases (from the specs) and the meaning of each report column (view.ROW_HELP).

``python -m parity_tests readme --write README.md`` rewrites all three between their
markers; ``make report`` runs it last, and tests check that each block is current.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .harness import view
from .harness.report import JSON_NAME, from_json, load_report
from .harness.sources import ROOT
from .specs import all_specs

COMMAND = "python -m parity_tests readme --write README.md"
REPORT = ROOT / "reports" / JSON_NAME
BLOCKS = ("headline", "layer-table", "columns")


def markers(block: str) -> tuple[str, str]:
    """The begin and end comments around a generated block."""
    return f"<!-- {block}:begin (generated: {COMMAND}) -->", f"<!-- {block}:end -->"


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


def columns_table() -> str:
    """The README's "Reading a row of the report" table."""
    lines = ["| column | meaning |", "|---|---|"]
    lines += [f"| {', '.join(f'`{n}`' for n in names)} | {text} |" for names, text in view.ROW_HELP]
    return "\n".join(lines)


def headline(data: dict[str, Any]) -> str:
    """Layers, runs, failures and worst headroom of a loaded report, with its cost."""
    head = data["header"]
    v = view.verdict(from_json(data), bool(head.get("complete")))
    w = v.worst
    worst = (f"worst headroom {view.near(w.headroom, 1.0)} (`{w.layer}` {w.tensor}, {w.dtype}; "
             f"1 is the bound)" if w else "no compared row")
    sec = head.get("seconds")
    took = ("(not timed)" if not sec else f"{sec:.0f} s" if sec < 600 else f"{sec / 60:.0f} min")
    return (f"**{'PASS' if v.passed else 'FAIL'}: {v.layers} layers, {v.runs} runs, "
            f"{v.runs_failed} failed; {worst}.** `make report` took {took} on "
            f"{head.get('cpu_count')} cores ({head.get('workers')} workers) for this report "
            f"(commit `{str(head.get('git_commit'))[:9]}`, {str(head.get('created'))[:10]}): "
            f"[`reports/parity_report.html`](reports/parity_report.html), "
            f"[`.md`](reports/parity_report.md).")


def blocks(report: Path = REPORT) -> dict[str, str]:
    return {"headline": headline(load_report(report)), "layer-table": layer_table(),
            "columns": columns_table()}


def current(text: str, block: str) -> str:
    """The content of ``block`` in a README's text."""
    begin, end = markers(block)
    return text[text.index(begin) + len(begin):text.index(end)].strip()


def write(readme: Path, content: dict[str, str]) -> None:
    text = readme.read_text()
    for block, body in content.items():
        begin, end = markers(block)
        start, stop = text.index(begin), text.index(end)
        text = text[:start] + begin + "\n" + body + "\n" + text[stop:]
    readme.write_text(text)
