"""Check a NumPy layer of your own against its torch.nn twin (see ``parity_tests.check``).

    python scripts/check_layer.py my_conv.py:MyConv --ref torch.nn.Conv2d
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parity_tests.check import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
