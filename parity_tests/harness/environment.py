"""The run environment a report records, shared by the tolerance report and the benchmark:
CPU model, git commit, BLAS libraries (threadpoolctl), OPENBLAS_* settings, and atomic
file writes (a reader never sees half a file)."""
from __future__ import annotations

import os
import platform
import tempfile
from pathlib import Path
from typing import Any

from . import sources

# Variables that pick OpenBLAS's kernel or threads; recorded, never set by the harness.
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
BLAS_KEYS = ("user_api", "internal_api", "version", "num_threads", "architecture", "filepath")


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else platform's guess, else 'unknown'."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit() -> str:
    """HEAD's commit hash, or 'unknown' outside a git checkout."""
    return sources.git_commit()


def git_dirty() -> bool:
    """Whether the checkout has uncommitted changes (False without git)."""
    return bool(sources._git("status", "--porcelain"))


def blas_info() -> list[dict[str, Any]]:
    """Every thread pool threadpoolctl sees (BLAS and OpenMP), with the kernel
    (``architecture``) and no absolute path of this machine; [] without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [{k: (sources.portable_path(p[k]) if k == "filepath" and p.get(k) else p.get(k))
             for k in BLAS_KEYS} for p in threadpool_info()]


def numpy_blas(pools: list[dict[str, Any]]) -> dict[str, Any]:
    """NumPy's own BLAS among ``pools`` (``blas_info()``), {} when none is found."""
    return next((p for p in pools if p.get("user_api") == "blas"
                 and "numpy" in (p.get("filepath") or "")), {})


def blas_env() -> dict[str, str]:
    """The BLAS_ENV variables set in this process."""
    return {k: os.environ[k] for k in BLAS_ENV if k in os.environ}


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` via a temporary file in the same directory and a
    rename."""
    path = Path(path)
    data = content.encode() if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
