"""The command-line entry points run end to end."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from parity_tests.harness.report import JSON_NAME, load_report, row_dicts

ROOT = Path(__file__).resolve().parents[2]


def test_seed_examples_match_torch():
    out = subprocess.run([sys.executable, "scripts/seed_examples.py", "--no-plot"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "all examples match torch" in out.stdout
    assert out.stdout.count("OK  ") == 5


def test_report_cli_with_filters(tmp_path):
    out = subprocess.run([sys.executable, "-m", "parity_tests", "report", "--layer", "Linear",
                          "-k", "nobias", "-j", "2", "--out", str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    data = load_report(tmp_path / JSON_NAME)
    assert data["header"]["complete"] and data["summary"]["runs_failed"] == 0
    rows = row_dicts(data)
    runs = {(r["case"], r["dtype"]) for r in rows}
    assert runs and all(r["layer"] == "Linear" and "nobias" in r["case"] for r in rows)
    assert data["summary"]["runs"] == len(runs)
    assert (tmp_path / "parity_report.md").read_text().startswith("# Parity report")
    html = (tmp_path / "parity_report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "Linear" in html and "data:image/png;base64," in html


def test_readme_layer_and_column_tables_are_current():
    from parity_tests import readme
    text = (ROOT / "README.md").read_text()
    assert readme.current(text, "layer-table") == readme.layer_table(), f"run: {readme.COMMAND}"
    assert readme.current(text, "columns") == readme.columns_table(), f"run: {readme.COMMAND}"


def test_readme_usage_and_optimiser_examples_run(tmp_path):
    """The README's 'Using the layers' and 'Optimisers' code runs as printed."""
    import re
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    usage = next(b for b in blocks if "nl.Sequential(" in b and "named_grads" in b)
    training = next(b for b in blocks if "optim.SGD" in b)
    script = tmp_path / "readme_example.py"
    script.write_text(usage + "\n" + training + "\nassert loss.dtype == np.float32\n"
                      "print('ran', float(loss))\n")
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0 and "ran" in out.stdout, out.stdout + out.stderr
