"""``parity_report.html``: one self-contained page (inline CSS and JS, plots as data URIs).

Verdict and table of contents first; then failures, the rows with the least headroom, the
summary per layer (worst first), plots, the optional training curve and mutant kill table
(``training_digits.json``, ``mutants.json`` next to the report), changes since a baseline,
every row per layer (built in the browser when a layer is opened, from gzipped JSON
embedded in the page) and the run details. Tables sort on a click on a column title, whose
tooltip says what the column means.
"""
from __future__ import annotations

import base64
import gzip
import json
from html import escape
from pathlib import Path
from typing import Any, Callable, Sequence

from . import plots, view
from .baseline import BaselineDiff, fmt, sections
from .html_assets import CSS, JS
from .results import CaseResult, Row

WORST = 25
Column = tuple[str, str, str]           # (title, tooltip, kind: see view.Col)


def _th(col: Column, sorted_desc: bool = False) -> str:
    title, tip, kind = col
    attrs = (f' class="{kind}"' if kind else "") + (f' title="{escape(tip)}"' if tip else "")
    attrs += ' aria-sort="descending"' if sorted_desc else ""
    return f"<th{attrs}>{escape(title)}</th>"


def table(cols: Sequence[Column], rows: Sequence[Sequence[str]], fails: Sequence[bool] = (),
          sorted_by: str | None = None, kind: str = "rows") -> str:
    """A sortable table of text cells; ``fails`` marks rows, ``sorted_by`` the column the
    rows come sorted by (worst first)."""
    head = "".join(_th(c, c[0] == sorted_by) for c in cols)
    body = []
    for i, row in enumerate(rows):
        cls = ' class="fail"' if i < len(fails) and fails[i] else ""
        body.append(f"<tr{cls}>" + "".join(
            f'<td class="{c[2]}">{escape(v)}</td>' if c[2] else f"<td>{escape(v)}</td>"
            for c, v in zip(cols, row)) + "</tr>")
    return (f'<table class="sortable {kind}"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(body) + "\n</tbody></table>")


def _row_cols(with_layer: bool) -> list[view.Col]:
    return ([view.LAYER_COLUMN] if with_layer else []) + view.ROW_COLUMNS


def _columns(cols: list[view.Col]) -> list[Column]:
    return [(t, view.help_for(f), n) for t, f, _, n in cols]


def row_table(rows: list[Row], with_layer: bool = False) -> str:
    cols = _row_cols(with_layer)
    return table(_columns(cols), [[c[2](r) for c in cols] for r in rows],
                 [not r.passed for r in rows], sorted_by="headroom")


def _img(b64: str | None, alt: str) -> str:
    if b64 is None:
        return f"<p>({escape(alt)}: nothing to plot)</p>"
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{b64}"></p>'


def _verdict(results: list[CaseResult], header: dict[str, Any], complete: bool) -> str:
    v = view.verdict(results, complete)
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(t)}</dd>" for k, t in v.worst_items())
    return (f'<section id="verdict" class="verdict {"ok" if v.passed else "bad"}">'
            f'<p class="big">{escape(v.line())}</p><dl>{items}</dl>'
            f"<p>{escape(view.provenance(header).replace('`', ''))}</p></section>")


def _contents(entries: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="#{a}">{escape(t)}</a></li>' for a, t in entries)
    return (f"<nav><b>Contents</b><ol>{items}</ol><p>Hover a column title for what it means; "
            f'every column is explained in the README, <a href="{view.README_COLUMNS}">Reading '
            f'a row of the report</a>. <label><input type="checkbox" id="failonly"> show '
            f"failing rows only</label></p></nav>")


def _failures(results: list[CaseResult]) -> str:
    items = [(r.layer, r.case, r.dtype, r.mode, "(run)", "-", r.error) for r in results if r.error]
    items += [(w.layer, w.case, w.dtype, w.mode, w.tensor, view.near(w.headroom, 1.0), w.message)
              for r in results for w in r.rows if not w.passed]
    if not items:
        return "<p>None: every run passed.</p>"
    cols = [("layer", view.help_for("layer"), ""), ("case", "", "t"), ("dtype", "", ""),
            ("mode", "", ""), ("tensor", view.help_for("tensor"), "t"),
            ("headroom", view.help_for("headroom"), "n"), ("message", "what failed", "t")]
    return table(cols, items, [True] * len(items))


def _summary(summary: list[dict[str, Any]]) -> str:
    cols = [(t, view.help_for(t), k) for t, k in view.SUMMARY_COLUMNS]
    return table(cols, [view.summary_cells(s) for s in summary],
                 [s["failed"] > 0 for s in summary], sorted_by="failed")


def _baseline(d: BaselineDiff) -> str:
    out = [f"<p>Baseline <code>{escape(d.path)}</code>; drift factor {d.factor:g}: rows whose "
           f"max abs error grew more than {d.factor:g}x are listed even when they pass.</p>",
           f"<p><b>{escape(d.summary_line())}</b></p>"]
    out += [f"<p>{escape(n)}</p>" for n in d.notes]
    for title, items, cols in sections(d):
        out.append(f"<h3>{escape(title)} ({len(items)})</h3>")
        out.append(table([(c, "", "t") for c, _ in cols],
                         [[fmt(e.get(k)) for _, k in cols] for e in items], kind="plain")
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
    return ("<p>A small LeNet trained in numpy_layers and in torch from the same weights and "
            "batches (<code>scripts/train_digits.py</code>).</p>"
            + _img(plots.b64(plots.training_figure(data)), "training loss: numpy_layers vs torch"))


def _mutants(outdir: Path) -> str | None:
    path = outdir / "mutants.json"
    if not path.exists():
        return None
    keys = ["mutant", "layer", "bug", "caught", "first_failing", "hint"]
    data, err = _read_optional(path, lambda d: isinstance(d, list) and all(
        isinstance(m, dict) for m in d), "a list of mutant entries")
    if data is None:
        return f"<p>{escape(err)}</p>"
    caught = sum(bool(m.get("caught")) for m in data)
    cols = [(k.replace("_", " "), "", "t") for k in keys]
    return (f"<p>{caught} of {len(data)} deliberately wrong layers caught.</p>"
            + table(cols, [[view.num(m.get(k)) for k in keys] for m in data],
                    [not m.get("caught") for m in data], kind="plain"))


# Rows listed per layer: every failing row, then the passing ones worst first up to this
# many. Measured: listing all 128,680 rows of a 20,548-run report made a 2.5 MB page (the
# committed reports then passed 5 MB); the rest are in the JSON.
LIST_MAX = 250


def _layer_data(results: list[CaseResult]) -> tuple[dict[str, str], dict[str, tuple[int, int, int]]]:
    """Per layer: its listed rows (worst first) as gzipped, base64 JSON of cell texts, and
    (rows, failing, rows not listed: passing unchanged-input checks and passing rows past
    ``LIST_MAX``)."""
    by_layer: dict[str, list[Row]] = {}
    for r in results:
        by_layer.setdefault(r.layer, []).extend(r.rows)
    blobs, counts = {}, {}
    for layer, rows in by_layer.items():
        shown = [w for w in rows if not (w.passed and "unchanged" in w.tensor)]
        shown.sort(key=lambda w: (w.passed, -(w.headroom if w.headroom is not None else -1)))
        shown = shown[:max(LIST_MAX, sum(not w.passed for w in shown))]
        cells = [[c[2](w) for c in view.ROW_COLUMNS] + [0 if w.passed else 1] for w in shown]
        raw = gzip.compress(json.dumps(cells, separators=(",", ":")).encode(), 9, mtime=0)
        blobs[layer] = base64.b64encode(raw).decode("ascii")
        counts[layer] = (len(rows), sum(not w.passed for w in rows), len(rows) - len(shown))
    return blobs, counts


def _every_row(summary: list[dict[str, Any]], counts: dict[str, tuple[int, int, int]]) -> str:
    head = "".join(_th(c, c[0] == "headroom") for c in _columns(view.ROW_COLUMNS))
    # One header for every layer's table, copied in when a layer is opened: written per
    # layer, its column tooltips made 420 kB of a 1.66 MB page.
    parts = [f'<template id="row-head"><tr>{head}</tr></template>',
             f"<p>Open a layer to list its rows, worst first: every failing row and the "
             f"{LIST_MAX} passing ones closest to their bound (passing unchanged-input checks "
             f"are counted, not listed). Every row is in <code>parity_report.json.gz</code>.</p>"]
    for s in sorted(summary, key=lambda s: s["layer"].lower()):
        n, bad, hidden = counts[s["layer"]]
        parts.append(f'<details class="layer{" hasfail" if bad else ""}" data-layer='
                     f'"{escape(s["layer"])}" data-rows="{n}" data-listed="{n - hidden}"><summary>{escape(s["layer"])}: {n} rows, {bad} '
                     f"failing ({hidden} passing rows not listed)</summary>"
                     f'<table class="sortable rows"><thead></thead><tbody>'
                     f'</tbody></table><p class="note">unpacking...</p><button hidden>show all listed '
                     f"rows</button></details>")
    return "\n".join(parts)


def _details(header: dict[str, Any]) -> str:
    blas = "; ".join(f"{b.get('internal_api')} {b.get('version') or ''} "
                     f"({b.get('num_threads')} threads, {b.get('architecture') or '-'})"
                     for b in header.get("blas", [])) or "unknown"
    src = "; ".join(f"{p}/: tree {d.get('tree')}{' (uncommitted changes)' if d.get('dirty') else ''}"
                    for p, d in (header.get("sources") or {}).items()) or "not recorded"
    items = [("command", header.get("command")), ("created", header.get("created")),
             ("commit", header.get("git_commit")), ("code content", src),
             ("seed", header.get("seed")),
             ("versions", f"python {header.get('python')}, numpy {header.get('numpy')}, "
                          f"torch {header.get('torch')}"),
             ("BLAS", blas), ("CPU", f"{header.get('cpu')} ({header.get('cpu_count')} cores)"),
             ("threads", f"{header.get('workers')} workers x "
                         f"{header.get('torch_threads_per_worker')} torch thread(s)"),
             ("timeout", f"{header.get('timeout', '-')} s per run"),
             ("environment", json.dumps(header.get("env", {})))]
    if header.get("seconds"):
        items.append(("wall time", f"{header['seconds']:.0f} s"))
    if header.get("shards"):
        items.append(("merged from", "; ".join(f"{s.get('file')} (shard {s.get('shard')}, "
                                               f"{s.get('cpu')}, {s.get('created')})"
                                               for s in header["shards"])))
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>"
                            for k, v in items) + "</dl>"


def build_html(results: list[CaseResult], header: dict[str, Any], complete: bool,
               outdir: str | Path, baseline: dict[str, Any] | None = None) -> str:
    """The whole page as one string."""
    outdir = Path(outdir)
    rows = [w for r in results for w in r.rows]
    summary = view.layer_summary(results)
    order = [s["layer"] for s in summary]
    n_fail = sum(not w.passed for w in rows) + sum(bool(r.error) for r in results)
    sections_: list[tuple[str, str, str]] = []          # (anchor, title, html)
    if n_fail:
        sections_.append(("failures", f"Failures ({n_fail})", _failures(results)))
    least = view.ranked_rows(results)[:WORST]
    sections_ += [("least-headroom", "Least headroom",
                   f"<p>The {len(least)} compared rows closest to their bound (headroom = "
                   f"error / tolerance; a row passes when it is at most 1).</p>"
                   + row_table(least, with_layer=True)),
                  ("summary", "Summary per layer", "<p>Worst first: failing layers, then by "
                   "worst headroom.</p>" + _summary(summary))]
    if rows:
        sections_.append(("plots", "Plots", "\n".join([
            '<h3 id="heatmap">Worst headroom per layer</h3>',
            _img(plots.heatmap(rows, order), "worst headroom per layer and tensor kind"),
            '<h3 id="accuracy">float32 accuracy against torch</h3>',
            _img(plots.accuracy_strip(rows, order), "accuracy ratio per float32 row and layer"),
            '<h3 id="ulp">ULP distances</h3>',
            _img(plots.ulp_histograms(rows), "max-ULP distribution per dtype")])))
    for anchor, title, section in (("training", "Training on digits", _training(outdir)),
                                   ("mutants", "Mutants: deliberately wrong layers",
                                    _mutants(outdir))):
        if section is not None:
            sections_.append((anchor, title, section))
    if baseline is not None:
        sections_.append(("baseline", "Changes since the baseline",
                          _baseline(BaselineDiff.from_dict(baseline))))
    blobs, counts = _layer_data(results)
    sections_ += [("rows", "Every row, per layer", _every_row(summary, counts)),
                  ("details", "Run details", _details(header))]
    v = view.verdict(results, complete)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>Parity report: {'PASS' if v.passed else 'FAIL'}</title>",
             f"<style>{CSS}</style></head><body>", "<h1>Parity report</h1>",
             _verdict(results, header, complete),
             _contents([(a, t) for a, t, _ in sections_])]
    parts += [f'<h2 id="{a}">{escape(t)}</h2>\n{h}' for a, t, h in sections_]
    data = json.dumps(blobs, separators=(",", ":")).replace("</", "<\\/")
    parts += [f'<script id="row-data" type="application/json">{data}</script>',
              f"<script>{JS}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"
