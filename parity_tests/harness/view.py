"""What the Markdown and HTML reports show, in one place: numbers that do not mislead near a
bound, the meaning of every column, the summary per layer (worst first), the verdict and
where the report comes from."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .compare import MAX_ULPS, ULP_FLOOR
from .results import CaseResult, Row
from .tolerance import RATIO

REF0 = "ref ~ 0"
README_COLUMNS = "../README.md#reading-a-row-of-the-report"

# (JSON fields, explanation): the README's "Reading a row" table and the pages' tooltips.
ROW_HELP: list[tuple[tuple[str, ...], str]] = [
    (("layer", "case", "dtype", "mode"),
     "which run; `case` is a short id such as `k3_s2_p1_b4_c3to8_hw9x9` (kernel 3, stride 2, "
     "padding 1, batch 4, 3 to 8 channels, 9x9 input)"),
    (("tensor",), "`output`, `indices`, `grad_input`, `grad_<parameter name>`, a buffer name "
     "(`running_var`), or an `..._unchanged` check; `@2` marks the second step of a "
     "multi-step case"),
    (("max_abs_err", "max_rel_err", "mean_abs_err"),
     "NumPy against the reference (torch float64: the truth for float32 runs, the twin for "
     "float64 runs)"),
    (("max_ulp",), "the largest distance in units in the last place of the run's dtype, "
     "counted at each element's size but never below 1/4096 of the reference's largest value; "
     f"`{REF0}` where that largest value is below the row's tolerance or zero (the count then "
     "means nothing; the JSON keeps it, capped at 2^62)"),
    (("torch_err",), "float32 only: torch float32's own max abs error against the truth, the "
     "largest of its runs in several orderings (one thread, two threads, channels_last)"),
    (("accuracy_ratio",), f"float32 only: `max_abs_err / torch_err`; below 1 NumPy is the "
     f"more accurate. Above {RATIO:g} a row still passes when the error is within the floor: "
     f"the pages then show the floor beside the ratio"),
    (("tolerance", "rule", "rule_detail"),
     f"the bound applied and how it was derived: float32 `{RATIO:g} x torch_err + floor`, "
     "float64 `atol + rtol x |reference|`, `exact` for integers and unchanged-input checks"),
    (("headroom",), "error / tolerance at the worst element: a row passes when it is at most 1; "
     "digits are added near 1 so that 0.999999999 never shows as 1"),
    (("worst_index", "numpy_value", "reference_value"),
     "where the worst element is, with both values"),
    (("message", "shape", "n_elements", "n_mismatch"),
     "why the row failed (empty when it passed); the tensor's shape, its number of elements "
     "and how many of them are beyond tolerance"),
    (("passed", "seconds"), "verdict, and the time of the whole run (`runs` in the JSON)"),
]
SUMMARY_HELP = {
    "runs": "(case, dtype, mode) combinations run", "rows": "compared tensors",
    "failed": "runs with a failing row or an error",
    "worst headroom": "the largest error / tolerance of the layer's rows (pass: <= 1)",
    "worst row": "tensor, case, dtype and mode of the row with the worst headroom",
    "fp32 ratio": "largest float32 accuracy ratio (NumPy error / torch error) of the layer",
    "max ulp": f"largest ULP distance; rows whose reference is all zero count as `{REF0}`",
    "seconds": "time of the layer's runs, summed",
}


def help_for(field: str) -> str:
    """The explanation of a row field (or summary column) as plain text."""
    if field in SUMMARY_HELP:
        return SUMMARY_HELP[field].replace("`", "")
    return next((t.replace("`", "") for names, t in ROW_HELP if field in names), "")


def near(v: float | None, bound: float, digits: int = 3) -> str:
    """``v`` with ``digits`` significant digits, or as many more as it takes for the text to
    sit on the same side of ``bound`` as ``v`` (0.999999999 does not show as 1)."""
    if v is None:
        return "-"
    if not math.isfinite(v):
        return str(v)
    for d in range(digits, 18):
        s = f"{v:.{d}g}"
        r = float(s)
        if (r < bound) == (v < bound) and (r > bound) == (v > bound):
            return s
    return repr(v)


def num(v: Any) -> str:
    """A cell: 3 significant digits, '-' for nothing, yes/no for a verdict."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def ref0(r: Row) -> bool:
    """Whether a row's ULP count only says that its reference is ~0: all zero (compare's cap)
    or with a largest value below the row's tolerance. ULPs are counted at no less than
    ULP_FLOOR x that largest value, so it is at most
    ``max_abs_err * 2^(mantissa bits + 1) / (ULP_FLOOR * max_ulp)``."""
    u = r.max_ulp
    if u is None or r.rule == "exact":
        return False
    if u >= MAX_ULPS:
        return True
    if u < 2 ** 20 or not r.tolerance or r.max_abs_err is None:   # small counts: exact enough
        return False
    bits = {"float32": 23, "float64": 52}.get(r.dtype, 52)
    return r.max_abs_err * 2.0 ** (bits + 1) / (ULP_FLOOR * (u - 1)) <= r.tolerance


def ulp(r: Row) -> str:
    return REF0 if ref0(r) else num(r.max_ulp)


def floor(r: Row) -> float | None:
    """The float32 floor of a row's tolerance (tolerance - RATIO x torch error)."""
    if r.rule != "float32-ratio" or r.tolerance is None or r.torch_err is None:
        return None
    return max(r.tolerance - RATIO * r.torch_err, 0.0)


def ratio(r: Row) -> str:
    """Accuracy ratio; above RATIO on a passing row, with the floor that lets it pass."""
    text = near(r.accuracy_ratio, RATIO)
    fl = floor(r)
    if r.accuracy_ratio is not None and r.accuracy_ratio > RATIO and r.passed and fl:
        text += f" (floor {fl:.2g})"
    return text


# The per-row table of both pages: (title, JSON field for its tooltip, cell text, kind);
# kind: "n" a number (right-aligned, sorts worst first), "t" a long token that may break
# anywhere (case ids, tensor names), "" other text.
Col = tuple[str, str, Callable[[Row], str], str]
ROW_COLUMNS: list[Col] = [
    ("case", "case", lambda r: r.case, "t"),
    ("dtype", "dtype", lambda r: r.dtype, ""),
    ("mode", "mode", lambda r: r.mode, ""),
    ("tensor", "tensor", lambda r: r.tensor, "t"),
    ("max abs err", "max_abs_err", lambda r: num(r.max_abs_err), "n"),
    ("max rel err", "max_rel_err", lambda r: num(r.max_rel_err), "n"),
    ("ulp", "max_ulp", ulp, "n"),
    ("torch fp32 err", "torch_err", lambda r: num(r.torch_err), "n"),
    ("fp32 ratio", "accuracy_ratio", ratio, "n"),
    ("tolerance", "tolerance", lambda r: num(r.tolerance), "n"),
    ("headroom", "headroom", lambda r: near(r.headroom, 1.0), "n"),
    ("pass", "passed", lambda r: num(r.passed), ""),
]
LAYER_COLUMN: Col = ("layer", "layer", lambda r: r.layer, "")


# The summary per layer of both pages: (title, kind), and its cells (summary_cells).
SUMMARY_COLUMNS = [("layer", ""), ("runs", "n"), ("rows", "n"), ("failed", "n"),
                   ("worst headroom", "n"), ("worst row", "t"), ("fp32 ratio", "n"),
                   ("max ulp", "n"), ("seconds", "n")]


def summary_cells(s: dict[str, Any]) -> list[str]:
    """One layer_summary entry as the cells of SUMMARY_COLUMNS."""
    w, a = s["worst"], s["worst_ratio"]
    text = num(s["max_ulp"]) + (f" ({s['ulp_ref0']} {REF0})" if s["ulp_ref0"] else "")
    return [s["layer"], str(s["runs"]), str(s["rows"]), str(s["failed"]),
            near(w.headroom, 1.0) if w else "-",
            f"{w.tensor} ({w.case}, {w.dtype}, {w.mode})" if w else "-",
            ratio(a) if a else "-", text, f"{s['seconds']:.1f}"]


def compared(r: Row) -> bool:
    """A row with a measured error (not an exact or unchanged-input check)."""
    return r.headroom is not None and r.rule != "exact"


def ranked_rows(results: Iterable[CaseResult]) -> list[Row]:
    """Compared rows, least headroom first (failing exact checks lead)."""
    rows = [w for r in results for w in r.rows if compared(w) or not w.passed]
    return sorted(rows, key=lambda w: -(w.headroom if w.headroom is not None else math.inf))


def layer_summary(results: list[CaseResult]) -> list[dict[str, Any]]:
    """One dict per layer, worst first: most failed runs, then the highest headroom."""
    by_layer: dict[str, list[CaseResult]] = defaultdict(list)
    for r in results:
        by_layer[r.layer].append(r)
    out = []
    for layer, rs in by_layer.items():
        rows = [w for r in rs for w in r.rows]
        ranked = ranked_rows(rs)
        acc = [w for w in rows if w.accuracy_ratio is not None]
        ulps = [w for w in rows if w.max_ulp is not None and w.rule != "exact"]
        out.append({"layer": layer, "cases": len({r.case for r in rs}), "runs": len(rs),
                    "rows": len(rows), "failed": sum(not r.passed for r in rs),
                    "worst": ranked[0] if ranked else None,
                    "worst_ratio": max(acc, key=lambda w: w.accuracy_ratio, default=None),
                    "max_ulp": max((w.max_ulp for w in ulps if not ref0(w)), default=None),
                    "ulp_ref0": sum(ref0(w) for w in ulps),
                    "seconds": sum(r.seconds for r in rs)})
    return sorted(out, key=lambda s: (-s["failed"], -_headroom(s["worst"]), s["layer"]))


def _headroom(r: Row | None) -> float:
    return -1.0 if r is None or r.headroom is None else r.headroom


def row_label(r: Row) -> str:
    return f"{r.layer}[{r.case}|{r.dtype}|{r.mode}] {r.tensor}"


@dataclass
class Verdict:
    """The top of both pages."""
    passed: bool
    complete: bool
    layers: int
    runs: int
    runs_failed: int
    runs_errored: int
    rows: int
    rows_failed: int
    worst: Row | None

    def line(self) -> str:
        word = "PASS" if self.passed else "FAIL"
        failed = (f"{self.runs_failed} failed" if self.runs_failed
                  else "none failed")
        extra = f" ({self.runs_errored} stopped with an error)" if self.runs_errored else ""
        tail = ("; COMPLETE: every selected run finished" if self.complete
                else "; INCOMPLETE RUN: only the runs that finished are listed")
        return (f"{word}: {self.runs} runs of {self.layers} layers, {failed}{extra}; "
                f"{self.rows} rows compared, {self.rows_failed} failing{tail}")

    def worst_items(self) -> list[tuple[str, str]]:
        """The worst row in full precision: (label, text) for headroom, error, rule, floor."""
        w = self.worst
        if w is None:
            return [("worst row", "none: no tensor was compared")]
        h = w.headroom if w.headroom is not None else math.inf
        margin = (f"margin to the bound: 1 - headroom = {1 - h:.3g}" if h <= 1
                  else f"over the bound by {h - 1:.3g}")
        items = [("worst row", row_label(w)),
                 ("headroom", f"{h!r} (error / tolerance at the worst element; {margin})"),
                 ("error", f"max abs {w.max_abs_err!r} against tolerance {w.tolerance!r}; worst "
                           f"element at {w.worst_index}: numpy {w.numpy_value!r} vs reference "
                           f"{w.reference_value!r}"),
                 ("rule", f"{w.rule}: {w.rule_detail}")]
        fl = floor(w)
        if fl is not None:
            items.append(("floor", f"{fl:.7g}, beside {RATIO:g} x torch float32 error "
                                   f"{w.torch_err!r}: accuracy ratio {near(w.accuracy_ratio, RATIO)}"))
        return items


def verdict(results: list[CaseResult], complete: bool) -> Verdict:
    ranked = ranked_rows(results)
    rows = [w for r in results for w in r.rows]
    failed = sum(not r.passed for r in results)
    return Verdict(passed=complete and failed == 0 and bool(results), complete=complete,
                   layers=len({r.layer for r in results}), runs=len(results),
                   runs_failed=failed, runs_errored=sum(bool(r.error) for r in results),
                   rows=len(rows), rows_failed=sum(not w.passed for w in rows),
                   worst=ranked[0] if ranked else None)


def provenance(header: dict[str, Any]) -> str:
    """Which code the report describes: its commit and any uncommitted changes then."""
    commit = str(header.get("git_commit") or "unknown")
    src = header.get("sources") or {}
    when = f"made {header.get('created', '?')} from commit {commit[:12]}"
    if not src:
        return f"Report {when}; the code's content was not recorded (no git checkout)."
    dirty = [p for p in ("numpy_layers", "parity_tests") if (src.get(p) or {}).get("dirty")]
    if not dirty:
        return (f"Report {when}; numpy_layers/ and parity_tests/ had no uncommitted changes "
                f"(`make test` checks that numpy_layers/ and parity_tests/specs/ still match).")
    return (f"Report {when}, with uncommitted changes in {' and '.join(p + '/' for p in dirty)}: "
            f"it describes that working tree, not the commit alone.")
