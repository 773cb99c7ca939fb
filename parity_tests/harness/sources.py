"""Where a report comes from: the git commit and the content of the code it describes.

A report is made before the commit that adds it, so commit order says little; content does.
``working_trees`` hashes the working tree of numpy_layers/ and parity_tests/ the way git
would commit it (untracked files included, ignored ones not), in a temporary index that
leaves the real one alone. The report header records these hashes; a test compares them
with the checkout's (``stale_parts``). ``portable_path`` keeps this machine's absolute
paths out of every report.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Recorded in the header; the report is stale when the first two change.
RECORDED = ("numpy_layers", "parity_tests/specs", "parity_tests")
STALE_WHEN = ("numpy_layers", "parity_tests/specs")
UPDATE_COMMAND = "make report"


def _git(*args: str, env: dict[str, str] | None = None) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                             timeout=60, env=env)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit() -> str:
    """HEAD's commit hash, or 'unknown' outside a git checkout."""
    return _git("rev-parse", "HEAD") or "unknown"


def working_trees(paths: tuple[str, ...] = RECORDED) -> dict[str, str] | None:
    """{path: git tree hash of its content in the working tree}; None without git."""
    if _git("rev-parse", "--is-inside-work-tree") != "true":
        return None
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        if _git("read-tree", "HEAD", env=env) is None \
                or _git("add", "-A", "--", *paths, env=env) is None:
            return None
        tree = _git("write-tree", env=env)
    if tree is None:
        return None
    return {p: _git("rev-parse", f"{tree}:{p}") or "absent" for p in paths}


def sources() -> dict[str, Any]:
    """The header's ``sources``: per recorded path, its working-tree hash and whether it
    differs from the commit (uncommitted changes when the report was made)."""
    trees = working_trees()
    if trees is None:
        return {}
    return {p: {"tree": t, "dirty": t != (_git("rev-parse", f"HEAD:{p}") or "absent")}
            for p, t in trees.items()}


def stale_parts(recorded: dict[str, Any], current: dict[str, str]) -> list[str]:
    """The STALE_WHEN paths whose recorded content differs from ``current``."""
    return [p for p in STALE_WHEN
            if (recorded.get(p) or {}).get("tree") != current.get(p)]


def portable_path(path: str) -> str:
    """A path as a report may show it: relative to the repository or the current folder
    when inside them, else '.../' and its last part (never this machine's absolute path)."""
    if not os.path.isabs(path):
        return path
    p = Path(path)
    for base in (ROOT, Path.cwd()):
        try:
            return str(p.resolve().relative_to(base.resolve())) or "."
        except ValueError:
            continue
    return f".../{p.name}"


def portable_argv(argv: list[str]) -> list[str]:
    """Command-line arguments with absolute paths (also in ``--opt=/path``) made portable."""
    out = []
    for a in argv:
        opt, eq, val = a.partition("=")
        out.append(f"{opt}={portable_path(val)}" if eq and opt.startswith("-")
                   else portable_path(a))
    return out
