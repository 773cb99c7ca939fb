"""``CheckResult``: rows, a verdict per quantity, what was not covered, hints, a reproduction.

The first line is the verdict, for example::

    check MyConv vs torch.nn.Conv2d: PASS on 96 of 170 cases; not covered: dilation, groups, 3-D input

PASS means every covered case passed and at least one ran; cases a layer cannot express
(an option it does not take, an input rank it raises on everywhere) are listed, never failed.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from ..harness.results import CaseResult, Row

_STEP = re.compile(r"@\d+$")


def quantity(tensor: str) -> str:
    """Which verdict a row counts towards: output, grad_input, grad_<param>, a buffer name,
    'inputs intact', 'parameters' or 'mask'."""
    t = _STEP.sub("", tensor)
    if t in ("output", "indices") or re.fullmatch(r"output\d+", t):
        return "output"
    if t.startswith("grad_input"):
        return "grad_input"
    if "unchanged" in t:
        return "inputs intact"
    if t == "state_dict_keys":
        return "parameters"
    if t == "mask_keep_fraction":
        return "dropout mask"
    return t


@dataclass
class NotCovered:
    """A run the layer cannot express, and why."""
    key: tuple                 # (case id, dtype, mode)
    reasons: list[str]
    exception: str = ""


@dataclass
class Verdict:
    quantity: str
    runs: int = 0
    failed: int = 0
    worst_headroom: float = 0.0
    first: str = ""              # message of the first failing row

    @property
    def passed(self) -> bool:
        return self.failed == 0

    def line(self) -> str:
        state = "PASS" if self.passed else "FAIL"
        text = f"  {self.quantity:<20s}{state}  "
        if self.passed:
            return text + f"{self.runs} cases, worst headroom {self.worst_headroom:.3g}"
        return text + f"{self.failed} of {self.runs} cases; first: {self.first[:160]}"


@dataclass
class CheckResult:
    """Outcome of a check. ``rows`` are the report's rows; ``verdicts()`` one per quantity;
    ``passed`` is True when every covered case passed and at least one ran."""
    layer: str
    reference: str
    source: str                                   # 'spec', 'generated', 'gradcheck'
    results: list[CaseResult] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)
    reproduction: str = ""
    notes: list[str] = field(default_factory=list)
    not_covered: list[NotCovered] = field(default_factory=list)
    forward_only: bool = False
    arguments: str = ""
    partly: dict[str, str] = field(default_factory=dict)   # not covered within runs that
                                                            # ran: reason -> the exception

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def rows(self) -> list[Row]:
        return [row for r in self.results for row in r.rows]

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]

    @property
    def first_failure(self) -> CaseResult | None:
        return next(iter(self.failures), None)

    def uncovered(self) -> list[str]:
        """Distinct reasons, in order of first appearance."""
        out: list[str] = []
        for nc in self.not_covered:
            for r in nc.reasons:
                if r not in out:
                    out.append(r)
        return out + [r for r in self.partly if r not in out]

    def verdicts(self) -> dict[str, Verdict]:
        out: dict[str, Verdict] = {}
        for res in self.results:
            seen: dict[str, bool] = {}
            for row in res.rows:
                q = quantity(row.tensor)
                v = out.setdefault(q, Verdict(q))
                seen[q] = seen.get(q, True) and row.passed
                if row.headroom is not None and row.passed:
                    v.worst_headroom = max(v.worst_headroom, row.headroom)
                if not row.passed and not v.first:
                    v.first = f"{res.label} {row.message}"
            if res.error:
                v = out.setdefault("exceptions", Verdict("exceptions"))
                seen["exceptions"] = False
                v.first = v.first or f"{res.label}: {res.error}"
            for q, ok in seen.items():
                out[q].runs += 1
                out[q].failed += not ok
        if "exceptions" in out:
            out["exceptions"].runs = len(self.results)
        return out

    def headline(self) -> str:
        n, bad = len(self.results), len(self.failures)
        total = n + len(self.not_covered)
        head = f"check {self.layer} vs {self.reference}: "
        nc = f"; not covered: {', '.join(self.uncovered())}" if self.uncovered() else ""
        if not n:
            return head + f"NOTHING CHECKED: none of the {total} cases is covered{nc}"
        if self.passed:
            return head + f"PASS on {n} of {total} cases{nc}"
        return head + f"FAIL on {bad} of {n} covered cases ({total} cases{nc})"

    def summary(self) -> str:
        lines = [self.headline()]
        if self.forward_only:
            lines.append("forward only: no gradient checked (give the backward as "
                         "forward_fn,backward_fn, or name it *_backward)")
        lines.append(f"cases from {self.source}")
        if self.arguments:
            lines.append(f"arguments: {self.arguments}")
        if self.mapping:
            lines.append("parameters: " + ", ".join(f"{t} <- {u}" for t, u in self.mapping.items()))
        lines += [v.line() for v in self.verdicts().values()]
        shown: set[str] = set()
        for nc in self.not_covered:
            if nc.exception and nc.exception not in shown and len(shown) < 3:
                shown.add(nc.exception)
                lines.append(f"  {', '.join(nc.reasons)}: raised {nc.exception[:160]}")
        lines += [f"  {r}: raised {e[:160]}" for r, e in self.partly.items()]
        lines += [f"note: {n}" for n in self.notes]
        first = self.first_failure
        if first is not None:
            lines.append("first failure: " + first.failure_report().splitlines()[0])
        lines += [f"hint: {h}" for h in self.hints]
        if self.reproduction:
            lines += ["reproduce:"] + ["  " + s for s in self.reproduction.splitlines()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        e = html.escape
        state = "PASS" if self.passed else "FAIL"
        head = (f"<b>{e(self.headline())}</b>".replace(
            state, f"<span style='color:{'green' if self.passed else 'red'}'>{state}</span>", 1))
        rows = "".join(
            f"<tr><td>{e(v.quantity)}</td><td>{'PASS' if v.passed else 'FAIL'}</td>"
            f"<td>{v.runs}</td><td>{v.failed}</td><td>{v.worst_headroom:.3g}</td>"
            f"<td>{e(v.first[:200])}</td></tr>" for v in self.verdicts().values())
        table = ("<table><tr><th>quantity</th><th>verdict</th><th>cases</th><th>failed</th>"
                 f"<th>worst headroom</th><th>first failure</th></tr>{rows}</table>")
        extra = "".join(f"<p>hint: {e(h)}</p>" for h in self.hints)
        if self.reproduction:
            extra += f"<pre>{e(self.reproduction)}</pre>"
        return head + table + extra
