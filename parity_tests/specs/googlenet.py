"""GoogLeNet against its torch twin (torchvision's structure and state_dict keys) at width 8,
with and without transform_input and the auxiliary heads (train mode returns (logits, aux2,
aux1); the harness back-propagates the logits, the aux gradients are compared in
test_models_standard.py); train and eval, BN buffers after two steps. Dropouts are 0 there
(train-mode masks are random); the defaults run in eval mode only (GoogLeNetDropoutEval).
The twin is built with init_weights=False: parameters are copied into the NumPy side, and
torchvision's std-0.01 init makes eval-mode signals vanish.

Width 8 (every channel count / 8) and 2 x 96 x 96 inputs: inception5b's BatchNorms see 18
values per channel in training (see resnet18.py), and no parameter tensor is so small that
its max error is one lucky element (width 4 leaves 1-channel branches)."""
from __future__ import annotations

from numpy_layers.models.googlenet import GoogLeNet
from parity_tests.harness.spec import Case, ParitySpec, case_id
from parity_tests.specs._classic_common import default_dropout_cases
from parity_tests.twins import googlenet as twin
from parity_tests.twins.resnet import calibrated_batchnorm


def _case(width: int = 8, classes: int = 10, b: int = 2, hw: int = 96, steps: int = 1,
          transform_input: bool = False, aux_logits: bool = False) -> Case:
    return Case(case_id(w=width, k=classes, b=b, hw=hw, steps=steps, ti=transform_input,
                        aux=aux_logits),
                dict(num_classes=classes, transform_input=transform_input, dropout=0.0,
                     dropout_aux=0.0, aux_logits=aux_logits, width=width), ((b, 3, hw, hw),),
                steps=steps)


_CASES = [_case(), _case(steps=2), _case(classes=5, transform_input=True), _case(aux_logits=True),
          _case(hw=112, aux_logits=True, transform_input=True, steps=2)]


def _reduction(case: Case, tensor: str) -> int:
    """Widest sum (a 3x3 conv over the widest input, or the stem BN's N*H*W) x depth."""
    n, _, h, w = case.input_shapes[0]
    return max(832 * case.params["width"] // 64 * 9, n * h * w // 4) * 22


def _torch(c: Case):
    return twin.GoogLeNet(init_weights=False, **c.params)


def _numpy(c: Case, dt) -> GoogLeNet:
    return GoogLeNet(**c.params, dtype=dt)


_DEFAULT_DROPOUT = default_dropout_cases([_CASES[0], _CASES[4]])
SPECS = [
    ParitySpec(
        name="GoogLeNet",
        torch_module=_torch,
        numpy_module=_numpy,
        cases=_CASES,
        train_eval_differ=True,
        init=calibrated_batchnorm((2, 3, 96, 96)),
        reduction=_reduction,
        description="GoogLeNet (Inception v1): stem, 9 Inception blocks, aux heads, avg, fc",
        options={"width": "8", "input": "2x3x96x96, 2x3x112x112 (aux pooling 7 -> 4)",
                 "transform_input": "False, True", "num_classes": "5, 10",
                 "aux_logits": "False, True", "steps": "1, 2", "mode": "train, eval (dropout 0)"},
    ),
    ParitySpec(
        name="GoogLeNetDropoutEval",
        eval_only=True,
        torch_module=_torch,
        numpy_module=_numpy,
        cases=_DEFAULT_DROPOUT,
        init=calibrated_batchnorm((2, 3, 96, 96)),
        reduction=_reduction,
        description="GoogLeNet with its default dropouts (0.2, aux 0.7) in eval mode (identity)",
        options={"dropout": "0.2, dropout_aux 0.7 (defaults)", "mode": "eval"},
    ),
]
