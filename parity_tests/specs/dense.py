"""DenseNet's DenseLayer, DenseBlock and Transition against torchvision's (twins):
growth rates, bn_size, 1-3 layers, drop_rate > 0 (torch's mask injected in training; eval is
the identity), train/eval, BN buffers after two steps."""
from __future__ import annotations

import torch

from numpy_layers.blocks.dense import DenseBlock, DenseLayer, Transition
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import product_bound, redraw_batchnorm
from parity_tests.twins import blocks as twin


def _layer_case(c, k, bs, drop=0.0, b=2, hw=6, steps=1) -> Case:
    return Case(case_id(c=c, k=k, bs=bs, drop=drop or None, b=b, hw=hw, steps=steps),
                dict(num_input_features=c, growth_rate=k, bn_size=bs, drop_rate=drop),
                ((b, c, hw, hw),), steps=steps)


def _block_case(n, c, bs, k, b=2, hw=6, steps=1) -> Case:
    return Case(case_id(n=n, c=c, bs=bs, k=k, b=b, hw=hw, steps=steps),
                dict(num_layers=n, num_input_features=c, bn_size=bs, growth_rate=k),
                ((b, c, hw, hw),), steps=steps)


def _trans_case(c, o, b=2, hw=8, steps=1) -> Case:
    return Case(case_id(c=f"{c}to{o}", b=b, hw=hw, steps=steps),
                dict(num_input_features=c, num_output_features=o), ((b, c, hw, hw),),
                steps=steps)


def _eval_only(c: Case) -> bool:
    return c.params.get("drop_rate", 0.0) > 0


def _bound(c: Case, t: str) -> int:
    p = c.params
    width = max(p["num_input_features"] + p.get("num_layers", 1) * p.get("growth_rate", 0),
                p.get("bn_size", 1) * p.get("growth_rate", 1))
    return product_bound(lambda _: width, 3, 2 * p.get("num_layers", 1))(c, t)


def _torch_forward(m, xs: list, seed: int):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return m(*xs)


def _numpy_forward(m: DenseLayer, xs: list, torch_out: list):
    """Training: the keep-mask is where torch's output is nonzero (conv outputs are not 0)."""
    return m(xs[0], mask=torch_out[0] != 0) if m.training else m(xs[0])


def _numpy_layer(c: Case, dt) -> DenseLayer:
    return DenseLayer(**c.params, dtype=dt)


SPECS = [
    ParitySpec(
        name="DenseLayer",
        torch_module=lambda c: twin.DenseLayer(**c.params),
        numpy_module=_numpy_layer,
        cases=[_layer_case(8, 4, 2), _layer_case(8, 4, 2, steps=2), _layer_case(5, 3, 4, b=3),
               _layer_case(12, 6, 1, b=1, hw=7, steps=2), _layer_case(4, 2, 2, hw=4)],
        train_eval_differ=True,
        init=redraw_batchnorm,
        reduction=_bound,
        description="bn-relu-conv1x1-bn-relu-conv3x3, returns the new features only",
        options={"growth_rate": "2..6", "bn_size": "1, 2, 4", "steps": "1, 2",
                 "mode": "train, eval"},
    ),
    ParitySpec(
        name="DenseLayerDropout",
        torch_module=lambda c: twin.DenseLayer(**c.params),
        numpy_module=_numpy_layer,
        cases=[_layer_case(6, 4, 2, drop=0.5), _layer_case(4, 2, 2, drop=0.2, b=3, steps=2)],
        train_eval_differ=True,
        init=redraw_batchnorm,
        reduction=_bound,
        torch_forward=_torch_forward,
        numpy_forward=_numpy_forward,
        description="DenseLayer with drop_rate > 0: torch's mask injected in training, "
                    "identity in eval",
        options={"drop_rate": "0.2, 0.5", "mode": "train (torch's mask), eval"},
    ),
    ParitySpec(
        name="DenseBlock",
        torch_module=lambda c: twin.DenseBlock(**c.params),
        numpy_module=lambda c, dt: DenseBlock(**c.params, dtype=dt),
        cases=[_block_case(2, 4, 2, 3), _block_case(3, 6, 2, 4, steps=2),
               _block_case(1, 5, 4, 2, b=3, hw=5), _block_case(3, 3, 1, 2, b=1, hw=7, steps=2)],
        train_eval_differ=True,
        init=redraw_batchnorm,
        reduction=_bound,
        description="dense block: each layer sees the concat of all earlier features",
        options={"num_layers": "1, 2, 3", "growth_rate": "2, 3, 4", "bn_size": "1, 2, 4",
                 "steps": "1, 2", "mode": "train, eval"},
    ),
    ParitySpec(
        name="Transition",
        torch_module=lambda c: twin.Transition(**c.params),
        numpy_module=lambda c, dt: Transition(**c.params, dtype=dt),
        cases=[_trans_case(8, 4), _trans_case(6, 3, steps=2), _trans_case(5, 5, b=3, hw=7),
               _trans_case(12, 6, b=1, hw=6, steps=2)],
        train_eval_differ=True,
        init=redraw_batchnorm,
        reduction=_bound,
        description="bn-relu-conv1x1-avgpool 2x2",
        options={"channels": "halving, equal", "input": "even, odd H/W", "steps": "1, 2",
                 "mode": "train, eval"},
    ),
]
