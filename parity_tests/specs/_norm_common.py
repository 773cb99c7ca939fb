"""Shared by the batch-norm specs: how many terms, of which size, one element sums (the
parameter redraw is harness.inputs.redraw_norm, also used by the block and network twins)."""
from __future__ import annotations

from parity_tests.harness.tolerance import Terms

# Inputs are drawn with input_scale 2, so invstd ~ 1/2; weights ~ U(0.5, 1.5); upstream
# gradients are standard normal. The input gradient sums K terms dy * weight * invstd of
# rms ~ 1/2 that cancel exactly when a channel holds 2 values (the true gradient is then
# 0, and any float32 order leaves ~eps32 of its terms).
# The batch mean sums K inputs of rms 2 (divided by K); a mean near 0 cancels too.
GRAD_INPUT_TERM_RMS = 0.5
INPUT_RMS = 2.0


def batch_norm_terms(tensor: str, k: int) -> int | Terms:
    """K per element; for gradients and the running mean also one term's rms."""
    if tensor.startswith("grad_input"):
        return Terms(k, GRAD_INPUT_TERM_RMS)
    if tensor.startswith("running_mean"):
        return Terms(k, INPUT_RMS / k)
    if tensor.startswith(("grad_weight", "grad_bias")):   # sums of dy and dy * x_hat
        return Terms(k, 1.0)
    return k
