"""What the report pages show: digits near a bound, "ref ~ 0", the floor beside a ratio
above 4, worst first, the verdict on top, explained columns, rows embedded for the browser;
and a JSON that git stores as a small delta when one layer changes."""
from __future__ import annotations

import base64
import difflib
import gzip
import json
import re

import numpy as np
import pytest

from parity_tests.harness import view
from parity_tests.harness.compare import MAX_ULPS, compare
from parity_tests.harness.html import build_html
from parity_tests.harness.markdown import to_markdown
from parity_tests.harness.report import dumps
from parity_tests.harness.results import CaseResult, Row
from parity_tests.harness.tolerance import RATIO


@pytest.mark.parametrize("value,bound", [(0.999999999, 1.0), (3.99999999963, RATIO),
                                         (1.0000001, 1.0), (4.00002, RATIO), (0.9995, 1.0)])
def test_a_value_near_its_bound_keeps_the_digits_that_place_it(value, bound):
    text = view.near(value, bound)
    assert (float(text) < bound) == (value < bound) and (float(text) > bound) == (value > bound)
    assert float(text) != bound


def test_near_is_short_away_from_the_bound_and_exact_on_it():
    assert view.near(0.46882525583039264, 1.0) == "0.469"
    assert view.near(1.0, 1.0) == "1" and view.near(None, 1.0) == "-"
    rng = np.random.default_rng(0)
    for v in 1 + rng.standard_normal(2000) * 10.0 ** rng.uniform(-15, -1, 2000):
        assert (float(view.near(v, 1.0)) <= 1) == (v <= 1), v


def _row(**kw) -> Row:
    base = dict(layer="L", case="c", dtype="float32", mode="train", tensor="output", passed=True)
    return Row(**{**base, **kw})


def test_ulp_of_a_zero_reference_shows_as_ref_0():
    zero = compare("output", np.full(4, 1e-9, np.float32), np.zeros(4), np.float32,
                   torch_value=np.zeros(4, np.float32))
    assert zero.max_ulp == MAX_ULPS and view.ulp(zero) == view.REF0
    # float64: a reference of 1e-30 under an absolute tolerance of 1e-7 is ~0 as well
    tiny = compare("output", np.full(3, 1e-12), np.full(3, 1e-30), np.float64)
    assert tiny.passed and tiny.max_ulp > 2 ** 40 and view.ulp(tiny) == view.REF0
    normal = compare("output", np.float32([1.0, 2.0000002]), np.array([1.0, 2.0]), np.float32,
                     torch_value=np.float32([1.0, 2.0]))
    assert view.ulp(normal) == str(normal.max_ulp) and normal.max_ulp < 10


def test_a_ratio_above_4_that_passes_shows_its_floor():
    row = _row(rule="float32-ratio", accuracy_ratio=11.2, torch_err=1e-9, tolerance=4e-9 + 3e-8,
               max_abs_err=1.12e-8)
    assert view.ratio(row) == "11.2 (floor 3e-08)"
    assert view.ratio(_row(rule="float32-ratio", accuracy_ratio=2.0, torch_err=1e-9,
                           tolerance=5e-9)) == "2"
    failing = _row(passed=False, rule="float32-ratio", accuracy_ratio=50.0, torch_err=1e-9,
                   tolerance=4e-9 + 1e-10)
    assert view.ratio(failing) == "50"


def _results() -> list[CaseResult]:
    def run(layer, headrooms, error=""):
        rows = [_row(layer=layer, tensor=f"t{i}", headroom=h, passed=h <= 1, max_abs_err=h,
                     tolerance=1.0, rule="float64-close", dtype="float64", max_ulp=3)
                for i, h in enumerate(headrooms)]
        return CaseResult(layer, "c", "float64", "train", rows, error)
    return [run("Alpha", [0.1, 0.2]), run("Beta", [0.999999999]), run("Gamma", [0.5, 3.0]),
            run("Delta", [0.3], error="NumPy forward raised ValueError: boom")]


def test_summary_is_worst_first_and_the_verdict_names_the_worst_row():
    results = _results()
    # failing layers first (by worst headroom among them), then the passing ones
    assert [s["layer"] for s in view.layer_summary(results)] == ["Gamma", "Delta", "Beta", "Alpha"]
    v = view.verdict(results, complete=True)
    assert not v.passed and v.runs_failed == 2 and v.runs_errored == 1 and v.rows_failed == 1
    assert v.worst.layer == "Gamma" and v.worst.headroom == 3.0
    assert v.line().startswith("FAIL: 4 runs of 4 layers, 2 failed (1 stopped with an error)")
    ok = view.verdict(results[:2], complete=True)
    items = dict(ok.worst_items())
    assert ok.passed and items["headroom"].startswith("0.999999999 ") and "1e-09" in items["headroom"]


def test_markdown_and_html_put_the_verdict_first_and_explain_every_column(tmp_path):
    results = _results()
    header = {"git_commit": "abc", "created": "now", "sources": {}}
    md = to_markdown(results, header, True)
    assert md.index("**FAIL") < md.index("Contents") < md.index("## Failures") \
        < md.index("## Least headroom") < md.index("## Summary per layer")
    assert view.README_COLUMNS in md and "0.999999999" in md
    page = build_html(results, header, True, tmp_path)
    assert page.index('id="verdict"') < page.index("<nav>") < page.index('id="failures"') \
        < page.index('id="least-headroom"') < page.index('id="summary"')
    for anchor in re.findall(r'<a href="#([\w-]+)"', page):
        assert f'id="{anchor}"' in page, anchor
    heads = re.findall(r"<th([^>]*)>([^<]+)</th>", page)
    untitled = {t for attrs, t in heads if "title=" not in attrs}
    assert untitled <= {"case", "dtype", "mode", "message", "mutant", "bug", "caught",
                        "first failing", "hint"}, untitled
    assert f'href="{view.README_COLUMNS}"' in page and 'id="failonly"' in page
    assert 'aria-sort="descending">headroom' in page        # worst first, marked as such


def test_rows_are_embedded_compressed_worst_first_per_layer(tmp_path):
    page = build_html(_results(), {}, True, tmp_path)
    blobs = json.loads(re.search(r'<script id="row-data" type="application/json">(.*?)</script>',
                                 page, re.S).group(1))
    gamma = json.loads(gzip.decompress(base64.b64decode(blobs["Gamma"])))
    cols = [c[0] for c in view.ROW_COLUMNS]
    assert [r[cols.index("headroom")] for r in gamma] == ["3", "0.5"]
    assert [r[-1] for r in gamma] == [1, 0]                   # failing flag
    assert 'data-layer="Gamma" data-rows="2" data-listed="2"' in page


def test_a_changed_layer_changes_only_its_own_bytes_of_the_json():
    rows = {"layer": [name for name in "ABC" for _ in range(200)], "v": [i / 7 for i in range(600)],
            "t": [f"t{i % 13}" for i in range(600)]}
    data = {"header": {"created": "1"}, "rows": rows}
    changed = json.loads(json.dumps(data))
    changed["header"]["created"] = "2"
    changed["rows"]["v"][250] += 1                            # one value of layer B
    a, b = dumps(data), dumps(changed)
    assert json.loads(gzip.decompress(b)) == changed
    assert gzip.decompress(a) == json.dumps(data, separators=(",", ":")).encode()
    same = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    # plain gzip shares ~20% of its bytes here; the pieces of A, C and B's 't' are unchanged
    assert sum(m.size for m in same) > 0.75 * len(b)
