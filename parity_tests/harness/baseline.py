"""``--baseline FILE``: what changed since an earlier JSON report.

A row is keyed by (layer, case, dtype, mode, tensor). Listed, even when they pass:
rows whose ``max_abs_err`` grew more than ``factor`` times (default 2; a row that was exact
and no longer is counts as grown), rows (and runs that stopped with an error) that fail now
and did not before, and baseline rows of runs in scope (matching the filters and run to the
end) that are gone. Rows new since the baseline are counted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .report import load_report, row_dicts
from .results import CaseResult, RunKey

DRIFT_FACTOR = 2.0
ROW_KEYS = ("layer", "case", "dtype", "mode", "tensor", "passed", "max_abs_err")
RowKey = tuple[str, str, str, str, str]


class BaselineError(Exception):
    """The baseline file cannot be used (unreadable, not JSON, wrong schema or version)."""


def load_baseline(path: str | Path, schema_version: int) -> dict[str, Any]:
    """The baseline report (gzipped or plain JSON, this schema or schema 1) with ``rows``
    as one dict per row, validated; raises BaselineError with a readable reason."""
    path = Path(path)
    try:
        data = load_report(path)
    except OSError as e:
        raise BaselineError(f"cannot read baseline {path}: {e.strerror or e}") from None
    except (ValueError, UnicodeDecodeError, EOFError) as e:
        raise BaselineError(f"baseline {path} is not a JSON report: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("header"), dict) \
            or not isinstance(data.get("rows"), (list, dict)):
        raise BaselineError(f"baseline {path} is not a parity report (expected an object with "
                            f"'header' and 'rows')")
    version = data["header"].get("schema_version")
    if version not in (1, schema_version):
        raise BaselineError(f"baseline {path} has schema_version {version!r}; this harness "
                            f"reads schema_version {schema_version} (and 1): regenerate the "
                            f"baseline")
    if isinstance(data["rows"], dict):
        missing = [k for k in ROW_KEYS if not isinstance(data["rows"].get(k), list)]
        if missing or len({len(v) for v in data["rows"].values()}) > 1:
            raise BaselineError(f"baseline {path}: rows lack the columns "
                                f"{', '.join(missing) or '(of unequal length)'}")
        data["rows"] = row_dicts(data)
    for i, row in enumerate(data["rows"]):
        missing = [k for k in ROW_KEYS if not isinstance(row, dict) or k not in row]
        if missing:
            raise BaselineError(f"baseline {path}: row {i} lacks {', '.join(missing)}")
    if not isinstance(data.get("errors", []), list):
        raise BaselineError(f"baseline {path}: 'errors' is not a list")
    return data


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


@dataclass
class BaselineDiff:
    """Rows that changed; each entry is a dict ready for the reports."""
    path: str
    factor: float
    compared: int = 0
    new: int = 0
    grew: list[dict[str, Any]] = field(default_factory=list)
    newly_failing: list[dict[str, Any]] = field(default_factory=list)
    disappeared: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        return (f"baseline {self.path}: {self.compared} rows compared; {len(self.grew)} error "
                f"grew > {self.factor:g}x, {len(self.newly_failing)} newly failing, "
                f"{len(self.disappeared)} disappeared, {self.new} new")

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "drift_factor": self.factor, "compared": self.compared,
                "new": self.new, "grew": self.grew, "newly_failing": self.newly_failing,
                "disappeared": self.disappeared, "notes": self.notes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "BaselineDiff":
        """Inverse of ``to_dict`` (a report's ``baseline`` section)."""
        return cls(d["path"], d["drift_factor"], d["compared"], d["new"], d["grew"],
                   d["newly_failing"], d["disappeared"], d.get("notes", []))


def _entry(key: RowKey, **kw: Any) -> dict[str, Any]:
    return dict(zip(("layer", "case", "dtype", "mode", "tensor"), key), **kw)


def diff(baseline: dict[str, Any], results: list[CaseResult], in_scope: Callable[[RunKey], bool],
         factor: float = DRIFT_FACTOR, path: str = "") -> BaselineDiff:
    """Compare ``results`` with a loaded baseline report."""
    out = BaselineDiff(path, factor)
    old = {tuple(r[k] for k in ROW_KEYS[:5]): r for r in baseline["rows"]}
    old_errors = {tuple(e.get(k) for k in ROW_KEYS[:4]) for e in baseline.get("errors", [])
                  if isinstance(e, dict)}
    now: set[RowKey] = set()
    for res in results:
        if res.error and res.key not in old_errors:
            out.newly_failing.append(_entry((*res.key, "(run)"), was="ran" if any(
                k[:4] == res.key for k in old) else "absent", message=res.error))
        for row in res.rows:
            key = (row.layer, row.case, row.dtype, row.mode, row.tensor)
            now.add(key)
            b = old.get(key)
            if b is None:
                out.new += 1
                if not row.passed:
                    out.newly_failing.append(_entry(key, was="absent", message=row.message))
                continue
            out.compared += 1
            before, after = _num(b["max_abs_err"]), _num(row.max_abs_err)
            if not row.passed and b["passed"]:
                out.newly_failing.append(_entry(key, was="passed", message=row.message))
            if after > factor * before or (before == 0 and after > 0):
                out.grew.append(_entry(key, old_err=before, new_err=after,
                                       growth=after / before if before > 0 else math.inf,
                                       headroom=row.headroom, passed=row.passed))
    for key, b in old.items():
        if key not in now and in_scope(key[:4]):
            out.disappeared.append(_entry(key, old_err=_num(b["max_abs_err"]),
                                          passed=bool(b["passed"])))
    out.grew.sort(key=lambda e: -e["growth"])
    return out


def compare_headers(baseline: dict[str, Any], header: dict[str, Any]) -> list[str]:
    """Notes on what differs between the two runs' settings (versions, machine, seed)."""
    head = baseline["header"]
    return [f"{k}: baseline {head.get(k)!r}, now {header.get(k)!r}"
            for k in ("numpy", "torch", "python", "cpu", "seed", "git_commit")
            if k in head and head.get(k) != header.get(k)]


def to_markdown(d: BaselineDiff, limit: int = 50) -> list[str]:
    """The baseline section of the Markdown report."""
    lines = ["", "## Changes since the baseline", "",
             f"Baseline `{d.path}`; drift factor {d.factor:g} (rows whose max abs error grew "
             f"more than {d.factor:g}x are listed even when they pass).", "",
             f"**{d.summary_line()}**", ""]
    lines += [f"- {n}" for n in d.notes] + ([""] if d.notes else [])
    for title, items, cols in sections(d):
        lines += [f"### {title} ({len(items)})", ""]
        if not items:
            lines += ["none", ""]
            continue
        lines += ["| " + " | ".join(c for c, _ in cols) + " |", "|" + "---|" * len(cols)]
        for e in items[:limit]:
            lines.append("| " + " | ".join(fmt(e.get(k)) for _, k in cols) + " |")
        if len(items) > limit:
            lines.append(f"\n... and {len(items) - limit} more (see the JSON)")
        lines.append("")
    return lines


_KEY_COLS = [("layer", "layer"), ("case", "case"), ("dtype", "dtype"), ("mode", "mode"),
             ("tensor", "tensor")]


def sections(d: BaselineDiff) -> list[tuple[str, list[dict[str, Any]], list[tuple[str, str]]]]:
    """(title, entries, [(column title, entry key)]) of each list, for MD and HTML."""
    return [
        (f"Error grew more than {d.factor:g}x", d.grew,
         _KEY_COLS + [("baseline err", "old_err"), ("err now", "new_err"), ("growth", "growth"),
                      ("headroom now", "headroom"), ("passes", "passed")]),
        ("Newly failing", d.newly_failing,
         _KEY_COLS + [("before", "was"), ("message", "message")]),
        ("Disappeared", d.disappeared,
         _KEY_COLS + [("baseline err", "old_err"), ("passed then", "passed")]),
    ]


def fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return format(v, ".3g")
    return "-" if v is None else str(v).replace("|", "\\|")
