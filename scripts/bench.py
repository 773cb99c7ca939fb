"""Speed benchmark of numpy_layers against torch.nn; the logic is in ``parity_tests.bench``.

    python scripts/bench.py [--out reports] [--quick] [--only SUBSTRING] [--threads N]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parity_tests.bench import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
