"""Collects every spec file in ``parity_tests/specs/`` (no list to edit)."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from .spec import ParitySpec


@lru_cache(maxsize=None)
def all_specs() -> tuple[ParitySpec, ...]:
    """Specs from every module of ``parity_tests.specs``, sorted by layer name."""
    from .. import specs as pkg
    found: list[ParitySpec] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        if hasattr(mod, "SPEC"):
            found.append(mod.SPEC)
        found.extend(getattr(mod, "SPECS", ()))
    names = [s.name for s in found]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"parity specs: duplicate layer names {sorted(dupes)}")
    return tuple(sorted(found, key=lambda s: s.name))


def get_spec(name: str) -> ParitySpec:
    for s in all_specs():
        if s.name == name:
            return s
    raise KeyError(f"no parity spec named {name!r}; known: {[s.name for s in all_specs()]}")
