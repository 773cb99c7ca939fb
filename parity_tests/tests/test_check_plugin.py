"""The pytest plugin: another repository declares its layers and gets parity items."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from parity_tests.harness.report import load_report, row_dicts

pytest_plugins = ["pytester"]

EX = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def repo(pytester):
    pytester.mkpydir("mylib")
    shutil.copy(EX / "tutorial_layers.py", pytester.path / "mylib" / "layers.py")
    return pytester


def test_layers_declared_in_pyproject_run_as_items(repo, tmp_path):
    repo.makefile(".toml", pyproject='[tool.parity_tests]\nlayers = {"mylib/layers.py:Layer_Dense" '
                                     '= "torch.nn.Linear", "mylib/layers.py:Affine" = '
                                     '{ref = "torch.nn.Linear", dtypes = ["float64"]}}\n')
    junit = tmp_path / "junit.xml"
    res = repo.runpytest_subprocess("-k", "in5_out3 or x4x17", f"--junitxml={junit}",
                                    "--parity-report", str(tmp_path / "report"), "-p", "no:cacheprovider")
    # Layer_Dense: 3 cases x 2 dtypes; Affine: 3 cases x float64
    res.assert_outcomes(passed=9)
    xml = junit.read_text()
    assert "Layer_Dense-vs-torch.nn.Linear" in xml and "in5_out3_x10x5-float32-train" in xml
    rows = row_dicts(load_report(tmp_path / "report" / "parity_report.json.gz"))
    assert {r["layer"] for r in rows} == {"Layer_Dense", "Affine"}
    assert len({(r["layer"], r["case"], r["dtype"]) for r in rows}) == 9


def test_layers_declared_in_conftest_fail_with_hints_and_skip_what_is_not_covered(repo):
    repo.makeconftest('parity_layers = {"mylib/layers.py:BuggyLayer_Dense": "torch.nn.Linear"}\n')
    res = repo.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    outcomes = res.parseoutcomes()
    assert outcomes["failed"] == 8 and outcomes["passed"] == 8 and outcomes["skipped"] == 4
    res.stdout.fnmatch_lines(["*grad_bias*beyond tolerance*", "*hint: grad_bias is torch's times*",
                              "*SKIPPED*not covered: 3-D input*"])


def test_items_spread_over_workers(repo):
    repo.makefile(".toml", pyproject='[tool.parity_tests]\nlayers = {"mylib/layers.py:Relu" = '
                                     '"torch.nn.ReLU"}\n')
    res = repo.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=14)


def test_inert_without_declared_layers(repo):
    repo.makepyfile(test_plain="def test_one():\n    assert True\n")
    repo.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
