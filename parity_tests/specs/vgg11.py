"""VGG-11 (torchvision's make_layers cfg "A", widths x 1/16 or 1/32) against its torch twin:
with and without BatchNorm (BN re-drawn, buffers after two steps), init_weights on and off,
dropout 0 in train and eval, dropout 0.5 in eval (identity)."""
from __future__ import annotations

from numpy_layers.models.vgg import vgg11
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import network_bound, redraw_batchnorm
from parity_tests.twins import classic as twin


def _case(bn=False, wm=1 / 16, classes=10, size=32, b=2, p=0.0, init=True, steps=1) -> Case:
    return Case(case_id(bn=bn, w=round(1 / wm), k=classes, x=size, b=b, p=p, noinit=not init,
                        steps=steps),
                dict(batch_norm=bn, width_mult=wm, num_classes=classes, dropout=p,
                     init_weights=init), ((b, 3, size, size),), steps=steps)


def _numpy(c: Case, dt):
    return vgg11(**c.params, dtype=dt)


def _torch(c: Case):
    return twin.vgg11(**c.params)


_BOUND = network_bound(lambda c: round(512 * c.params["width_mult"]) * 9, 8)

SPECS = [
    ParitySpec(
        name="VGG11",
        torch_module=_torch,
        numpy_module=_numpy,
        cases=[_case(), _case(bn=True, steps=2), _case(bn=True, wm=1 / 32, size=40, b=3),
               _case(init=False, size=33, b=1), _case(bn=True, init=False, b=3, steps=2)],
        train_eval_differ=True,
        init=redraw_batchnorm,
        reduction=_BOUND,
        description="torchvision VGG-11 (cfg A), dropout=0 (training masks are random)",
        options={"batch_norm": "False, True", "width_mult": "1/16, 1/32",
                 "init_weights": "True, False", "input": "32, 33, 40 (adaptive pool to 7x7)",
                 "steps": "1, 2", "mode": "train, eval"},
    ),
    ParitySpec(
        name="VGG11DropoutEval",
        eval_only=True,
        torch_module=_torch,
        numpy_module=_numpy,
        cases=[_case(p=0.5), _case(bn=True, p=0.5, b=3)],
        init=redraw_batchnorm,
        reduction=_BOUND,
        description="torchvision VGG-11 with dropout 0.5 in eval mode (identity)",
        options={"dropout": "0.5", "batch_norm": "False, True", "mode": "eval"},
    ),
]
