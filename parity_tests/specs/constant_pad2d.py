"""ConstantPad2d with a non-zero fill value."""
from parity_tests.specs._pad_common import pad_spec

SPEC = pad_spec("ConstantPad2d", extra={"value": 1.5})
