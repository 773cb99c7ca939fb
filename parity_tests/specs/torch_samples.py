"""torch's own samples (ModuleInfo and OpInfo) for every covered module and op: one spec
``<layer>:torch`` each, built by ``parity_tests.torch_samples`` (none when torch's
internal test modules are unusable; the report header says why)."""
from parity_tests.torch_samples import load

SPECS = list(load()[0])
