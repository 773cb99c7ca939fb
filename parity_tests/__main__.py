import sys

from parity_tests.harness.cli import main

sys.exit(main())
