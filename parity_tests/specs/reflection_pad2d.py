"""ReflectionPad2d: the gradient of reflected positions folds back onto their sources."""
from parity_tests.specs._pad_common import pad_spec, smaller_than_input

SPEC = pad_spec("ReflectionPad2d", valid=smaller_than_input)
