"""The report's plots, each returned as base64 PNG text (matplotlib's Agg canvas, no pyplot).

heatmap: worst headroom per layer x tensor kind; ulp_histograms: max-ULP distribution per
dtype; accuracy_scatter: NumPy float32 error vs torch float32 error per layer, both against
the float64 truth, with the policy's bound; loss_curve: the optional training comparison.
"""
from __future__ import annotations

import base64
import io
import math
import re
from collections import defaultdict
from typing import Any, Iterable

import numpy as np

from .results import Row
from .tolerance import RATIO

DPI = 72
KINDS = ("output", "grad_input", "grad_weight", "grad_bias", "buffers")


def tensor_kind(tensor: str) -> str | None:
    """Column of the heatmap: output, grad_input, grad_<param>, buffers (None: input checks)."""
    base = tensor.split("@")[0]
    if "unchanged" in base or base == "state_dict_keys":
        return None
    if base.startswith("grad_input"):
        return "grad_input"
    if base.startswith("grad_"):
        return "grad_" + base[5:].rsplit(".", 1)[-1]          # grad_0.conv.weight -> grad_weight
    if base == "indices" or re.fullmatch(r"output\d*", base):
        return "output"
    return "buffers"


def _figure(w: float, h: float, layout: str | None = "constrained") -> Any:
    from matplotlib.figure import Figure
    return Figure(figsize=(w, h), layout=layout)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def worst_by_kind(rows: Iterable[Row]) -> dict[str, dict[str, float]]:
    """{layer: {kind: worst headroom}} over the compared tensors."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for r in rows:
        kind = tensor_kind(r.tensor)
        if kind is None or r.headroom is None:
            continue
        cell = out[r.layer]
        cell[kind] = max(cell.get(kind, -1.0), r.headroom)
    return dict(out)


def heatmap(rows: list[Row]) -> str:
    cells = worst_by_kind(rows)
    layers = sorted(cells)
    seen = {k for c in cells.values() for k in c}
    kinds = [k for k in KINDS if k in seen] + sorted(seen - set(KINDS))
    h = np.full((len(layers), len(kinds)), np.nan)
    for i, layer in enumerate(layers):
        for j, kind in enumerate(kinds):
            h[i, j] = cells[layer].get(kind, np.nan)
    with np.errstate(divide="ignore"):
        shown = np.clip(np.log10(h), -9, 0)                    # 0 headroom -> bottom colour
    from matplotlib.patches import Rectangle
    fig = _figure(1.6 + 1.1 * len(kinds), 1.2 + 0.24 * len(layers))
    ax = fig.subplots()
    im = ax.imshow(np.ma.masked_invalid(shown), cmap="viridis", vmin=-9, vmax=0, aspect="auto")
    for i in range(len(layers)):
        for j in range(len(kinds)):
            v = h[i, j]
            if math.isnan(v):
                continue
            bad = v > 1
            if bad:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=2))
            ax.text(j, i, "0" if v == 0 else f"{v:.2g}", ha="center", va="center", fontsize=7,
                    color="red" if bad else ("black" if shown[i, j] > -3 else "white"),
                    fontweight="bold" if bad else "normal")
    ax.set_xticks(range(len(kinds)), kinds, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(layers)), layers, fontsize=8)
    ax.set_title("worst headroom (error / tolerance; > 1 fails, red)", fontsize=9)
    fig.colorbar(im, ax=ax, label="log10 headroom", shrink=0.5)
    return _png(fig)


def ulp_histograms(rows: list[Row]) -> str:
    dtypes = sorted({r.dtype for r in rows})
    fig = _figure(5.0 * max(len(dtypes), 1), 3.2)
    axes = np.atleast_1d(fig.subplots(1, max(len(dtypes), 1)))
    for ax, dtype in zip(axes, dtypes):
        ulps = np.array([r.max_ulp for r in rows if r.dtype == dtype and r.max_ulp is not None
                         and r.rule != "exact"], dtype=float)
        if ulps.size == 0:
            ax.set_title(f"{dtype}: no rows")
            continue
        top = max(float(ulps.max()), 1.0)
        bins = np.logspace(math.log10(0.5), math.log10(top * 2), 40)
        ax.hist(np.maximum(ulps, 0.5), bins=bins, color="tab:blue")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("max ULP distance of a row (0 drawn at 0.5)")
        ax.set_ylabel("rows")
        ax.set_title(f"{dtype}: {ulps.size} rows, median {np.median(ulps):.0f}, "
                     f"max {ulps.max():.0f} ulp", fontsize=9)
    return _png(fig)


def accuracy_scatter(rows: list[Row], ncols: int = 6) -> str | None:
    """Per layer: x torch float32 error, y NumPy float32 error (both vs the float64 truth)."""
    by_layer: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.rule == "float32-ratio" and r.max_abs_err is not None and r.torch_err is not None:
            by_layer[r.layer].append(r)
    if not by_layer:
        return None
    nrows = math.ceil(len(by_layer) / ncols)
    height = 2.2 * nrows + 0.5
    fig = _figure(2.4 * ncols, height, layout=None)          # many axes: no layout engine
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.03, top=1 - 1.0 / height,
                        wspace=0.35, hspace=0.45)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    from matplotlib.ticker import LogLocator, NullLocator
    for ax, (layer, rs) in zip(axes, sorted(by_layer.items())):
        x, y = np.array([[r.torch_err, r.max_abs_err] for r in rs], dtype=float).T
        pos = np.concatenate([x, y])
        pos = pos[np.isfinite(pos) & (pos > 0)]
        hi = float(pos.max()) * 10 if pos.size else 1.0
        lo = max(float(pos.min()) / 10, hi * 1e-12) if pos.size else 1e-12
        x, y = np.clip(x, lo, hi), np.clip(y, lo, hi)        # zeros and inf at the edges
        ok = np.array([r.passed for r in rs])
        ax.scatter(x[ok], y[ok], s=6, alpha=0.6, color="tab:blue")
        ax.scatter(x[~ok], y[~ok], s=18, marker="x", color="red")
        ax.plot([lo, hi], [lo, hi], ":", color="grey", lw=0.8)
        ax.plot([lo, hi], [RATIO * lo, RATIO * hi], "-", color="tab:orange", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_title(f"{layer} ({len(rs)})", fontsize=8)
        for axis in (ax.xaxis, ax.yaxis):       # few ticks: 50 log-log axes draw slowly
            axis.set_major_locator(LogLocator(numticks=4))
            axis.set_minor_locator(NullLocator())
        ax.tick_params(labelsize=6)
    for ax in axes[len(by_layer):]:
        ax.set_visible(False)
    fig.suptitle(f"float32 rows: NumPy max abs error (y) vs torch's (x), both against the float64 "
                 f"truth\norange: the bound {RATIO:g} x torch error (each row adds a floor); "
                 f"dotted: equal; red x: failing; zeros drawn at the axis minimum", fontsize=10,
                 y=1 - 0.1 / height, va="top")
    return _png(fig)


def loss_curve(data: dict[str, Any]) -> str:
    fig = _figure(6.0, 3.4)
    ax = fig.subplots()
    ax.plot(data["steps"], data["numpy_loss"], label="numpy_layers", lw=1.5)
    ax.plot(data["steps"], data["torch_loss"], "--", label="torch", lw=1.2)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title(f"training on digits ({data.get('dtype', '?')})", fontsize=9)
    ax.legend()
    return _png(fig)
