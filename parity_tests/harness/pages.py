"""Writes the tolerance report: ``parity_report.json.gz`` (report.py), then
``parity_report.md`` (verdict, failures, least headroom, summary per layer; markdown.py) and
``parity_report.html`` (the same with plots and every row; html.py), both rendered from the
JSON as written. Files are written atomically (temporary file, rename)."""
from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from .baseline import BaselineDiff
from .environment import write_atomic
from .html import build_html
from .markdown import to_markdown
from .report import JSON_NAME, dumps, from_json, to_json
from .results import CaseResult


def write_report(results: list[CaseResult], outdir: str | Path, header: dict[str, Any],
                 complete: bool = True, baseline: BaselineDiff | None = None) -> dict[str, Path]:
    """Write the JSON, then the Markdown and HTML rendered from it; returns their paths."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {"json": outdir / JSON_NAME, "md": outdir / "parity_report.md",
             "html": outdir / "parity_report.html"}
    data = to_json(results, header, complete, baseline)
    raw = dumps(data)
    write_atomic(paths["json"], raw)
    (outdir / "parity_report.json").unlink(missing_ok=True)      # the schema-1 file it replaces
    data = json.loads(gzip.decompress(raw))
    return render(data, outdir, paths)


def render(data: dict[str, Any], outdir: Path, paths: dict[str, Path]) -> dict[str, Path]:
    """The Markdown and HTML pages of a loaded report."""
    results, header = from_json(data), data["header"]
    complete, base = bool(header.get("complete")), data.get("baseline")
    write_atomic(paths["md"], to_markdown(results, header, complete, base))
    write_atomic(paths["html"], build_html(results, header, complete, outdir, base))
    return paths
