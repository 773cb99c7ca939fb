"""The static import graph of numpy_layers and parity_tests (imports inside functions
included): no circle, no underscore name used outside the package that owns it, and each
subpackage imports only the ones below it (README, "Layout")."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("numpy_layers", "parity_tests")

# What each part may import besides itself: the README's "Layout" prints this table.
_NL = ("numpy_layers._checks", "numpy_layers.functional", "numpy_layers.modules",
       "numpy_layers.blocks", "numpy_layers.models", "numpy_layers.optim",
       "numpy_layers.convert")
_LIB = {*_NL, "numpy_layers"}
BELOW: dict[str, set[str]] = {
    **{part: set(_NL[:i]) for i, part in enumerate(_NL)},
    "numpy_layers": set(_NL),
    "parity_tests.harness": _LIB,
    "parity_tests.examples": set(),
    "parity_tests.twins": _LIB | {"parity_tests.harness"},
    "parity_tests.torch_samples": _LIB | {"parity_tests.harness"},
    "parity_tests.training": _LIB | {"parity_tests.harness"},
    "parity_tests.specs": _LIB | {"parity_tests.harness", "parity_tests.twins",
                                  "parity_tests.torch_samples"},
    "parity_tests.check": _LIB | {"parity_tests.harness", "parity_tests.specs"},
    "parity_tests.fuzz": _LIB | {"parity_tests.harness", "parity_tests.specs"},
    "parity_tests.bench_timing": _LIB | {"parity_tests.harness"},
    "parity_tests.bench_profile": _LIB | {"parity_tests.harness"},
    "parity_tests.bench_report": _LIB | {"parity_tests.harness", "parity_tests.bench_timing",
                                         "parity_tests.bench_profile"},
    "parity_tests.bench": _LIB | {"parity_tests.harness", "parity_tests.twins",
                                  "parity_tests.bench_timing", "parity_tests.bench_profile",
                                  "parity_tests.bench_report"},
    "parity_tests.readme": {"parity_tests.harness", "parity_tests.specs"},
    "parity_tests.mutants": _LIB | {"parity_tests.harness", "parity_tests.specs",
                                    "parity_tests.check", "parity_tests.examples"},
    "parity_tests.cli": {"parity_tests.harness", "parity_tests.specs", "parity_tests.readme",
                         "parity_tests.torch_samples", "parity_tests.check",
                         "parity_tests.mutants"},
    "parity_tests.__main__": {"parity_tests.cli"},
    "parity_tests": set(),
}
TESTS = "parity_tests.tests"           # may import anything


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None, int]]:
    """(imported module, imported attribute or None, line) of every import in the file."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package[:len(package) - node.level + 1]
                base = ".".join(stem + ([node.module] if node.module else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((sub, None, node.lineno) if sub in MODULES
                           else (base, a.name, node.lineno))
    return [i for i in out if i[0].split(".")[0] in PACKAGES]


EDGES = {name: _imports(name, path) for name, path in MODULES.items()}


def _part(module: str) -> str:
    """The BELOW entry a module belongs to (the longest matching prefix)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in BELOW or ".".join(parts[:n]) == TESTS:
            return ".".join(parts[:n])
    raise AssertionError(f"{module} belongs to no part of the layering table")


def _owner(module: str, attr: str | None) -> str | None:
    """The package that owns the first underscore name on the path, or None if all public."""
    parts = module.split(".") + ([attr] if attr else [])
    for i, p in enumerate(parts):
        if p.startswith("_") and not p.startswith("__"):
            owner = parts[:i]
            if attr is not None and i == len(parts) - 1 and ".".join(parts[:i]) in MODULES \
                    and MODULES[".".join(parts[:i])].name != "__init__.py":
                owner = parts[:i - 1]          # a module's private name: its package owns it
            return ".".join(owner)
    return None


def test_no_import_circle():
    graph = {m: {t for t, _, _ in e if t in MODULES and t != m} for m, e in EDGES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_no_private_name_is_imported_from_another_package():
    """Tests are exempt: they may check internals (the conv workspace, im2col)."""
    bad = []
    for m, edges in EDGES.items():
        if _part(m) == TESTS:
            continue
        for target, attr, line in edges:
            owner = _owner(target, attr)
            if owner is not None and not (m == owner or m.startswith(owner + ".")):
                bad.append(f"{MODULES[m].relative_to(ROOT)}:{line} imports "
                           f"{target}{'.' + attr if attr else ''} (private to {owner})")
    assert not bad, "\n".join(bad)


def test_each_part_imports_only_the_parts_below_it():
    bad = []
    for m, edges in EDGES.items():
        mine = _part(m)
        if mine == TESTS:
            continue
        for target, _, line in edges:
            theirs = _part(target)
            if theirs != mine and theirs not in BELOW[mine]:
                bad.append(f"{MODULES[m].relative_to(ROOT)}:{line}: {mine} imports {theirs}")
    assert not bad, "\n".join(bad)


def _short(part: str) -> str:
    return part.replace("parity_tests.", "").replace("numpy_layers.", "")


def layout_table() -> str:
    """BELOW as the README's Markdown table (parts in order from the bottom up)."""
    rows = ["| part | may import |", "|---|---|"]
    for part, below in BELOW.items():
        if part in ("parity_tests", "parity_tests.__main__"):
            continue
        lib = _LIB <= below
        names = (["numpy_layers (all)"] if lib else []) + sorted(
            _short(b) for b in below if not (lib and b in _LIB))
        rows.append(f"| {part} | {', '.join(names) or 'numpy only'} |")
    return "\n".join(rows)


def test_readme_layout_table_is_the_layering_checked_here():
    text = (ROOT / "README.md").read_text()
    assert layout_table() in text, "README's Layout table differs from BELOW:\n" + layout_table()


def test_numpy_layers_imports_torch_only_inside_functions():
    for m, path in MODULES.items():
        if not m.startswith("numpy_layers"):
            continue
        tree = ast.parse(path.read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = [a.name for n in top for a in n.names if isinstance(n, ast.Import)] + \
                [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
        assert not any(x.split(".")[0] == "torch" for x in names), f"{m} imports torch at import time"


def test_the_checker_sees_a_circle_and_a_private_import():
    """The checks above can fail: a made-up pair of modules trips both."""
    a = "numpy_layers.functional._probe_a"
    MODULES[a] = ROOT / "numpy_layers/functional/_probe_a.py"
    MODULES["numpy_layers.modules._probe_b"] = ROOT / "numpy_layers/modules/_probe_b.py"
    try:
        EDGES[a] = [("numpy_layers.modules._probe_b", None, 1)]
        EDGES["numpy_layers.modules._probe_b"] = [(a, None, 1)]
        for test in (test_no_import_circle, test_no_private_name_is_imported_from_another_package):
            try:
                test()
            except AssertionError as e:
                assert "_probe_" in str(e)
            else:
                raise AssertionError(f"{test.__name__} missed the probe")
    finally:
        for k in (a, "numpy_layers.modules._probe_b"):
            MODULES.pop(k, None)
            EDGES.pop(k, None)
