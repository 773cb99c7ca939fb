"""ZeroPad2d: symmetric and asymmetric padding, batched and unbatched."""
from parity_tests.specs._pad_common import pad_spec

SPEC = pad_spec("ZeroPad2d")
