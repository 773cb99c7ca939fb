"""The parity specs: one file per layer (``SPEC = ParitySpec(...)`` or a list ``SPECS``).

``all_specs()`` collects every module of this package (no list to edit: adding a file adds
the layer to the suite and the report); ``load(source)`` reads the specs of one file or
module instead, for ``report --specs``.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
import zlib
from functools import lru_cache
from pathlib import Path

from ..harness.spec import ParitySpec


def _specs_of(mod: object) -> list[ParitySpec]:
    return ([mod.SPEC] if hasattr(mod, "SPEC") else []) + list(getattr(mod, "SPECS", ()))


@lru_cache(maxsize=None)
def all_specs() -> tuple[ParitySpec, ...]:
    """Specs from every module of ``parity_tests.specs``, sorted by layer name."""
    found: list[ParitySpec] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            found.extend(_specs_of(importlib.import_module(f"{__name__}.{info.name}")))
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


@lru_cache(maxsize=None)
def load(source: str | None = None) -> tuple[ParitySpec, ...]:
    """Every registered spec (``source`` None), or those (SPEC / SPECS) of a spec file
    (a path ending in .py) or of an importable module."""
    if source is None:
        return all_specs()
    if source.endswith(".py"):
        path = Path(source).resolve()
        name = f"_parity_specs_{zlib.crc32(str(path).encode()):08x}"
        loader = importlib.util.spec_from_file_location(name, path)
        if loader is None or not path.is_file():
            raise ValueError(f"spec file {source} not found")
        mod = importlib.util.module_from_spec(loader)
        sys.modules[name] = mod
        loader.loader.exec_module(mod)
    else:
        mod = importlib.import_module(source)
    specs = _specs_of(mod)
    if not specs:
        raise ValueError(f"{source} defines neither SPEC nor SPECS")
    return tuple(sorted(specs, key=lambda s: s.name))
