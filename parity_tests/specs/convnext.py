"""ConvNeXt against its torch twin (torchvision's code and names): the CNBlock (depthwise
7x7, channels-last LayerNorm, Linear 4x, GELU, Linear, layer scale, stochastic depth with
torch's masks injected) and small ConvNeXts (two and three stages, LayerNorm2d stem and
downsampling), each also converted by ``from_torch`` (ConvNeXtFx, CNBlockFx). Float32 and
float64, train and eval; at least 8 channels per LayerNorm (with 4, its backward is nearly
all cancellation and float32 errors of both libraries are noise); parameters redrawn (torchvision's std-0.02 init and 1e-6 layer
scale would leave the residual branches near zero)."""
from __future__ import annotations

from numpy_layers.blocks.convnext import CNBlock
from numpy_layers.models.convnext import CNBlockConfig, ConvNeXt
from parity_tests.harness.spec import Case, case_id
from parity_tests.specs._modern_common import depth_terms, structure_specs
from parity_tests.twins import convnext as twin


def _block_case(dim, sd=0.0, b=2, hw=7, steps=1) -> Case:
    return Case(case_id(dim=dim, sd=sd or None, b=b, hw=hw, steps=steps if steps > 1 else None),
                dict(dim=dim, layer_scale=0.7, stochastic_depth_prob=sd), ((b, dim, hw, hw),),
                steps=steps)


_BLOCKS = [_block_case(8), _block_case(16, 0.5, b=6, hw=5), _block_case(12, 0.3, b=4, steps=2)]
_SETTINGS = {"2stage": [(8, 16, 1), (16, None, 2)], "3stage": [(8, 16, 1), (16, 24, 1), (24, None, 1)]}


def _model_case(setting, sd=0.0, b=2, hw=32, classes=10, steps=1) -> Case:
    return Case(case_id(s=setting, sd=sd or None, b=b, hw=hw, k=classes,
                        steps=steps if steps > 1 else None),
                dict(setting=setting, stochastic_depth_prob=sd, layer_scale=0.5,
                     num_classes=classes), ((b, 3, hw, hw),), steps=steps)


_MODELS = [_model_case("2stage"), _model_case("2stage", 0.5, b=4, steps=2),
           _model_case("3stage", 0.3, b=3, hw=40)]


def _config(cls, c: Case) -> list:
    return [cls(*row) for row in _SETTINGS[c.params["setting"]]]


def _model_kw(c: Case) -> dict:
    return {k: v for k, v in c.params.items() if k != "setting"}


def _reduction(c: Case, tensor: str):
    n, ch, h, w = c.input_shapes[0]
    widest = max(24 * 4, 49, n * h * w // (16 if ch == 3 else 1))   # Linear 4x, 7x7, positions
    return depth_terms(widest, 6 if ch == 3 else 3)


SPECS = structure_specs(
    "CNBlock", lambda c: twin.CNBlock(**c.params),
    lambda c, dt: CNBlock(**c.params, dtype=dt), _BLOCKS, _BLOCKS[1:2], _reduction,
    "ConvNeXt block: dw 7x7, channels-last LayerNorm, Linear 4x, GELU, Linear, layer scale",
    {"dim": "8, 12, 16", "stochastic_depth_prob": "0, 0.3, 0.5 (torch's masks)",
     "layer_scale": "parameter (redrawn)", "steps": "1, 2", "mode": "train, eval"},
) + structure_specs(
    "ConvNeXt", lambda c: twin.ConvNeXt(_config(twin.CNBlockConfig, c), **_model_kw(c)),
    lambda c, dt: ConvNeXt(_config(CNBlockConfig, c), **_model_kw(c), dtype=dt),
    _MODELS, _MODELS[1:2], _reduction,
    "small ConvNeXt: 4x4 stem + LayerNorm2d, CNBlock stages, downsampling, LN-Flatten-Linear",
    {"block_setting": "(8->16 x1, 16 x2), (8->16 x1, 16->24 x1, 24 x1)",
     "stochastic_depth_prob": "0, 0.3, 0.5 (linear over blocks; torch's masks)",
     "input": "2x3x32x32, 4x3x32x32, 3x3x40x40", "steps": "1, 2", "mode": "train, eval"},
)
