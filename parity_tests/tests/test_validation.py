"""Bad input and bad configuration: both torch and NumPy reject, NumPy with a clear message.

Each entry builds a layer and calls it the same way on both sides. torch must raise
(any exception); NumPy must raise ValueError or TypeError whose message names the layer.
Where we are stricter than torch, the entry sits in STRICTER with the reason, and the
README's "Differences from torch" says so; a test keeps that list honest.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
import torch

import numpy_layers as nl


@dataclass(frozen=True)
class Bad:
    id: str
    layer: str                       # class name on both sides
    kwargs: dict[str, Any]
    x: Callable[[], Any]             # the input (numpy array or Python object)
    expect: str = ""                 # extra text the NumPy message must contain


def _f(*shape, dtype=np.float32):
    return lambda: np.ones(shape, dtype)


def _arr(value):
    return lambda: np.array(value)


CONV = dict(in_channels=3, out_channels=4, kernel_size=3)
BAD = [
    # Conv2d
    Bad("conv_2d_input", "Conv2d", CONV, _f(3, 8), "-D"),
    Bad("conv_5d_input", "Conv2d", CONV, _f(1, 1, 3, 8, 8), "-D"),
    Bad("conv_channels", "Conv2d", CONV, _f(1, 2, 8, 8), "channels"),
    Bad("conv_kernel_too_big", "Conv2d", dict(CONV, kernel_size=5), _f(1, 3, 3, 3), "kernel"),
    Bad("conv_stride_0", "Conv2d", dict(CONV, stride=0), _f(1, 3, 8, 8), "stride"),
    Bad("conv_stride_neg", "Conv2d", dict(CONV, stride=-1), _f(1, 3, 8, 8), "stride"),
    Bad("conv_padding_neg", "Conv2d", dict(CONV, padding=-1), _f(1, 3, 8, 8), "padding"),
    Bad("conv_dilation_0", "Conv2d", dict(CONV, dilation=0), _f(1, 3, 8, 8), "dilation"),
    Bad("conv_groups", "Conv2d", dict(CONV, groups=2), _f(1, 3, 8, 8), "groups"),
    Bad("conv_same_strided", "Conv2d", dict(CONV, padding="same", stride=2), _f(1, 3, 8, 8)),
    Bad("conv_padding_str", "Conv2d", dict(CONV, padding="full"), _f(1, 3, 8, 8), "padding"),
    Bad("conv_padding_mode", "Conv2d", dict(CONV, padding_mode="mirror"), _f(1, 3, 8, 8)),
    Bad("conv_reflect_too_big", "Conv2d", dict(CONV, padding=3, padding_mode="reflect"),
        _f(1, 3, 3, 3)),
    Bad("conv_int", "Conv2d", CONV, _f(1, 3, 8, 8, dtype=np.int64), "int64"),
    Bad("conv_bool", "Conv2d", CONV, _f(1, 3, 8, 8, dtype=bool), "bool"),
    Bad("conv_complex", "Conv2d", CONV, _f(1, 3, 8, 8, dtype=np.complex64), "complex"),
    Bad("conv_float64_vs_float32", "Conv2d", CONV, _f(1, 3, 8, 8, dtype=np.float64), "float"),
    Bad("conv_list", "Conv2d", CONV, lambda: np.ones((1, 3, 8, 8)).tolist(), "list"),
    Bad("conv_object", "Conv2d", CONV, lambda: np.ones((1, 3, 8, 8), dtype=object), "object"),
    # Pooling
    Bad("maxpool_pad_over_half", "MaxPool2d", dict(kernel_size=2, padding=2), _f(1, 1, 8, 8),
        "padding"),
    Bad("maxpool_stride_0", "MaxPool2d", dict(kernel_size=2, stride=0), _f(1, 1, 8, 8),
        "stride"),
    Bad("maxpool_kernel_too_big", "MaxPool2d", dict(kernel_size=5), _f(1, 1, 3, 3)),
    Bad("maxpool_2d_input", "MaxPool2d", dict(kernel_size=2), _f(8, 8), "-D"),
    Bad("maxpool_dilation_0", "MaxPool2d", dict(kernel_size=2, dilation=0), _f(1, 1, 8, 8)),
    Bad("avgpool_pad_over_half", "AvgPool2d", dict(kernel_size=3, padding=2), _f(1, 1, 8, 8),
        "padding"),
    Bad("avgpool_divisor_0", "AvgPool2d", dict(kernel_size=2, divisor_override=0),
        _f(1, 1, 8, 8), "divisor"),
    Bad("avgpool_kernel_too_big", "AvgPool2d", dict(kernel_size=5), _f(1, 1, 3, 3)),
    Bad("avgpool_negative_padding", "AvgPool2d", dict(kernel_size=3, padding=-1),
        _f(1, 1, 8, 8), "padding"),
    # Normalisation
    Bad("bn_channels", "BatchNorm2d", dict(num_features=3), _f(2, 4, 5, 5), "channels"),
    Bad("bn_3d_input", "BatchNorm2d", dict(num_features=3), _f(3, 5, 5), "3D"),
    Bad("bn_one_value_per_channel", "BatchNorm2d", dict(num_features=3), _f(1, 3, 1, 1),
        "more than 1 value"),
    Bad("bn1d_channels", "BatchNorm1d", dict(num_features=3), _f(4, 5), "channels"),
    Bad("instancenorm_empty_batch", "InstanceNorm2d", dict(num_features=3, affine=True),
        _f(0, 3, 4, 4),
        "non-empty"),
    Bad("layernorm_shape", "LayerNorm", dict(normalized_shape=(4, 5)), _f(2, 5, 4), "shape"),
    Bad("groupnorm_groups", "GroupNorm", dict(num_groups=3, num_channels=4), _f(2, 4, 3, 3),
        "divisible"),
    Bad("groupnorm_channels", "GroupNorm", dict(num_groups=2, num_channels=4), _f(2, 6, 3, 3),
        "channels"),
    # Linear, dropout, activations, shape
    Bad("linear_features", "Linear", dict(in_features=5, out_features=3), _f(2, 4),
        "in_features"),
    Bad("linear_0d", "Linear", dict(in_features=5, out_features=3), lambda: np.float32(1.0)),
    Bad("dropout_p_high", "Dropout", dict(p=1.5), _f(2, 3), "probability"),
    Bad("dropout_p_negative", "Dropout", dict(p=-0.1), _f(2, 3), "probability"),
    Bad("softmax_dim", "Softmax", dict(dim=3), _f(2, 3), "dim"),
    Bad("logsoftmax_dim", "LogSoftmax", dict(dim=-3), _f(2, 3), "dim"),
    Bad("prelu_channels", "PReLU", dict(num_parameters=3), _f(2, 4, 5), "channel"),
    Bad("flatten_dims", "Flatten", dict(start_dim=3), _f(2, 3), "dim"),
    Bad("unflatten_sizes", "Unflatten", dict(dim=1, unflattened_size=(2, 2)), _f(2, 6),
        "size"),
    Bad("hardtanh_range", "Hardtanh", dict(min_val=1.0, max_val=-1.0), _f(2, 3), "max_val"),
    Bad("relu_list", "ReLU", {}, lambda: [1.0, -1.0], "list"),
    # 1-D transposed conv, 1-D adaptive pools, pixel shuffles, resizing
    Bad("convt1d_channels", "ConvTranspose1d", dict(in_channels=4, out_channels=6, kernel_size=3),
        _f(2, 5, 7), "channels"),
    Bad("convt1d_4d_input", "ConvTranspose1d", dict(in_channels=4, out_channels=6,
                                                    kernel_size=3), _f(1, 4, 7, 1), "-D"),
    Bad("convt1d_output_padding", "ConvTranspose1d", dict(in_channels=4, out_channels=6,
                                                          kernel_size=3, stride=2,
                                                          output_padding=2),
        _f(2, 4, 7), "output padding"),
    Bad("adaptive_avg1d_4d_input", "AdaptiveAvgPool1d", dict(output_size=2), _f(1, 2, 3, 4),
        "dimensions"),
    Bad("adaptive_max1d_two_sizes", "AdaptiveMaxPool1d", dict(output_size=(2, 2)),
        _f(1, 2, 5), "one int"),
    Bad("pixel_shuffle_channels", "PixelShuffle", dict(upscale_factor=2), _f(1, 5, 2, 2),
        "divisible"),
    Bad("pixel_shuffle_2d_input", "PixelShuffle", dict(upscale_factor=2), _f(4, 2),
        "3 dimensions"),
    Bad("pixel_unshuffle_height", "PixelUnshuffle", dict(downscale_factor=2), _f(1, 1, 3, 4),
        "height"),
    Bad("upsample_size_and_scale", "Upsample", dict(size=4, scale_factor=2), _f(1, 1, 2, 2),
        "only one"),
    Bad("upsample_no_size", "Upsample", {}, _f(1, 1, 2, 2), "either"),
    Bad("upsample_bilinear_3d", "Upsample", dict(scale_factor=2, mode="bilinear"), _f(1, 1, 4),
        "4D"),
    Bad("upsample_nearest_align", "Upsample", dict(scale_factor=2, align_corners=True),
        _f(1, 1, 2, 2), "align_corners"),
    Bad("upsample_to_nothing", "Upsample", dict(scale_factor=0.1), _f(1, 1, 4, 4),
        "greater than 0"),
    Bad("upsample_mode", "Upsample", dict(scale_factor=2, mode="cubic"), _f(1, 1, 4, 4),
        "modes"),
    Bad("upsample_2d_input", "Upsample", dict(scale_factor=2), _f(4, 4), "2D"),
    Bad("relu_object", "ReLU", {}, lambda: np.array([1.0, None], dtype=object), "object"),
]

# Configurations torch accepts and we reject, with the reason (README, Differences).
STRICTER: dict[str, str] = {}


def _torch_raises(b: Bad) -> BaseException | None:
    try:
        m = getattr(torch.nn, b.layer)(**b.kwargs)
        x = b.x()
        if isinstance(x, np.ndarray) and x.dtype != object:
            x = torch.from_numpy(x)
        elif isinstance(x, np.generic):
            x = torch.tensor(x)
        m.train()(x)
    except Exception as e:  # noqa: BLE001 - any rejection counts
        return e
    return None


@pytest.mark.parametrize("bad", BAD, ids=[b.id for b in BAD])
def test_numpy_rejects_with_a_clear_message(bad):
    x = bad.x()
    before = np.array(x, dtype=object if isinstance(x, list) else None, copy=True)
    with pytest.raises((ValueError, TypeError)) as info:
        getattr(nl, bad.layer)(**bad.kwargs).train()(x)
    msg = str(info.value)
    assert bad.layer in msg, f"message does not name the layer: {msg}"
    if bad.expect:
        assert bad.expect.lower() in msg.lower(), f"message lacks {bad.expect!r}: {msg}"
    if isinstance(x, np.ndarray) and x.dtype != object:
        np.testing.assert_array_equal(x, before)     # nothing passed in is modified


@pytest.mark.parametrize("bad", BAD, ids=[b.id for b in BAD])
def test_torch_rejects_the_same(bad):
    if bad.id in STRICTER:
        assert _torch_raises(bad) is None, f"{bad.id} is listed as stricter but torch rejects"
        return
    assert _torch_raises(bad) is not None, f"torch accepts {bad.id}; we reject it"


@pytest.mark.parametrize("name", ["Conv2d", "Linear", "BatchNorm2d", "MaxPool2d", "ReLU",
                                  "Softmax", "LayerNorm"])
def test_backward_grad_of_wrong_shape_is_rejected(name):
    layer = {"Conv2d": lambda: nl.Conv2d(3, 4, 3), "Linear": lambda: nl.Linear(8, 4),
             "BatchNorm2d": lambda: nl.BatchNorm2d(3), "MaxPool2d": lambda: nl.MaxPool2d(2),
             "ReLU": nl.ReLU, "Softmax": lambda: nl.Softmax(dim=1),
             "LayerNorm": lambda: nl.LayerNorm(8)}[name]()
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8) if name in (
        "Conv2d", "BatchNorm2d", "MaxPool2d") else (2, 3, 8)).astype(np.float32)
    if name == "Linear":
        x = x[:, 0]
    y = layer(x)
    with pytest.raises(ValueError, match=name):
        layer.backward(np.ones(y.shape[:-1] + (y.shape[-1] + 1,), np.float32))
    with pytest.raises(TypeError, match=name):
        layer.backward(np.ones(y.shape, np.int64))
    # A rejected gradient leaves the forward in place: the right one still goes through.
    assert layer.backward(np.ones_like(y)).shape == x.shape


@pytest.mark.parametrize("name,make,shape", [
    ("Conv2d", lambda: nl.Conv2d(3, 4, 3), (1, 3, 8, 8)),
    ("MaxPool2d", lambda: nl.MaxPool2d(2), (1, 3, 8, 8)),
    ("BatchNorm2d", lambda: nl.BatchNorm2d(3), (2, 3, 4, 4)),
    ("Linear", lambda: nl.Linear(8, 4), (2, 8)),
    ("ReLU", nl.ReLU, (2, 8)),
    ("Softmax", lambda: nl.Softmax(dim=1), (2, 8)),
])
def test_float16_is_a_clear_error(name, make, shape):
    """float16 is not supported (README): a TypeError naming the layer and the dtype."""
    with pytest.raises(TypeError, match=rf"{name}.*float16"):
        make()(np.ones(shape, np.float16))
