"""Runs each example of the source article through numpy_layers and checks it against torch.

    python scripts/seed_examples.py [--out reports] [--no-plot]

conv2d (1,3,640,640) -> 64 3x3 padding 1; 2x2/2 max pooling on (1,3,640,640); dropout 0.5;
the 5 -> 3 fully connected layer forward and backward on a batch of 10; batch norm on
(1,3,640,640) with histograms per channel of the input, of numpy_layers' and torch's outputs
and of their difference in float32 ulps (reports/seed_batchnorm_hist.png).
Exits non-zero when an example does not match torch within the parity policy.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy_layers as nl  # noqa: E402
from parity_tests.harness.compare import compare  # noqa: E402


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def _check(name: str, pairs: list[tuple[str, np.ndarray, torch.Tensor, torch.Tensor, int]],
           seconds: float, shapes: str) -> bool:
    """pairs: (tensor, numpy float32 value, torch float32, torch float64 truth, reduction)."""
    ok = True
    parts = []
    for tensor, a, t32, t64, k in pairs:
        row = compare(tensor, a, t64.detach().numpy(), np.float32,
                      torch_value=t32.detach().numpy(), reduction=k)
        ok &= row.passed
        parts.append(f"{tensor}: max err {row.max_abs_err:.2e} (torch fp32 {row.torch_err:.2e}, "
                     f"headroom {row.headroom:.2f})")
        if not row.passed:
            parts.append("  " + row.message)
    print(f"{'OK  ' if ok else 'FAIL'} {name:18s} {shapes:42s} numpy {seconds * 1e3:8.1f} ms")
    for p in parts:
        print("       " + p)
    return ok


def _twins(x: np.ndarray, grad: bool = False):
    t32 = torch.from_numpy(x.copy()).requires_grad_(grad)
    t64 = torch.from_numpy(x.astype(np.float64)).requires_grad_(grad)
    return t32, t64


def conv_example(rng) -> bool:
    x = rng.standard_normal((1, 3, 640, 640)).astype(np.float32)
    w = (rng.standard_normal((64, 3, 3, 3)) * 0.2).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    y, dt = _timed(nl.functional.conv2d, x, w, b, 1, 1)
    x32, x64 = _twins(x)
    t32 = torch.nn.functional.conv2d(x32, torch.from_numpy(w), torch.from_numpy(b), 1, 1)
    t64 = torch.nn.functional.conv2d(x64, torch.from_numpy(w).double(), torch.from_numpy(b).double(), 1, 1)
    return _check("conv2d 3x3", [("output", y, t32, t64, 27)], dt, f"{x.shape} -> {y.shape}")


def maxpool_example(rng) -> bool:
    x = rng.standard_normal((1, 3, 640, 640)).astype(np.float32)
    y, dt = _timed(nl.functional.max_pool2d, x, 2, 2)
    x32, x64 = _twins(x)
    pairs = [("output", y, torch.nn.functional.max_pool2d(x32, 2, 2),
              torch.nn.functional.max_pool2d(x64, 2, 2), 1)]
    return _check("max_pool2d 2x2/2", pairs, dt, f"{x.shape} -> {y.shape}")


def dropout_example(rng) -> bool:
    x = rng.uniform(0.5, 1.5, (1, 3, 640, 640)).astype(np.float32)
    x32, x64 = _twins(x, grad=True)
    torch.manual_seed(0)
    t32 = torch.nn.functional.dropout(x32, 0.5, True)
    torch.manual_seed(0)
    t64 = torch.nn.functional.dropout(x64, 0.5, True)
    mask = t32.detach().numpy() != 0                  # torch's own mask, injected below
    layer = nl.Dropout(0.5)
    y, dt = _timed(layer, x, mask=mask)
    g = rng.standard_normal(x.shape).astype(np.float32)
    dx = layer.backward(g)
    t32.backward(torch.from_numpy(g))
    t64.backward(torch.from_numpy(g.astype(np.float64)))
    kept = mask.mean()
    return _check("dropout p=0.5", [("output", y, t32, t64, 1), ("grad_input", dx, x32.grad, x64.grad, 1)],
                  dt, f"{x.shape}, kept {kept:.4f}")


def linear_example(rng) -> bool:
    x = rng.standard_normal((10, 5)).astype(np.float32)
    layer = nl.Linear(5, 3, rng=rng)
    t32m = torch.nn.Linear(5, 3)
    with torch.no_grad():
        t32m.weight.copy_(torch.from_numpy(layer.weight))
        t32m.bias.copy_(torch.from_numpy(layer.bias))
    t64m = torch.nn.Linear(5, 3).double()
    t64m.load_state_dict({k: v.double() for k, v in t32m.state_dict().items()})
    y, dt = _timed(layer, x)
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = layer.backward(g)
    grads = dict(layer.named_grads())
    x32, x64 = _twins(x, grad=True)
    o32, o64 = t32m(x32), t64m(x64)
    o32.backward(torch.from_numpy(g))
    o64.backward(torch.from_numpy(g.astype(np.float64)))
    pairs = [("output", y, o32, o64, 5), ("grad_input", dx, x32.grad, x64.grad, 3),
             ("grad_weight", grads["weight"], t32m.weight.grad, t64m.weight.grad, 10),
             ("grad_bias", grads["bias"], t32m.bias.grad, t64m.bias.grad, 10)]
    return _check("linear 5->3", pairs, dt, f"{x.shape} -> {y.shape}")


def batchnorm_example(rng, out: Path | None) -> bool:
    x = (rng.standard_normal((1, 3, 640, 640)) * [[[2.0]], [[0.5]], [[4.0]]]
         + [[[3.0]], [[-1.0]], [[0.0]]]).astype(np.float32)
    layer = nl.BatchNorm2d(3)
    y, dt = _timed(layer, x)
    x32, x64 = _twins(x)
    m32, m64 = torch.nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3).double()
    t32, t64 = m32(x32), m64(x64)
    pairs = [("output", y, t32, t64, x[0, 0].size),
             ("running_var", layer.running_var, m32.running_var, m64.running_var, x[0, 0].size)]
    ok = _check("batch_norm", pairs, dt, f"{x.shape}, train mode")
    if out is not None:
        from parity_tests.harness.plots import batchnorm_histograms, save
        path = out / "seed_batchnorm_hist.png"
        save(batchnorm_histograms(x, y, t32.detach().numpy()), path, dpi=90)
        print(f"       histograms written to {path}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="reports", help="folder for the histogram PNG")
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    ok = all([conv_example(rng), maxpool_example(rng), dropout_example(rng), linear_example(rng),
              batchnorm_example(rng, None if args.no_plot else Path(args.out))])
    print("all examples match torch" if ok else "SOME EXAMPLES DO NOT MATCH TORCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
