"""The reports' plots (matplotlib's Agg canvas, no pyplot), sized to be read at their shown
size: 80 dpi, fonts of 8-10 pt, every axis labelled.

heatmap: worst headroom per layer x tensor kind (white: exact, darker: closer to the bound,
red: failing); accuracy_strip: NumPy float32 error / torch float32 error per row and layer;
ulp_histograms: max-ULP distribution per dtype; training_figure: the digits loss curves and
their relative difference; batchnorm_histograms: the seed example's batch norm.
"""
from __future__ import annotations

import base64
import io
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .results import Row
from .tolerance import RATIO
from .view import ref0

DPI = 80
KINDS = ("output", "grad_input", "grad_weight", "grad_bias", "buffers")
FAIL = "#d62728"
LOG_MIN = -4                          # heatmap colours span headroom 1e-4 .. 1


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


def figure(w: float, h: float, layout: str | None = "constrained") -> Any:
    from matplotlib.figure import Figure
    return Figure(figsize=(w, h), layout=layout)


def png(fig: Any, dpi: int = DPI) -> bytes:
    """PNG bytes with a 256-colour palette (a third of the RGBA size, same look)."""
    from PIL import Image
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    image = Image.open(buf).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                                    dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def b64(fig: Any) -> str:
    return base64.b64encode(png(fig)).decode("ascii")


def save(fig: Any, path: str | Path, dpi: int = 100) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(png(fig, dpi))


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


def heatmap(rows: list[Row], layers: list[str]) -> str:
    """Rows of the image in the order of ``layers`` (the summary's, worst first)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    cells = worst_by_kind(rows)
    layers = [name for name in layers if name in cells]
    seen = {k for c in cells.values() for k in c}
    kinds = [k for k in KINDS if k in seen] + sorted(seen - set(KINDS))
    h = np.array([[cells[name].get(k, np.nan) for k in kinds] for name in layers], float)
    with np.errstate(divide="ignore", invalid="ignore"):
        shown = np.clip(np.log10(h), LOG_MIN, 0)
    import matplotlib
    blues = ListedColormap(matplotlib.colormaps["Blues"](np.linspace(0.08, 0.95, 256)))
    width, height = 2.4 + 1.1 * len(kinds) + 2.6, max(4.0, 1.4 + 0.2 * len(layers))
    fig = figure(width, height, layout=None)                  # fixed margins: labels, key
    fig.subplots_adjust(left=2.3 / width, right=1 - 2.6 / width, top=1 - 1.1 / height,
                        bottom=0.25 / height)
    ax = fig.subplots()
    ax.set_facecolor("#eeeeee")                               # no such tensor: grey
    im = ax.imshow(np.ma.masked_where(~(h > 0) | (h > 1), shown), cmap=blues, vmin=LOG_MIN,
                   vmax=0, aspect="auto", interpolation="nearest")
    ax.imshow(np.ma.masked_where(h != 0, np.ones_like(h)), cmap=ListedColormap(["white"]),
              aspect="auto", interpolation="nearest")
    ax.imshow(np.ma.masked_where(~(h > 1), np.ones_like(h)), cmap=ListedColormap([FAIL]),
              aspect="auto", interpolation="nearest")
    for (i, j), v in np.ndenumerate(h):
        if math.isnan(v):
            continue
        bad = v > 1
        color = "white" if bad or shown[i, j] > LOG_MIN / 2 else ("#888888" if v == 0 else "black")
        ax.text(j, i, "0" if v == 0 else f"{v:.2g}", ha="center", va="center", fontsize=8,
                color=color, fontweight="bold" if bad else "normal")
    ax.set_xticks(range(len(kinds)), kinds, rotation=25, ha="left", fontsize=9)
    ax.set_yticks(range(len(layers)), layers, fontsize=8)
    ax.xaxis.tick_top()
    fig.suptitle("Worst headroom (error / tolerance) per layer and tensor kind, layers worst "
                 "first", fontsize=10, x=0.02, ha="left", y=1 - 0.12 / height, va="top")
    key_h = min(0.7, 2.0 / (height - 1.35))                   # the key: 2 inches tall
    cax = ax.inset_axes([1 + 0.25 / (width - 4.9), 1 - key_h, 0.18 / (width - 4.9), key_h])
    bar = fig.colorbar(im, cax=cax)
    cax.set_title(f"headroom\n(log scale;\n1 = the bound;\n< 1e{LOG_MIN}: lightest)",
                  fontsize=8, loc="left")
    bar.set_ticks(range(LOG_MIN, 1), labels=[f"1e{k}" if k else "1" for k in range(LOG_MIN, 1)])
    bar.ax.tick_params(labelsize=8)
    ax.legend(handles=[Patch(fc="white", ec="#999999", label="0: exact"),
                       Patch(fc=FAIL, label="> 1: fails"),
                       Patch(fc="#eeeeee", ec="#999999", label="no such tensor")],
              loc="upper left", bbox_to_anchor=(1.0, 1 - key_h - 0.15 / (height - 1.35)),
              fontsize=8, frameon=False)
    return b64(fig)


def accuracy_strip(rows: list[Row], layers: list[str], lo: float = 1e-2, hi: float = 1e3
                   ) -> str | None:
    """x: accuracy ratio of each float32 row (log), one line per layer in ``layers`` order."""
    by_layer: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.rule == "float32-ratio" and r.accuracy_ratio is not None:
            by_layer[r.layer].append(r)
    layers = [name for name in layers if name in by_layer]
    if not layers:
        return None
    rng = np.random.default_rng(0)                            # same jitter, same PNG
    fig = figure(12.0, 2.2 + 0.2 * len(layers))
    ax = fig.subplots()
    groups: dict[str, list[tuple[float, float]]] = {"pass": [], "floor": [], "fail": []}
    for i, name in enumerate(layers):
        for r in by_layer[name]:
            kind = "fail" if not r.passed else "floor" if r.accuracy_ratio > RATIO else "pass"
            groups[kind].append((min(max(r.accuracy_ratio, lo), hi), i + rng.uniform(-0.3, 0.3)))
    style = {"pass": dict(s=5, color="tab:blue", alpha=0.3,
                          label=f"passes, ratio <= {RATIO:g} (0, NumPy exact: at the left edge)"),
             "floor": dict(s=9, color="tab:orange", alpha=0.7,
                           label=f"passes above {RATIO:g}: within the floor (ulp-size errors)"),
             "fail": dict(s=30, color=FAIL, marker="x", label="fails")}
    for kind, pts in groups.items():
        if pts:
            x, y = np.array(pts).T
            ax.scatter(x, y, **style[kind])
    ax.axvline(1, color="grey", ls=":", lw=1, label="1: as accurate as torch")
    ax.axvline(RATIO, color="black", lw=1, label=f"{RATIO:g} x torch's error: the bound "
                                                   f"before the floor")
    ax.set_xscale("log")
    from matplotlib.ticker import NullLocator
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(lo / 1.5, hi * 1.5)
    ax.set_ylim(len(layers) - 0.5, -0.5)
    ax.set_yticks(range(len(layers)), layers, fontsize=8)
    ax.tick_params(axis="x", labelsize=9, labeltop=True, top=True)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_xlabel(f"accuracy ratio = NumPy float32 max abs error / torch float32 max abs error,"
                  f"\nboth against the float64 truth (log scale, clipped to [{lo:g}, {hi:g}])",
                  fontsize=9)
    ax.set_title("float32: NumPy's error over torch's, one dot per compared tensor, layers in "
                 "the summary's order", fontsize=10)
    fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    return b64(fig)


def ulp_histograms(rows: list[Row]) -> str:
    """Rows per max-ULP bin (powers of 2), per dtype; exact rows in their own '0' bar."""
    from matplotlib.ticker import NullLocator
    dtypes = sorted({r.dtype for r in rows})
    fig = figure(5.2 * max(len(dtypes), 1), 3.4)
    axes = np.atleast_1d(fig.subplots(1, max(len(dtypes), 1)))
    for ax, dtype in zip(axes, dtypes):
        mine = [r for r in rows if r.dtype == dtype and r.max_ulp is not None
                and r.rule != "exact"]
        capped = sum(ref0(r) for r in mine)
        ulps = np.array([r.max_ulp for r in mine if not ref0(r)], dtype=float)
        zero = int((ulps == 0).sum())
        ulps = ulps[ulps > 0]
        top = int(math.ceil(math.log2(ulps.max()))) + 1 if ulps.size else 1
        edges = 2.0 ** np.arange(0, top + 1)
        counts, _ = np.histogram(ulps, edges)
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="tab:blue",
               edgecolor="white", lw=0.5, label="rows")
        ax.bar([0.35], [zero], width=0.3, align="edge", color="tab:green", label="exact (0 ulp)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis in (ax.xaxis, ax.yaxis):           # minor ticks on log axes draw slowly
            axis.set_minor_locator(NullLocator())
        ax.set_ylim(0.7, max(counts.max(initial=0), zero, 1) * 2)
        ax.set_xlim(0.3, edges[-1] * 1.2)
        ax.set_xlabel("max ULP distance of a row (bins: powers of 2)", fontsize=9)
        ax.set_ylabel("rows (log scale)", fontsize=9)
        med = f"median {np.median(ulps):.0f} ulp" if ulps.size else "no inexact row"
        ax.set_title(f"{dtype}: {ulps.size + zero + capped} rows, {zero} exact, {med}\n"
                     f"{capped} rows whose reference is ~0 (ref ~ 0) not drawn", fontsize=9)
        ax.legend(fontsize=8)
    return b64(fig)


def training_figure(data: dict[str, Any]) -> Any:
    """Two panels: both loss curves, then their relative difference per step."""
    steps = np.asarray(data["steps"])
    ln, lt = np.asarray(data["numpy_loss"], float), np.asarray(data["torch_loss"], float)
    fig = figure(7.5, 5.2)
    a, b = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    a.plot(steps, lt, label="torch", lw=2.5, alpha=0.6)
    a.plot(steps, ln, label="numpy_layers", lw=1, ls="--")
    a.set_ylabel("cross-entropy loss", fontsize=9)
    acc = ", ".join(f"{who} {data[k]:.3f}" for who, k in (("numpy", "accuracy_numpy"),
                                                          ("torch", "accuracy_torch"))
                    if isinstance(data.get(k), (int, float)))
    a.set_title(f"training on scikit-learn's digits ({data.get('dtype', '?')})"
                + (f": held-out accuracy {acc}" if acc else ""), fontsize=10)
    a.legend(fontsize=9)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(ln - lt) / np.abs(lt)
    b.semilogy(steps, np.maximum(rel, 1e-18), lw=1, color="tab:purple")
    b.set_xlabel("training step", fontsize=9)
    b.set_ylabel("|numpy - torch| / |torch|\n(zero drawn at 1e-18)", fontsize=9)
    return fig


def batchnorm_histograms(x: np.ndarray, y_numpy: np.ndarray, y_torch: np.ndarray) -> Any:
    """Per channel: the input, numpy_layers' and torch's BatchNorm2d outputs, their difference."""
    fig = figure(11, 6.5)
    axes = fig.subplots(2, 2).ravel()
    panels = [(x, "input (per-channel mean and spread differ)"),
              (y_numpy, "after numpy_layers BatchNorm2d (train mode)"),
              (y_torch, "after torch.nn.BatchNorm2d (train mode)")]
    for ax, (data, title) in zip(axes, panels):
        bins = np.linspace(float(data.min()), float(data.max()), 121)   # shared by channels
        for c in range(data.shape[1]):
            ax.hist(data[:, c].ravel(), bins=bins, histtype="step", label=f"channel {c}")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("value", fontsize=9)
        ax.set_ylabel("pixels per bin (120 bins)", fontsize=9)
        ax.legend(fontsize=8)
    diff = np.abs(y_numpy.astype(np.float64) - y_torch.astype(np.float64)).ravel()
    unit = float(np.spacing(np.float32(np.abs(y_torch).max())))  # one ulp at the output's scale
    equal = int((diff == 0).sum())
    lo, hi = unit / 64, max(float(diff.max()), unit) * 2
    ax = axes[3]
    ax.hist(np.clip(diff, lo * 1.01, None), bins=np.logspace(math.log10(lo), math.log10(hi), 30),
            color="tab:purple")
    ax.axvline(unit, color="black", lw=1, label=f"1 float32 ulp of max|output| ({unit:.2g})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(f"|numpy - torch| per pixel: {equal} of {diff.size} equal (leftmost bar);\n"
                 f"the largest is {diff.max() / unit:.2g} ulp of max|output|", fontsize=10)
    ax.set_xlabel("absolute difference (log scale)", fontsize=9)
    ax.set_ylabel("pixels (log scale)", fontsize=9)
    ax.legend(fontsize=8)
    return fig
