"""``CheckResult``: rows, a verdict per quantity, the first failure, hints, a reproduction."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .harness.results import CaseResult, Row

_STEP = re.compile(r"@\d+$")


def quantity(tensor: str) -> str:
    """Which verdict a row counts towards: output, grad_input, grad_<param>, a buffer name,
    'inputs intact' or 'parameters'."""
    t = _STEP.sub("", tensor)
    if t in ("output", "indices") or re.fullmatch(r"output\d+", t):
        return "output"
    if t.startswith("grad_input"):
        return "grad_input"
    if "unchanged" in t:
        return "inputs intact"
    if t == "state_dict_keys":
        return "parameters"
    return t


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
            return text + f"{self.runs} runs, worst headroom {self.worst_headroom:.3g}"
        return text + f"{self.failed} of {self.runs} runs; first: {self.first[:110]}"


@dataclass
class CheckResult:
    """Outcome of ``check_layer``. ``rows`` are the report's rows (parity_tests Row objects);
    ``verdicts`` one per quantity; ``passed`` is True only when every run passed."""
    layer: str
    reference: str
    source: str                                   # 'spec' or 'generated'
    results: list[CaseResult] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)
    reproduction: str = ""
    notes: list[str] = field(default_factory=list)

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

    def summary(self) -> str:
        n, bad = len(self.results), len(self.failures)
        state = "PASS" if self.passed else "FAIL"
        lines = [f"check {self.layer} vs {self.reference}: {state} "
                 f"({n - bad} of {n} runs passed; cases from {self.source})"]
        if self.mapping:
            lines.append("parameters: " + ", ".join(
                f"{t} <- {u}" for t, u in self.mapping.items()))
        lines += [v.line() for v in self.verdicts().values()]
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
        head = (f"<b>{e(self.layer)} vs {e(self.reference)}: "
                f"<span style='color:{'green' if self.passed else 'red'}'>{state}</span></b>")
        rows = "".join(
            f"<tr><td>{e(v.quantity)}</td><td>{'PASS' if v.passed else 'FAIL'}</td>"
            f"<td>{v.runs}</td><td>{v.failed}</td><td>{v.worst_headroom:.3g}</td>"
            f"<td>{e(v.first[:200])}</td></tr>" for v in self.verdicts().values())
        table = ("<table><tr><th>quantity</th><th>verdict</th><th>runs</th><th>failed</th>"
                 f"<th>worst headroom</th><th>first failure</th></tr>{rows}</table>")
        extra = "".join(f"<p>hint: {e(h)}</p>" for h in self.hints)
        if self.reproduction:
            extra += f"<pre>{e(self.reproduction)}</pre>"
        return head + table + extra
