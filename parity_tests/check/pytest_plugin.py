"""A pytest plugin: parity tests for layers in any repository, as ordinary test items.

Registered through the ``pytest11`` entry point, so installing numpy-torch-parity is enough.
Declare the layers in ``pyproject.toml``::

    [tool.parity_tests]
    layers = {"mylib/layers.py:Conv" = "torch.nn.Conv2d",
              "mylib/layers.py:affine_forward" = {ref = "torch.nn.Linear", dtypes = ["float64"]}}

or in a ``conftest.py``::

    parity_layers = {"mylib/layers.py:Conv": "torch.nn.Conv2d"}

A value is the reference, or a table with ``ref`` and any of ``param_map``, ``args``,
``init``, ``layout``, ``only``, ``dtypes``, ``modes``. Each run of the reference's spec is
one item (``pytest -k k3_s2``, ``--junitxml``, ``-n auto`` work as usual): it passes, fails
with the failure report and the hints, or is skipped as *not covered* with the reason. The
check of a layer runs once per process for all its selected items (the not-covered rule
needs all of them); ``-n auto --dist loadgroup`` keeps a layer on one worker.
``--parity-report DIR`` writes the same rows as ``python -m parity_tests report``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

KEY = "parity_rows"
# The check itself (and torch) is imported only when layers are declared: pytest loads this
# plugin in every run of a repository where the package is installed.


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("parity_tests")
    group.addoption("--parity-report", metavar="DIR", default=None,
                    help="write parity_report.json/.md/.html of the parity items into DIR")


def _declared(raw: Any, source: str) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise pytest.UsageError(f"parity_tests: {source}: layers must be a table/dict of "
                                f"'file.py:Name' = 'torch.nn.X'")
    out = {}
    for target, value in raw.items():
        opts = {"ref": value} if isinstance(value, str) else dict(value)
        if "ref" not in opts:
            raise pytest.UsageError(f"parity_tests: {source}: {target} needs a ref")
        out[target] = opts
    return out


def pytest_collect_file(file_path: Path, parent: Any) -> Any:
    layers: dict[str, dict[str, Any]] = {}
    if file_path.name == "pyproject.toml" and file_path.parent == parent.config.rootpath:
        import tomllib
        data = tomllib.loads(file_path.read_text()).get("tool", {}).get("parity_tests", {})
        if "layers" in data:
            layers = _declared(data["layers"], str(file_path))
    elif file_path.name == "conftest.py":
        mod = parent.config.pluginmanager.get_plugin(str(file_path))
        if mod is not None and hasattr(mod, "parity_layers"):
            layers = _declared(mod.parity_layers, str(file_path))
    if not layers:
        return None
    return ParityFile.from_parent(parent, path=file_path, layers=layers)


class ParityFile(pytest.File):
    def __init__(self, *args: Any, layers: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.layers = layers

    def collect(self):
        for target, opts in self.layers.items():
            yield ParityLayer.from_parent(self, name=f"{target}-vs-{opts['ref']}",
                                          target=target, opts=opts)


class ParityLayer(pytest.Collector):
    def __init__(self, *args: Any, target: str, opts: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target, self.opts = target, opts

    def _target_path(self) -> str:
        where, sep, rest = self.target.partition(":")
        if where.endswith(".py") and not Path(where).is_absolute():
            where = str(Path(self.path).parent / where)
        return where + sep + rest

    def collect(self):
        from .core import select_runs
        from .reference import resolve
        ref = resolve(self.opts["ref"])
        if ref.spec is None:
            raise pytest.UsageError(f"parity_tests: {ref.label} has no parity spec; the plugin "
                                    f"runs spec cases (use python -m parity_tests check with "
                                    f"--input-shape for generated cases)")
        runs = select_runs(ref.spec, self.opts.get("only"), self.opts.get("dtypes"),
                           self.opts.get("modes"))
        for case, dtype, mode in runs:
            item = ParityItem.from_parent(self, name=f"{case.id}-{dtype}-{mode}",
                                          run=(case, dtype, mode))
            item.add_marker(pytest.mark.xdist_group(self.name))
            yield item

    def result(self, config: Any) -> Any:
        """The check of every selected item of this layer, run once per process."""
        cache = config.stash.setdefault(_CACHE, {})
        if self.nodeid not in cache:
            from .api import prefs_from
            from .core import Session, run_check
            from .reference import resolve
            from .targets import load_target
            selected = config.stash.get(_SELECTED, {}).get(self.nodeid)
            runs = [c.run for c in self.collect_runs() if selected is None or c.nodeid in selected]
            o = self.opts
            session = Session(resolve(o["ref"]), load_target(self._target_path()),
                              prefs_from(o.get("param_map"), o.get("args"), o.get("init"),
                                         o.get("layout")))
            cache[self.nodeid] = run_check(session, runs, session.target.label)
        return cache[self.nodeid]

    def collect_runs(self):
        return list(self.collect())


_CACHE = pytest.StashKey[dict]()
_SELECTED = pytest.StashKey[dict]()


def pytest_collection_finish(session: Any) -> None:
    selected: dict[str, set[str]] = {}
    for item in session.items:
        if isinstance(item, ParityItem):
            selected.setdefault(item.parent.nodeid, set()).add(item.nodeid)
    session.config.stash[_SELECTED] = selected


class ParityFailure(Exception):
    pass


class ParityItem(pytest.Item):
    def __init__(self, *args: Any, run: tuple, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run = run

    def runtest(self) -> None:
        result = self.parent.result(self.config)
        case, dtype, mode = self.run
        key = (case.id, dtype, mode)
        for nc in result.not_covered:
            if nc.key == key:
                why = ", ".join(nc.reasons) + (f" (raised {nc.exception})" if nc.exception else "")
                pytest.skip(f"not covered: {why}")
        res = next((r for r in result.results if (r.case, r.dtype, r.mode) == key), None)
        if res is None:
            pytest.skip("not run")
        d = res.to_dict()                       # rows under the user's layer, not the spec
        d["layer"] = result.layer
        for row in d["rows"]:
            row["layer"] = result.layer
        self.user_properties.append((KEY, json.dumps(d)))
        if not res.passed:
            mine = [h for h in result.hints
                    if any(row.tensor.partition("@")[0] in h for row in res.rows if not row.passed)]
            raise ParityFailure("\n".join([res.failure_report(), *[f"hint: {h}" for h in mine]]))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, ParityFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}::{self.name}"


_SINK: list[str] = []          # rows of the finished items, in the controlling process


def pytest_runtest_logreport(report: Any) -> None:
    for name, value in getattr(report, "user_properties", ()):
        if name == KEY and report.when == "call":
            _SINK.append(value)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    out = session.config.getoption("parity_report", None)
    if not out or hasattr(session.config, "workerinput") or not _SINK:
        return
    from ..harness.pages import write_report
    from ..harness.report import run_header
    from ..harness.results import CaseResult
    results = [CaseResult.from_dict(json.loads(text)) for text in _SINK]
    paths = write_report(results, out, run_header(0, 1), complete=exitstatus in (0, 1))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"parity report: {len(results)} runs; wrote "
                            f"{', '.join(str(p) for p in paths.values())}")
