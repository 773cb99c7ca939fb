"""The 2019-2023 structures at their standard sizes: parameter counts of torchvision's
convnext_tiny and efficientnet_b0, the U-Net and ultralytics' yolov8n (without its DFL
decoding constant), state_dict names and shapes equal to the twins', and the YOLO detector
at the source article's input size, 1x3x640x640, forward and backward (all three scales)
against its twin in float32 under the tolerance policy (truth: torch float64)."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from numpy_layers.models.convnext import convnext_tiny
from numpy_layers.models.efficientnet import efficientnet_b0
from numpy_layers.models.unet import UNet
from numpy_layers.models.yolo import yolov8
from parity_tests.harness.compare import compare
from parity_tests.twins import convnext as tw_convnext
from parity_tests.twins import efficientnet as tw_efficientnet
from parity_tests.twins import unet as tw_unet
from parity_tests.twins import yolo as tw_yolo

# name: (numpy build, twin build, published parameter count)
STANDARD = {
    "convnext_tiny": (convnext_tiny, tw_convnext.convnext_tiny, 28_589_128),
    "efficientnet_b0": (efficientnet_b0, tw_efficientnet.efficientnet_b0, 5_288_548),
    "unet": (lambda: UNet(3, 2), lambda: tw_unet.UNet(3, 2), 31_037_698),
    "unet_bilinear": (lambda: UNet(3, 2, True), lambda: tw_unet.UNet(3, 2, True), 17_263_042),
    "yolov8n": (yolov8, tw_yolo.DetectionModel, 3_157_200 - 16),
}


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_standard_sizes_and_names(name):
    build, twin, n_params = STANDARD[name]
    ours, theirs = build().state_dict(), twin().state_dict()
    assert sum(v.size for k, v in ours.items() if "running" not in k
               and "num_batches" not in k) == n_params
    assert list(ours) == list(theirs)
    assert all(ours[k].shape == tuple(v.shape) for k, v in theirs.items())


def test_yolov8n_640_forward_and_backward_against_torch():
    """One train-mode step of yolov8n on 1x3x640x640: the three scale maps, the input
    gradient and every parameter gradient, NumPy float32 within the tolerance policy of
    torch float32 (truth: torch float64 on the same float32 inputs and weights)."""
    torch.manual_seed(0)
    t32 = tw_yolo.DetectionModel()
    t64 = copy.deepcopy(t32).double()
    n = yolov8()
    n.load_state_dict({k: v.numpy() for k, v in t32.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 3, 640, 640)).astype(np.float32)
    outs = {}
    for key, m, dt in (("32", t32, np.float32), ("64", t64, np.float64)):
        xt = torch.tensor(x.astype(dt), requires_grad=True)
        ys = m(xt)
        gs = [np.random.default_rng(i).standard_normal(y.shape).astype(np.float32)
              for i, y in enumerate(ys)]
        torch.autograd.backward(ys, [torch.tensor(g.astype(dt)) for g in gs])
        outs[key] = ([y.detach().numpy() for y in ys], xt.grad.numpy(), gs)
    ys = n(x)
    dx = n.backward(outs["32"][2])
    assert [y.shape for y in ys] == [(1, 144, 80, 80), (1, 144, 40, 40), (1, 144, 20, 20)]
    assert all(y.dtype == np.float32 for y in ys) and dx.dtype == np.float32
    red = max(256 * 9, 320 * 320) * 30      # widest sum (stem BN / weight grads) x depth
    f32 = np.dtype(np.float32)
    rows = [compare(f"P{i + 3}", y, y64, f32, torch_value=y32, reduction=red)
            for i, (y, y32, y64) in enumerate(zip(ys, outs["32"][0], outs["64"][0]))]
    rows.append(compare("grad_input", dx, outs["64"][1], f32, torch_value=outs["32"][1],
                        reduction=red))
    grads, p64 = dict(n.named_grads()), dict(t64.named_parameters())
    for k, p in t32.named_parameters():
        rows.append(compare("grad_" + k, grads[k], p64[k].grad.numpy(), f32,
                            torch_value=p.grad.numpy(), reduction=red))
    failed = [r.message for r in rows if not r.passed]
    assert len(rows) == 3 + 1 + len(grads) and not failed, "\n".join(failed)
