"""ReplicationPad2d: edge values repeated; their gradient sums onto the edge."""
from parity_tests.specs._pad_common import pad_spec

SPEC = pad_spec("ReplicationPad2d")
