"""The tolerance policy, in one place.

float64 cases
    NumPy float64 is compared with torch float64 element by element:
    ``|np - torch| <= atol + rtol * |torch|`` with torch.testing.assert_close's float64
    defaults (rtol = atol = 1e-7), scaled by ``s = max(1, sqrt(K / 256))`` where K is the
    reduction length behind the tensor (the number of terms summed into one element).
    Rounding error of a K-term sum grows like sqrt(K) for random-signed terms; up to 256
    terms the defaults already hold ~9 orders of magnitude of room, so they are not scaled.

float32 cases
    A fixed rtol/atol says little about a float32 sum of 4608 products, so the harness
    measures instead of guessing. Both NumPy float32 and torch float32 are compared with
    the float64 truth (torch float64 on the same float32-rounded inputs and parameters):
    ``err_np = max |np32 - truth|``, ``err_torch = max |torch32 - truth|``. The case passes
    when ``err_np <= RATIO * err_torch + floor``, with
    ``floor = FLOOR_ULPS * eps32 * sqrt(max(K, 1)) * max|truth|``. The floor keeps the
    rule meaningful where torch happens to be exact (pooling, ReLU, dropout, or a short sum
    that rounded luckily): one unit in the last place of the tensor's scale per sqrt(K)
    terms, the typical rounding of a K-term sum in another order.
    A sum that cancels (K random-signed terms whose total is small) still rounds at the
    scale of its partial sums, not of its result. A spec may therefore give, besides K,
    the rms size of one summed term, ``Terms(K, rms)``; the floor then uses
    ``max(max|truth|, sqrt(K) * rms)``, the typical size of a K-term partial sum. Measured
    need: Conv2d's bias gradient (K = N*Ho*Wo upstream-gradient values) summing to 0.09
    from terms of size 1 rounded 5 ulp of 0.09 (headroom 1.09 under the |result| floor);
    BatchNorm with 2 values per channel has an input gradient that is exactly 0 in real
    arithmetic and ~1e-7 (eps32 of its terms) in any float32 order.
    The *accuracy ratio* ``err_np / err_torch`` is reported for every tensor.

The terms behind a row the spec does not size: a bias gradient sums the same upstream
values as its layer's weight gradient does (times inputs of size ~1), so where the bias
gradient cancels (a BatchNorm bias behind a train-mode BatchNorm is 0 by the maths) its
partial sums are of the size of the weight gradient: ``sqrt(K) * rms = max|grad weight|``
(``sibling_terms``). Likewise a running mean of mean-free data sums K values of size
``sqrt(running_var)``, divided by K. Measured need: ShuffleNetV2Block's
grad_branch2.4.bias passed with headroom 0.999999999 under a floor of 3.5e-20.

Torch's float32 error is measured in several orderings (``orderings.py``): the main run
(one thread, contiguous), two threads, and, for 4-D inputs, channels_last; ``err_torch`` is
the largest of them. One run is one sample of a random rounding error, and for a small
parameter gradient deep in a network (a BatchNorm weight of 2-16 elements in GoogLeNet at
width 8) the ratio of two such samples has a heavy tail. Measured on the float32 runs of
GoogLeNet and MobileNetV2 (report --seed 3..9, 30,534 rows each way): against the one-thread
run alone, NumPy's error ratio had median 0.97 but max 34, 261 rows above 4, 12 rows failing
(headroom up to 1.60; seeds 3-8 each failed 1-4 runs); torch's own channels_last error was a
median ~2x its one-thread error, i.e. torch disagrees with itself by as much. Against the
largest of the orderings: median 0.62, max 7.9, 14 rows above 4 (all within the floor),
headroom at most 0.978, no failure on seeds 0-9. A spec whose torch forward is its own
(``torch_forward``, e.g. an injected dropout mask) keeps one run.
An ordering must take the truth's branches: where ``ambiguity.separate`` cannot move every
internal kink out of reach (MobileNetV2 at width 0.25 in training keeps 5-39 undecided ReLU6
inputs after any number of nudges), channels_last put one of them on the other side in 3 of
4 seeds, and its "error" (20-200x the one-thread error) was another branch, not rounding: it
would have let anything pass. Such an ordering runs again with those kink inputs set to the
truth's value rounded to float32 (the gradient flows through unchanged), and is left out if
a pooling window's winner differs from the truth's.

A row that passes within 1% of its bound (headroom above ``NEAR_BOUND``) fails: such a pass
says nothing about the code, only about the draw.

Integer tensors (max-pool indices, num_batches_tracked) must be equal exactly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

F64_RTOL = 1e-7
F64_ATOL = 1e-7
F64_K0 = 256

# NumPy float32 may be at most this many times less accurate than torch float32.
# 4 leaves room for a different (equally valid) summation order, e.g. OpenBLAS vs
# oneDNN blocking, or NumPy's pairwise sums vs torch's vectorised accumulators.
RATIO = 4.0
FLOOR_ULPS = 1.0
EPS32 = float(np.finfo(np.float32).eps)
NEAR_BOUND = 0.99


@dataclass(frozen=True)
class Terms:
    """What one element of a tensor sums: ``k`` terms of rms size ``rms`` (see above)."""
    k: int
    rms: float = 0.0


def terms(reduction: "int | Terms") -> Terms:
    """A spec's reduction (a plain K, or ``Terms``) as ``Terms``."""
    return reduction if isinstance(reduction, Terms) else Terms(int(reduction), 0.0)


@dataclass(frozen=True)
class Tolerance:
    """What a compared tensor is allowed: elementwise ``atol + rtol*|ref|`` or a max-abs bound."""
    rule: str                 # 'float64-close', 'float32-ratio', 'exact'
    atol: float               # absolute bound (max-abs bound for float32-ratio)
    rtol: float = 0.0
    detail: str = ""          # human-readable derivation, shown in reports

    def elementwise(self, ref: np.ndarray) -> np.ndarray:
        return self.atol + self.rtol * np.abs(ref)


def sibling_terms(reduction: "int | Terms", tensor: str, refs: dict[str, np.ndarray]) -> Terms:
    """``reduction`` with its term size raised from a sibling tensor's truth (see above):
    ``grad_<p>bias`` from ``grad_<p>weight``, ``<p>running_mean`` from ``<p>running_var``."""
    t = terms(reduction)
    k = max(t.k, 1)
    base = tensor.split("@")[0]
    rms = 0.0
    if base.endswith("bias") and base[:-4] + "weight" in refs:
        w = refs[base[:-4] + "weight"]
        rms = float(np.abs(w[np.isfinite(w)]).max(initial=0.0)) / math.sqrt(k)
    elif base.endswith("running_mean") and base[:-4] + "var" in refs:
        v = refs[base[:-4] + "var"]
        rms = math.sqrt(float(np.abs(v[np.isfinite(v)]).max(initial=0.0))) / k
    return Terms(t.k, max(t.rms, rms))


def float64_tolerance(reduction: "int | Terms") -> Tolerance:
    reduction = terms(reduction).k
    s = max(1.0, math.sqrt(max(reduction, 1) / F64_K0))
    return Tolerance(
        "float64-close", F64_ATOL * s, F64_RTOL * s,
        f"atol=rtol=1e-7*{s:.3g} (K={reduction})",
    )


def float32_tolerance(reduction: "int | Terms", torch_err: float,
                      truth_scale: float, orderings: int = 1) -> Tolerance:
    t = terms(reduction)
    k = max(t.k, 1)
    scale = max(truth_scale, math.sqrt(k) * t.rms, 1e-30)
    floor = FLOOR_ULPS * EPS32 * math.sqrt(k) * scale
    bound = RATIO * torch_err + floor
    rms = f", term rms {t.rms:.3g}" if t.rms else ""
    runs = f" (largest of {orderings} orderings)" if orderings > 1 else ""
    return Tolerance(
        "float32-ratio", bound, 0.0,
        f"{RATIO:g} x torch-float32 error {torch_err:.3g}{runs} + floor {floor:.3g} "
        f"(K={t.k}{rms})",
    )


EXACT = Tolerance("exact", 0.0, 0.0, "must be equal")
