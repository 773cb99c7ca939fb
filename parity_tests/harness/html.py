"""``parity_report.html``: one self-contained page (inline CSS and JS, plots as data URIs).

Sections: run header and complete/incomplete banner, summary per layer, plots, failures,
the rows with the least headroom, changes since a baseline, the optional training curve
(``training_digits.json``) and mutant kill table (``mutants.json``) found next to the
report, then every row per layer in collapsible tables. Click a column title to sort.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from . import plots
from .baseline import BaselineDiff, sections
from .report import layer_summary, ranked_rows
from .results import CaseResult, Row

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:12px}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer;position:sticky;top:0} td{font-variant-numeric:tabular-nums}
tr.fail td{background:#fde8e8} .banner{padding:.6em 1em;font-weight:bold;border-radius:4px}
.ok{background:#e6f4e6;color:#185c18} .bad{background:#fde8e8;color:#8a1010}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em} dt{font-weight:bold}
dd{margin:0;font-family:monospace;word-break:break-all} img{max-width:100%}
details{margin:.3em 0} summary{cursor:pointer}
"""

JS = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], col = th.cellIndex;
    var asc = th.getAttribute("data-dir") !== "asc";
    th.parentNode.querySelectorAll("th").forEach(function (h) { h.removeAttribute("data-dir"); });
    th.setAttribute("data-dir", asc ? "asc" : "desc");
    function key(row) {
      var t = row.cells[col].textContent.trim(), n = t === "inf" ? Infinity : Number(t);
      return t === "" || isNaN(n) ? t : n;
    }
    var rows = Array.prototype.slice.call(body.rows).map(function (r) { return [key(r), r]; });
    rows.sort(function (a, b) {
      var x = a[0], y = b[0], c;
      if (typeof x === typeof y) c = x < y ? -1 : x > y ? 1 : 0;
      else c = typeof x === "number" ? -1 : 1;
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r[1]); });
  });
});
"""

Col = tuple[str, Callable[[Any], Any]]
ROW_COLS: list[Col] = [
    ("case", lambda r: r.case), ("dtype", lambda r: r.dtype), ("mode", lambda r: r.mode),
    ("tensor", lambda r: r.tensor), ("max abs err", lambda r: r.max_abs_err),
    ("max rel err", lambda r: r.max_rel_err), ("ulp", lambda r: r.max_ulp),
    ("torch fp32 err", lambda r: r.torch_err), ("accuracy ratio", lambda r: r.accuracy_ratio),
    ("tolerance", lambda r: r.tolerance), ("headroom", lambda r: r.headroom),
    ("pass", lambda r: r.passed),
]


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "<td>yes</td>" if v else "<td><b>no</b></td>"
    if isinstance(v, float):
        return f"<td>{v:.3g}</td>"
    return "<td>-</td>" if v is None else f"<td>{escape(str(v))}</td>"


def table(cols: Sequence[str], rows: Iterable[Sequence[Any]], fails: Iterable[bool] = ()) -> str:
    """A sortable table; ``fails`` marks rows to highlight."""
    fails = list(fails)
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = []
    for i, row in enumerate(rows):
        cls = ' class="fail"' if i < len(fails) and fails[i] else ""
        body.append(f"<tr{cls}>" + "".join(_cell(v) for v in row) + "</tr>")
    return (f'<table class="sortable"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table>")


def row_table(rows: list[Row], with_layer: bool = False) -> str:
    cols = ([("layer", lambda r: r.layer)] if with_layer else []) + ROW_COLS
    return table([c for c, _ in cols], ([f(r) for _, f in cols] for r in rows),
                 [not r.passed for r in rows])


def _img(b64: str | None, alt: str) -> str:
    if b64 is None:
        return f"<p>({escape(alt)}: nothing to plot)</p>"
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{b64}"></p>'


def _header(header: dict[str, Any], complete: bool, n_runs: int, n_failed: int) -> str:
    banner = ("ok", "COMPLETE") if complete else ("bad", "INCOMPLETE RUN: only the runs that "
                                                  "finished are listed")
    verdict = "bad" if n_failed else "ok"
    blas = "; ".join(f"{b.get('internal_api')} {b.get('version') or ''} "
                     f"({b.get('num_threads')} threads, {b.get('architecture') or '-'})"
                     for b in header.get("blas", [])) or "unknown"
    items = [("command", header.get("command")), ("created", header.get("created")),
             ("commit", header.get("git_commit")), ("seed", header.get("seed")),
             ("versions", f"python {header.get('python')}, numpy {header.get('numpy')}, "
                          f"torch {header.get('torch')}"),
             ("BLAS", blas), ("CPU", f"{header.get('cpu')} ({header.get('cpu_count')} cores)"),
             ("threads", f"{header.get('workers')} workers x {header.get('torch_threads_per_worker')}"
                         f" torch thread(s)"),
             ("timeout", f"{header.get('timeout', '-')} s per run"),
             ("environment", json.dumps(header.get("env", {})))]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in items)
    return (f'<p class="banner {banner[0]}">{banner[1]}</p>'
            f'<p class="banner {verdict}">{n_runs} runs, {n_failed} failed</p><dl>{dl}</dl>')


def _failures(results: list[CaseResult]) -> str:
    items = [(r.layer, r.case, r.dtype, r.mode, "(run)", None, r.error)
             for r in results if r.error]
    items += [(w.layer, w.case, w.dtype, w.mode, w.tensor, w.headroom, w.message)
              for r in results for w in r.rows if not w.passed]
    if not items:
        return "<p>none</p>"
    return table(["layer", "case", "dtype", "mode", "tensor", "headroom", "message"], items,
                 [True] * len(items))


def _baseline(d: BaselineDiff) -> str:
    out = [f"<p>Baseline <code>{escape(d.path)}</code>; drift factor {d.factor:g}: rows whose "
           f"max abs error grew more than {d.factor:g}x are listed even when they pass.</p>",
           f"<p><b>{escape(d.summary_line())}</b></p>"]
    out += [f"<p>{escape(n)}</p>" for n in d.notes]
    for title, items, cols in sections(d):
        out.append(f"<h3>{escape(title)} ({len(items)})</h3>")
        out.append(table([c for c, _ in cols], ([e.get(k) for _, k in cols] for e in items))
                   if items else "<p>none</p>")
    return "\n".join(out)


def _read_optional(path: Path, check: Callable[[Any], bool], what: str) -> tuple[Any, str]:
    """(data, '') when ``path`` holds valid JSON for ``check``; (None, reason) otherwise."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return None, f"could not read {path.name}: {e}"
    return (data, "") if check(data) else (None, f"{path.name} is not {what}")


def _training(outdir: Path) -> str | None:
    path = outdir / "training_digits.json"
    if not path.exists():
        return None
    keys = ("steps", "numpy_loss", "torch_loss")
    data, err = _read_optional(path, lambda d: isinstance(d, dict) and all(
        isinstance(d.get(k), list) for k in keys) and len({len(d[k]) for k in keys}) == 1,
        "{steps, numpy_loss, torch_loss} lists of one length")
    if data is None:
        return f"<p>{escape(err)}</p>"
    acc = ", ".join(f"{k}: {data[k]:.4g}" for k in ("accuracy_numpy", "accuracy_torch")
                    if isinstance(data.get(k), (int, float)))
    return f"<p>dtype {escape(str(data.get('dtype', '?')))}; {escape(acc)}</p>" + _img(
        plots.loss_curve(data), "training loss: numpy_layers vs torch")


def _mutants(outdir: Path) -> str | None:
    path = outdir / "mutants.json"
    if not path.exists():
        return None
    cols = ["mutant", "layer", "bug", "caught", "first_failing", "worst_headroom"]
    data, err = _read_optional(path, lambda d: isinstance(d, list) and all(
        isinstance(m, dict) for m in d), "a list of mutant entries")
    if data is None:
        return f"<p>{escape(err)}</p>"
    caught = sum(bool(m.get("caught")) for m in data)
    return (f"<p>{caught} of {len(data)} deliberately wrong layers caught.</p>"
            + table(cols, ([m.get(c) for c in cols] for m in data),
                    [not m.get("caught") for m in data]))


def build_html(results: list[CaseResult], header: dict[str, Any], complete: bool,
               outdir: str | Path, baseline: BaselineDiff | None = None, worst: int = 50) -> str:
    """The whole page as one string."""
    outdir = Path(outdir)
    rows = [w for r in results for w in r.rows]
    n_failed = sum(not r.passed for r in results)
    summary = layer_summary(results)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>Parity report</title>", f"<style>{CSS}</style></head><body>",
             "<h1>Parity report</h1>", _header(header, complete, len(results), n_failed),
             "<p>Headroom is error / tolerance (a row passes when it is at most 1); the accuracy "
             "ratio is NumPy float32's error over torch float32's, both against the float64 "
             "truth. Click a column title to sort.</p>",
             "<h2>Summary per layer</h2>",
             table(["layer", "cases", "runs", "rows", "failed", "worst headroom", "worst tensor",
                    "worst fp32 accuracy ratio", "max ulp", "seconds"],
                   ([s["layer"], s["cases"], s["runs"], s["rows"], s["failed"],
                     s["worst_headroom"], s["worst_tensor"], s["worst_accuracy_ratio"],
                     s["max_ulp"], round(s["seconds"], 2)] for s in summary),
                   [s["failed"] > 0 for s in summary]),
             "<h2>Plots</h2>"]
    if rows:
        parts += [_img(plots.heatmap(rows), "worst headroom per layer and tensor kind"),
                  _img(plots.ulp_histograms(rows), "ULP error distribution per dtype"),
                  _img(plots.accuracy_scatter(rows), "NumPy vs torch float32 error per layer")]
    else:
        parts.append("<p>no rows</p>")
    parts += ["<h2>Failures</h2>", _failures(results)]
    least = ranked_rows(results)[:worst]
    parts += [f"<h2>The {len(least)} rows with the least headroom</h2>",
              row_table(least, with_layer=True)]
    if baseline is not None:
        parts += ["<h2>Changes since the baseline</h2>", _baseline(baseline)]
    for title, section in (("Training on digits", _training(outdir)),
                           ("Mutants: deliberately wrong layers", _mutants(outdir))):
        if section is not None:
            parts += [f"<h2>{title}</h2>", section]
    parts.append("<h2>Every row, per layer</h2><p>Passing checks that the inputs were left "
                 "unchanged are counted, not listed.</p>")
    for s in summary:
        lrows = [w for w in rows if w.layer == s["layer"]]
        shown = [w for w in lrows if not (w.passed and "unchanged" in w.tensor)]
        bad = sum(not w.passed for w in lrows)
        parts.append(f"<details><summary>{escape(s['layer'])}: {len(lrows)} rows, {bad} failing"
                     f" ({len(lrows) - len(shown)} unchanged-input checks passed)</summary>\n"
                     f"{row_table(shown)}\n</details>")
    parts += [f"<script>{JS}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"
