"""The torch-sample source: skipped with a reason when torch's internals are unusable, and
its status in the report header."""
from __future__ import annotations

import sys

from parity_tests import torch_samples
from parity_tests.harness.markdown import to_markdown
from parity_tests.cli import report_header


def test_missing_internal_modules_skip_the_source_with_the_reason(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.testing._internal.common_modules", None)
    specs, st = torch_samples.load.__wrapped__(cache=False)
    assert specs == () and st["state"] == "skipped"
    assert "common_modules" in st["reason"]


def test_a_changed_internal_api_skips_the_source(monkeypatch):
    import torch.testing._internal.common_modules as cm
    monkeypatch.setattr(cm, "module_db", [object()])
    specs, st = torch_samples.load.__wrapped__(cache=False)
    assert specs == () and st["state"] == "skipped" and "AttributeError" in st["reason"]


def test_the_report_header_and_markdown_show_the_source():
    header = report_header(seed=0, jobs=1, timeout=5.0, argv=["report"])
    st = header["torch_samples"]
    assert st["state"] in ("ran", "skipped")
    md = to_markdown([], header, True)
    assert "torch's own samples" in md
    if st["state"] == "ran":
        assert st["layers"]["MaxPool2d"]["samples"] > 0
        assert "complex input" in md or any(v["unsupported"] for v in st["layers"].values())
