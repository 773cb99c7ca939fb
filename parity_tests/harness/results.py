"""Rows and case results: what every comparison yields and what reports are made of."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

RunKey = tuple[str, str, str, str]     # (layer, case, dtype, mode)


@dataclass
class Row:
    """One compared tensor of one case (see the README for each column)."""
    layer: str
    case: str
    dtype: str
    mode: str
    tensor: str
    passed: bool
    message: str = ""
    shape: tuple[int, ...] | None = None
    n_elements: int = 0
    n_mismatch: int = 0
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    max_ulp: int | None = None
    mean_abs_err: float | None = None
    torch_err: float | None = None        # float32: torch float32's own max error vs the truth
                                          # (the largest over its orderings)
    accuracy_ratio: float | None = None   # float32: max_abs_err / torch_err
    tolerance: float | None = None
    rule: str = ""
    rule_detail: str = ""
    headroom: float | None = None         # error / tolerance; <= 1 passes
    worst_index: tuple[int, ...] | None = None
    numpy_value: float | None = None
    reference_value: float | None = None
    seconds: float = 0.0
    fd_witness: str = ""                  # failing gradients: finite differences of NumPy's
                                          # forward 'agrees'/'disagrees' with its gradient

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("shape", "worst_index"):
            if d[k] is not None:
                d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Row":
        """Inverse of ``to_dict`` (also reads report rows, where inf/NaN are strings)."""
        kw = {f.name: d[f.name] for f in fields(cls) if f.name in d}
        for k in ("shape", "worst_index"):
            if kw.get(k) is not None:
                kw[k] = tuple(kw[k])
        for f in fields(cls):
            if "float" in str(f.type) and isinstance(kw.get(f.name), str):
                kw[f.name] = float(kw[f.name])
        return cls(**kw)


@dataclass
class CaseResult:
    """All rows of one (layer, case, dtype, mode) run, or the error that stopped it."""
    layer: str
    case: str
    dtype: str
    mode: str
    rows: list[Row] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.error and all(r.passed for r in self.rows)

    @property
    def key(self) -> RunKey:
        return (self.layer, self.case, self.dtype, self.mode)

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "case": self.case, "dtype": self.dtype, "mode": self.mode,
                "error": self.error, "seconds": self.seconds,
                "rows": [r.to_dict() for r in self.rows]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CaseResult":
        return cls(d["layer"], d["case"], d["dtype"], d["mode"],
                   [Row.from_dict(r) for r in d["rows"]], d.get("error", ""),
                   d.get("seconds", 0.0))

    @property
    def label(self) -> str:
        return f"{self.layer}[{self.case}|{self.dtype}|{self.mode}]"

    def failure_report(self) -> str:
        """Readable explanation of every failing tensor (empty when the case passed)."""
        lines = []
        if self.error:
            lines.append(f"{self.label}: {self.error}")
        for r in self.rows:
            if not r.passed:
                lines.append(f"{self.label} {r.message}")
        return "\n".join(lines)
