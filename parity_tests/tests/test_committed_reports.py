"""The reports committed in reports/: made from the code as it is now, light, portable, and
what the README's headline says."""
from __future__ import annotations

import gzip
import re
import subprocess
from pathlib import Path

import pytest

from parity_tests import readme
from parity_tests.harness import sources
from parity_tests.harness.report import JSON_NAME, load_report

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"
REPORT = REPORTS / JSON_NAME
# An absolute path: '/' after a space, quote or bracket, then at least one more '/'.
ABSOLUTE = re.compile(r"""(?:^|[\s"'`(=\[,])/(?:[\w.+-]+/)+[\w.+-]*""")


def test_committed_report_matches_the_code():
    current = sources.working_trees()
    if current is None:
        pytest.skip("not a git checkout: the code's content cannot be compared")
    header = load_report(REPORT)["header"]
    stale = sources.stale_parts(header.get("sources") or {}, current)
    assert not stale, (
        f"reports/ describe other code than this checkout's {', '.join(p + '/' for p in stale)} "
        f"(the report was made from commit {str(header.get('git_commit'))[:12]}): run "
        f"`{sources.UPDATE_COMMAND}` and commit reports/ and README.md")


def test_readme_headline_is_the_committed_reports():
    text = (ROOT / "README.md").read_text()
    assert readme.current(text, "headline") == readme.headline(load_report(REPORT)), \
        f"run: {readme.COMMAND} (make report does)"


def _committed() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "reports"], cwd=ROOT, capture_output=True, text=True)
    names = out.stdout.split() if out.returncode == 0 else []
    return [ROOT / n for n in names if (ROOT / n).is_file()] or [
        p for p in REPORTS.iterdir() if p.is_file()]


def test_committed_reports_are_light_and_hold_no_absolute_path():
    files = _committed()
    assert sum(p.stat().st_size for p in files) < 5e6
    assert (REPORTS / "parity_report.html").stat().st_size <= 2.1e6
    assert not (REPORTS / "parity_report.json").exists(), "the JSON is written gzipped"
    raw = gzip.decompress(REPORT.read_bytes())
    assert b"\n" not in raw[:10000], "the JSON is compact"
    for path in files:
        if path.suffix in (".png",):
            continue
        text = (gzip.decompress(path.read_bytes()) if path.suffix == ".gz"
                else path.read_bytes()).decode()
        text = re.sub(r"data:image/png;base64,[^\"]+|<script[^>]*>.*?</script>", "", text,
                      flags=re.S)
        assert not ABSOLUTE.findall(text), (path.name, ABSOLUTE.findall(text)[:3])


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


def test_working_trees_follow_content_not_commits(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "numpy_layers").mkdir(parents=True)
    (repo / "parity_tests" / "specs").mkdir(parents=True)
    (repo / "numpy_layers" / "a.py").write_text("x = 1\n")
    (repo / "parity_tests" / "specs" / "s.py").write_text("SPEC = 1\n")
    (repo / ".gitignore").write_text("*.pyc\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "one")
    monkeypatch.setattr(sources, "ROOT", repo)
    made = sources.sources()
    assert not any(d["dirty"] for d in made.values())
    current = sources.working_trees()
    assert sources.stale_parts(made, current) == []
    (repo / "numpy_layers" / "a.pyc").write_text("ignored")
    assert sources.stale_parts(made, sources.working_trees()) == []
    (repo / "numpy_layers" / "a.py").write_text("x = 2\n")           # an edit, not committed
    assert sources.stale_parts(made, sources.working_trees()) == ["numpy_layers"]
    assert sources.sources()["numpy_layers"]["dirty"]
    _git(repo, "commit", "-q", "-am", "two")                         # committing changes nothing
    assert sources.stale_parts(made, sources.working_trees()) == ["numpy_layers"]
    (repo / "numpy_layers" / "a.py").write_text("x = 1\n")           # same content: current
    (repo / "parity_tests" / "specs" / "new.py").write_text("")      # untracked files count
    assert sources.stale_parts(made, sources.working_trees()) == ["parity_tests/specs"]
    out = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True,
                         text=True).stdout
    assert "new.py" in out and "A " not in out, "the real index is left alone"
