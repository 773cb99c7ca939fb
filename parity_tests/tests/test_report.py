"""The tolerance report: JSON, Markdown and HTML; dying and hanging workers; interruption;
comparison with a baseline."""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from parity_tests.harness.baseline import BaselineError, diff, load_baseline
from parity_tests.cli import main as cli_main
from parity_tests.specs import load as load_specs
from parity_tests.harness.pages import write_report
from parity_tests.harness.report import (JSON_NAME, SCHEMA_VERSION, load_report, row_dicts,
                                         run_header, to_json)
from parity_tests.harness.runner import run_case

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10

# Specs written to a file outside the package, as a user would: one correct layer, layers
# whose worker dies (exit code 3, segfault) and one that hangs.
SPECS = textwrap.dedent('''
    import os, signal, time
    import torch
    import numpy_layers as nl
    from parity_tests.harness.spec import Case, ParitySpec

    CASE = Case("in6_out6_x4x6", dict(in_features=6, out_features=6), ((4, 6),))

    class Exits(nl.Linear):
        def forward(self, x):
            os._exit(3)

    class Segfaults(nl.Linear):
        def forward(self, x):
            os.kill(os.getpid(), signal.SIGSEGV)

    class Sleeps(nl.Linear):
        def forward(self, x):
            time.sleep(600)

    class TransposedGrad(nl.Linear):
        def backward(self, grad_output=None):
            dx = super().backward(grad_output)
            self._grads["weight"] = self._grads["weight"].T.copy()
            return dx

    def spec(name, cls, dtypes=("float64",)):
        return ParitySpec(name=name, torch_module=lambda c: torch.nn.Linear(**c.params),
                          numpy_module=lambda c, dt: cls(**c.params, dtype=dt), cases=[CASE],
                          dtypes=dtypes)

    SPECS = [spec("AGood", nl.Linear, ("float32", "float64")), spec("DiesExit", Exits),
             spec("DiesSegv", Segfaults), spec("Sleeps", Sleeps),
             spec("Transposed", TransposedGrad)]
''')


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("specs") / "user_specs.py"
    path.write_text(SPECS)
    return path


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parity_tests", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, **kw)


class Page(HTMLParser):
    """Collects what the tests look for: tables, section titles, images, links."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables, self.h2, self.imgs, self.urls, self.text = 0, [], [], [], []
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tables += tag == "table"
        self._in_h2 = tag == "h2"
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_endtag(self, tag):
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h2:
            self.h2.append(data.strip())


def _png_uris(page: Page) -> list[bytes]:
    prefix = "data:image/png;base64,"
    assert all(src.startswith(prefix) for src in page.imgs), "every plot is an inline PNG"
    return [base64.b64decode(src[len(prefix):]) for src in page.imgs]


@pytest.fixture(scope="module")
def broken_run(spec_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("broken")
    res = cli("report", "--specs", str(spec_file), "--layer", "AGood", "--layer", "DiesExit",
              "--layer", "DiesSegv", "--layer", "Sleeps", "-j", "2", "--timeout", str(TIMEOUT),
              "--out", str(out))
    return res, out


def test_dying_and_hanging_workers_become_failures_and_the_run_completes(broken_run):
    res, out = broken_run
    assert res.returncode == 1, res.stdout + res.stderr
    data = load_report(out / JSON_NAME)
    data["rows"] = row_dicts(data)
    assert data["header"]["complete"] and data["header"]["timeout"] == TIMEOUT
    assert data["summary"]["runs"] == 5 and data["summary"]["runs_failed"] == 3
    errors = {e["layer"]: e["error"] for e in data["errors"]}
    assert errors["DiesExit"] == "worker died (exit code 3)"
    assert errors["DiesSegv"] == "worker died (exit code -11, signal SIGSEGV)"
    assert errors["Sleeps"] == f"timed out after {TIMEOUT} s (worker killed)"
    # The correct layer ran on both dtypes in the replaced workers' company and passed.
    good = [r for r in data["rows"] if r["layer"] == "AGood"]
    assert {r["dtype"] for r in good} == {"float32", "float64"} and all(r["passed"] for r in good)
    assert {r["layer"] for r in data["rows"]} == {"AGood"}
    # Per-worker files were merged into one and removed.
    partial = out / ".partial"
    assert not list(partial.glob("rows-*.jsonl"))
    merged = [json.loads(line) for line in (partial / "rows.jsonl").read_text().splitlines()]
    assert len(merged) == 5 and sum(len(m["rows"]) for m in merged) == len(data["rows"])
    text = " ".join(Page((out / "parity_report.html").read_text()).text)
    assert "worker died (exit code 3)" in text and "timed out after" in text
    assert "worker died (exit code 3)" in (out / "parity_report.md").read_text()


def test_json_md_and_html_of_a_run(spec_file, tmp_path):
    (tmp_path / "training_digits.json").write_text(json.dumps(
        {"steps": [0, 1, 2], "numpy_loss": [2.3, 1.1, 0.5], "torch_loss": [2.3, 1.1, 0.5],
         "dtype": "float32", "accuracy_numpy": 0.9, "accuracy_torch": 0.9}))
    (tmp_path / "mutants.json").write_text(json.dumps(
        [{"mutant": "biased_var", "layer": "BatchNorm2d", "bug": "biased running_var",
          "caught": True, "first_failing": "running_var", "worst_headroom": 80.0}]))
    specs = {s.name: s for s in load_specs(str(spec_file))}
    results = [run_case(specs[name], specs[name].cases[0], dtype, "train")
               for name, dtype in [("AGood", "float32"), ("AGood", "float64"),
                                   ("Transposed", "float64")]]
    paths = write_report(results, tmp_path, run_header(0, 1, 5.0))
    data = load_report(paths["json"])
    assert data["header"]["schema_version"] == SCHEMA_VERSION
    assert data["summary"] == {"runs": 3, "runs_failed": 1, "rows": sum(len(r.rows) for r in results),
                               "rows_failed": 1}
    rows = row_dicts(data)
    assert len(rows) == data["summary"]["rows"]
    assert [r["tensor"] for r in rows if not r["passed"]] == ["grad_weight"]
    page = Page(paths["html"].read_text())
    assert page.h2 == ["Failures (1)", "Least headroom", "Summary per layer", "Plots",
                       "Training on digits", "Mutants: deliberately wrong layers",
                       "Every row, per layer", "Run details"]
    # failures, least headroom, summary, mutants, one per layer (filled when opened)
    assert page.tables == 4 + 2
    pngs = _png_uris(page)
    assert len(pngs) == 4 and all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    assert not [u for u in page.urls if "://" in u], "the page must open offline"
    text = " ".join(page.text)
    assert "COMPLETE" in text and "1 of 1 deliberately wrong layers caught" in text
    assert "grad_weight" in paths["md"].read_text()


def test_interrupted_run_writes_an_incomplete_report(spec_file, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "parity_tests", "report", "--specs",
                             str(spec_file), "--layer", "AGood", "--layer", "Sleeps", "-j", "1",
                             "--out", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 200
    partial = tmp_path / ".partial"
    while time.monotonic() < deadline:      # both AGood runs written: the worker now sleeps
        if sum(len(p.read_text().splitlines()) for p in partial.glob("rows-*.jsonl")) == 2:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stdout + stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    data = load_report(tmp_path / JSON_NAME)
    assert not data["header"]["complete"]
    assert data["summary"]["runs"] == 2 and set(data["rows"]["layer"]) == {"AGood"}
    assert "INCOMPLETE RUN" in (tmp_path / "parity_report.md").read_text()
    assert "INCOMPLETE RUN" in " ".join(Page((tmp_path / "parity_report.html").read_text()).text)


def _baseline_of(spec_file, names_dtypes) -> tuple[dict, list]:
    specs = {s.name: s for s in load_specs(str(spec_file))}
    results = [run_case(specs[n], specs[n].cases[0], d, "train") for n, d in names_dtypes]
    data = json.loads(json.dumps(to_json(results, run_header(0, 1), True)))
    return {**data, "rows": row_dicts(data)}, results


def test_baseline_diff_finds_growth_new_failures_and_missing_rows(spec_file):
    base, results = _baseline_of(spec_file, [("AGood", "float64"), ("AGood", "float32")])
    out_row = next(r for r in base["rows"] if r["tensor"] == "output" and r["dtype"] == "float64")
    out_row["max_abs_err"] /= 1000                       # the error "grew" 1000x since
    gone = dict(out_row, tensor="grad_extra")           # a row the current run lacks
    broken = dict(next(r for r in base["rows"] if r["tensor"] == "grad_weight"),
                  layer="Transposed")                   # passed in the baseline
    base["rows"] += [gone, broken]
    specs = {s.name: s for s in load_specs(str(spec_file))}
    now = results + [run_case(specs["Transposed"], specs["Transposed"].cases[0], "float64", "train")]
    d = diff(base, now, lambda key: True, 2.0, "base.json")
    grown = {(e["layer"], e["dtype"], e["tensor"]): e["passed"] for e in d.grew
             if e["growth"] > 100}
    # listed even though it passes; the broken gradient's error grew too
    assert grown == {("AGood", "float64", "output"): True,
                     ("Transposed", "float64", "grad_weight"): False}
    assert [(e["layer"], e["tensor"], e["was"]) for e in d.newly_failing] == [
        ("Transposed", "grad_weight", "passed")]
    assert [(e["layer"], e["tensor"]) for e in d.disappeared] == [("AGood", "grad_extra")]
    assert d.compared == sum(len(r.rows) for r in results) + 1
    assert not diff(base, now, lambda key: key[0] != "AGood", 2.0).disappeared


def test_baseline_cli_reports_drift(spec_file, tmp_path):
    base, _ = _baseline_of(spec_file, [("AGood", "float64"), ("AGood", "float32")])
    row = next(r for r in base["rows"] if r["tensor"] == "grad_input" and r["dtype"] == "float32")
    row["max_abs_err"] /= 1000
    (tmp_path / "base.json").write_text(json.dumps(base))
    out = tmp_path / "out"
    res = cli("report", "--specs", str(spec_file), "--layer", "AGood", "-j", "1", "--out",
              str(out), "--baseline", str(tmp_path / "base.json"), "--drift-factor", "3")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "baseline" in res.stdout and "0 newly failing, 0 disappeared" in res.stdout
    data = load_report(out / JSON_NAME)
    assert data["baseline"]["drift_factor"] == 3.0
    assert ("float32", "grad_input") in {(e["dtype"], e["tensor"]) for e in data["baseline"]["grew"]}
    assert "## Changes since the baseline" in (out / "parity_report.md").read_text()
    assert "Changes since the baseline" in Page((out / "parity_report.html").read_text()).h2


@pytest.mark.parametrize("content,message", [
    ("{not json", "is not a JSON report"),
    ("[1, 2]", "is not a parity report"),
    (json.dumps({"header": {"schema_version": 99}, "rows": []}), "has schema_version 99"),
    (json.dumps({"header": {"schema_version": SCHEMA_VERSION}, "rows": [{"layer": "X"}]}),
     "row 0 lacks case"),
    (json.dumps({"header": {"schema_version": SCHEMA_VERSION}, "rows": {"layer": ["X"]}}),
     "rows lack the columns case"),
])
def test_corrupt_baseline_exits_2_with_a_message(tmp_path, content, message):
    path = tmp_path / "base.json"
    path.write_text(content)
    with pytest.raises(BaselineError, match=message):
        load_baseline(path, SCHEMA_VERSION)
    res = cli("report", "--layer", "Linear", "--out", str(tmp_path / "out"), "--baseline", str(path))
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_missing_baseline_is_a_clear_error(tmp_path):
    res = cli("report", "--baseline", str(tmp_path / "nope.json"), "--out", str(tmp_path))
    assert res.returncode == 2 and "cannot read baseline" in res.stderr
    assert "Traceback" not in res.stderr


def test_check_and_mutants_are_dispatched_with_the_rest_of_the_arguments(monkeypatch):
    from parity_tests import cli
    seen = {}
    monkeypatch.setattr(cli.check, "main", lambda argv: seen.setdefault("check", argv) and 7)
    monkeypatch.setattr(cli.mutants, "main", lambda argv: seen.setdefault("mutants", argv) and 0)
    assert cli_main(["check", "my.py:MyConv", "--ref", "torch.nn.Conv2d"]) == 7
    assert seen["check"] == ["my.py:MyConv", "--ref", "torch.nn.Conv2d"]
    assert cli_main(["mutants", "--out", "somewhere"]) == 0
    assert seen["mutants"] == ["--out", "somewhere"]
