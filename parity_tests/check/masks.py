"""Dropout masks: read from a layer's output, applied to torch's input, and checked for
the kept fraction (the row ``mask_keep_fraction``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..harness.results import CaseResult, Row
from ..harness.spec import Case


def recover_mask(y: np.ndarray, kind: str) -> np.ndarray:
    """The keep-mask a dropout applied, read from its output (inputs are never 0)."""
    kept = (y != 0) & np.isfinite(y)
    if kind == "channel" and y.ndim >= 3:
        axes = tuple(range(2 if y.ndim == 4 else 1, y.ndim))
        kept = kept.any(axis=axes, keepdims=True)
    return kept


def apply_mask(x: Any, keep: np.ndarray, p: float) -> Any:
    """torch's dropout with a given keep-mask: x * mask / (1 - p), zeros at p = 1."""
    import torch
    scale = 0.0 if p >= 1 else 1.0 / (1.0 - p)
    return x * torch.from_numpy(np.ascontiguousarray(keep)).to(x.dtype) * scale


def mask_row(masks: list, res: CaseResult, case: Case) -> Row | None:
    """A statistical row for a dropout's mask: the kept fraction against 1 - p."""
    p = case.params.get("p")
    if not masks or not isinstance(p, float) or not 0 < p < 1:
        return None
    keep = np.concatenate([m.ravel() for m in masks])
    n = keep.size
    if n < 50:
        return None
    frac = float(keep.mean())
    bound = 5 * np.sqrt(p * (1 - p) / n) + 1.0 / n
    ok = abs(frac - (1 - p)) <= bound
    msg = "" if ok else (
        f"mask_keep_fraction: the layer keeps {frac:.1%} of the elements at p={p:g}; torch "
        f"keeps 1 - p = {1 - p:.0%} (p is the drop probability; keep and drop swapped?)")
    return Row(layer=res.layer, case=res.case, dtype=res.dtype, mode=res.mode,
               tensor="mask_keep_fraction", passed=ok, rule="binomial",
               tolerance=float(bound), max_abs_err=abs(frac - (1 - p)),
               headroom=abs(frac - (1 - p)) / bound, n_elements=n, message=msg)
