"""torch's own test material as a parity case source: the sample inputs of ``module_db``
(ModuleInfo, per torch.nn module) and ``op_db`` (OpInfo, sample and reference inputs per
functional op) in ``torch.testing._internal``, run through the same harness as the specs.

Covered: every ModuleInfo whose class ``numpy_layers`` exports under torch's name (built
with ``from_torch``: forward, input and parameter gradients, buffers), and every OpInfo
whose name ``numpy_layers.functional`` exports (forward; backward where the op has a
``*_forward``/``*_backward`` pair taking the same arguments). Each sample runs in float32
and float64, contiguous and Fortran-ordered, as a case of the spec ``<layer>:torch`` whose
id is the sample's index and torch's description. A sample that ``unsupported.py``
describes is not run but counted, with the reason, in the report header.

torch's internal test modules are not a public API: when they cannot be imported or no
longer have the attributes used here, the source yields no spec and ``STATUS`` says why
(the report header and a skipped test show it); the rest of the suite runs.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..harness.spec import ParitySpec

# Drawing the samples imports torch's test modules (~5-10 s of CPU per process): the
# samples are cached as plain data, keyed by everything they depend on.
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "numpy-torch-parity"


def _key() -> str:
    import numpy
    import torch

    import numpy_layers
    parts = [torch.__version__, numpy.__version__, ",".join(numpy_layers.__all__),
             ",".join(numpy_layers.functional.__all__)]
    parts += [p.read_text() for p in sorted(Path(__file__).parent.glob("*.py"))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _draw() -> tuple[list, list, dict]:
    from .modules import module_samples
    from .ops import op_samples
    modules, layers = module_samples()
    ops, op_layers = op_samples()
    return modules, ops, {**layers, **op_layers}


def _cached() -> tuple[list, list, dict]:
    path = CACHE_DIR / f"torch_samples-{_key()}.pkl"
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        pass
    data = _draw()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:
        pass                                  # no cache: the next process draws again
    return data


@lru_cache(maxsize=None)
def load(cache: bool = True) -> tuple[tuple[ParitySpec, ...], dict[str, Any]]:
    """(specs, status). ``status``: ``state`` 'ran' or 'skipped', ``reason``, and per layer
    ``samples`` (run) and ``unsupported`` (reason -> count)."""
    try:
        from .modules import module_specs
        from .ops import op_specs
        modules, ops, layers = _cached() if cache else _draw()
        specs = module_specs(modules) + op_specs(ops)
    except Exception as e:  # noqa: BLE001 - a changed or missing internal API skips the source
        reason = f"torch's internal test modules are unusable here: {type(e).__name__}: {e}"
        return (), {"state": "skipped", "reason": reason, "layers": {}}
    return tuple(specs), {"state": "ran", "reason": "", "layers": layers}


def status() -> dict[str, Any]:
    """The source's status (see ``load``), for the report header."""
    return load()[1]
