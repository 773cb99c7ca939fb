"""The layer functionals in the op table (``ops_base.OPS``): what a traced forward calls as
``F.conv2d(x, self.weight)``, ``F.layer_norm(...)``, ``F.batch_norm(...)``, a loss, resizing
(same conventions as ``ops_tensor``; the maths is ``numpy_layers.functional``'s). Parameters
passed in (``self.weight``) are graph values like any other, so their gradients reach the
parameter; a training ``F.batch_norm``/``F.instance_norm`` updates the running statistics
it was given in place, as torch does.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from .. import functional as F
from .._checks import as_pair
from ..functional import adaptive_pool1d as AP1
from ..functional import loss as L
from ..functional import pooling1d as P1
from ..functional.reduction import resolve_reduction
from ..functional.conv import resolve_padding
from ..functional.interpolate import interpolate_backward, interpolate_forward, interpolate_params
from ..functional.conv1d import as_single, resolve_padding1d
from ..functional.instance_norm import instance_norm_update_stats
from ..functional.norm import batch_norm_update_stats
from ..functional.padding import pad_backward, pad_forward
from ..functional.pixel_shuffle import (pixel_shuffle_backward, pixel_shuffle_forward,
                                       pixel_unshuffle_backward, pixel_unshuffle_forward)
from ..functional.stochastic_depth import stochastic_depth_forward
from ..functional.unpool import unpool_output_size
from .ops_base import OPS, Op, float_array, op


def _unbatched(x: np.ndarray, batched_ndim: int) -> tuple[np.ndarray, bool]:
    """(x with a batch axis, whether one was added): torch's unbatched conv/pool input."""
    return (x[None], True) if x.ndim == batched_ndim - 1 else (x, False)


def _layer(name: str, backward: Callable, grads: tuple[str, ...]) -> Callable:
    """Register ``fn(*torch args) -> (y, (cache, unbatched))`` as op ``name``; the gradients
    ``backward(dy, cache)`` returns are routed to the arguments ``grads`` names."""
    def deco(fn: Callable) -> Callable:
        def back(dy, held):
            cache, unbatched = held
            out = backward(dy[None] if unbatched else dy, cache)
            out = out if isinstance(out, tuple) else (out,)
            return {k: (g[0] if unbatched and k == "input" else g)
                    for k, g in zip(grads, out) if g is not None}
        OPS[name] = Op(name, fn, back)
        return fn
    return deco


def _plain(out: tuple) -> tuple:
    """(y, cache) of a functional that takes no unbatched input -> the ``_layer`` form."""
    return out[0], (out[1], False)


def _run(forward: Callable, x: np.ndarray, batched_ndim: int, *args, **kwargs):
    xb, unbatched = _unbatched(x, batched_ndim)
    y, cache = forward(xb, *args, **kwargs)
    return (y[0] if unbatched else y), (cache, unbatched)


# ----------------------------------------------------------------------------- convolutions
@_layer("conv2d", F.conv2d_backward, ("input", "weight", "bias"))
def _conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    s, d = as_pair("conv2d", "stride", stride), as_pair("conv2d", "dilation", dilation)
    pad = resolve_padding("conv2d", padding, np.shape(weight)[2:], s, d)
    return _run(F.conv2d_forward, input, 4, weight, bias, s, pad, d, groups)


@_layer("conv1d", F.conv1d_backward, ("input", "weight", "bias"))
def _conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    s, d = as_single("conv1d", "stride", stride), as_single("conv1d", "dilation", dilation)
    pad = resolve_padding1d("conv1d", padding, np.shape(weight)[-1], s, d)[:2]
    return _run(F.conv1d_forward, input, 3, weight, bias, s, pad, d, groups)


@_layer("conv_transpose2d", F.conv_transpose2d_backward, ("input", "weight", "bias"))
def _conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                      dilation=1):
    args = [as_pair("conv_transpose2d", k, v) for k, v in (
        ("stride", stride), ("padding", padding), ("output_padding", output_padding))]
    return _run(F.conv_transpose2d_forward, input, 4, weight, bias, *args, groups,
                as_pair("conv_transpose2d", "dilation", dilation))


@_layer("conv_transpose1d", F.conv_transpose1d_backward, ("input", "weight", "bias"))
def _conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                      dilation=1):
    args = [as_single("conv_transpose1d", k, v) for k, v in (
        ("stride", stride), ("padding", padding), ("output_padding", output_padding),
        ("dilation", dilation))]
    return _run(F.conv_transpose1d_forward, input, 3, weight, bias, *args[:3], groups, args[3])


@_layer("linear", F.linear_backward, ("input", "weight", "bias"))
def _linear(input, weight, bias=None):
    return _plain(F.linear_forward(float_array("linear", input), weight, bias))


# ----------------------------------------------------------------------------- normalisation
@_layer("batch_norm", F.batch_norm_backward, ("input", "weight", "bias"))
def _batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
                momentum=0.1, eps=1e-5):
    y, cache = F.batch_norm_forward(float_array("batch_norm", input), weight, bias, running_mean,
                                    running_var, bool(training), eps)
    if training and cache.mean is not None and running_mean is not None \
            and running_var is not None:            # torch updates the buffers it was given
        running_mean[...], running_var[...] = batch_norm_update_stats(
            running_mean, running_var, cache.mean, cache.var_unbiased, momentum)
    return y, (cache, False)


@_layer("instance_norm", F.instance_norm_backward, ("input", "weight", "bias"))
def _instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                   use_input_stats=True, momentum=0.1, eps=1e-5):
    y, cache = F.instance_norm_forward(float_array("instance_norm", input), weight, bias,
                                       running_mean, running_var, bool(use_input_stats), eps)
    if use_input_stats and running_mean is not None and running_var is not None:
        new = instance_norm_update_stats(running_mean, running_var, cache, momentum)
        if new is not None:
            running_mean[...], running_var[...] = new
    return y, (cache, False)


@_layer("layer_norm", F.layer_norm_backward, ("input", "weight", "bias"))
def _layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    return _plain(F.layer_norm_forward(float_array("layer_norm", input), normalized_shape, weight,
                                       bias, eps))


@_layer("group_norm", F.group_norm_backward, ("input", "weight", "bias"))
def _group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    return _plain(F.group_norm_forward(float_array("group_norm", input), num_groups, weight, bias,
                                       eps))


@_layer("local_response_norm", F.local_response_norm_backward, ("input",))
def _lrn(input, size, alpha=1e-4, beta=0.75, k=1.0):
    return _plain(F.local_response_norm_forward(float_array("local_response_norm", input), size,
                                                alpha, beta, k))


@_layer("prelu", F.prelu_backward, ("input", "weight"))
def _prelu(input, weight):
    return _plain(F.prelu_forward(float_array("prelu", input), weight))


# ----------------------------------------------------------------------------- rearranging, resizing
@_layer("pixel_shuffle", pixel_shuffle_backward, ("input",))
def _pixel_shuffle(input, upscale_factor):
    return _plain(pixel_shuffle_forward(input, upscale_factor))


@_layer("pixel_unshuffle", pixel_unshuffle_backward, ("input",))
def _pixel_unshuffle(input, downscale_factor):
    return _plain(pixel_unshuffle_forward(input, downscale_factor))


@_layer("channel_shuffle", F.channel_shuffle_backward, ("input",))
def _channel_shuffle(input, groups):
    return _plain(F.channel_shuffle_forward(input, groups))


@_layer("pad", pad_backward, ("input",))
def _pad(input, pad, mode="constant", value=None):
    p = tuple(pad)
    if len(p) == 2 and mode != "constant" and np.ndim(input) not in (2, 3):
        raise ValueError(f"pad: padding size 2 is not supported for {np.ndim(input)}D input in "
                         f"mode {mode!r} (torch: 2-D or 3-D input)")
    if len(p) == 2:                                  # the last dim only
        p += (0, 0)
    if len(p) != 4:
        raise ValueError(f"pad: only 2 or 4 pad sizes (the last one or two dims) are supported "
                         f"in a converted graph, got {tuple(pad)}")
    return _plain(pad_forward(float_array("pad", input), p, mode, 0.0 if value is None else value))


@_layer("interpolate", interpolate_backward, ("input",))
def _interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None, antialias=False):
    out, scales, ac = interpolate_params("interpolate", input, size, scale_factor, mode,
                                            align_corners, recompute_scale_factor, antialias)
    return _plain(interpolate_forward(input, out, scales, mode, ac, bool(antialias)))


def _alias(name: str, **fixed: Any) -> None:
    """``F.upsample*``: interpolate with ``fixed`` options (torch's deprecated names)."""
    def forward(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
        kw = dict(mode=mode, align_corners=align_corners, **fixed)
        return _interpolate(input, size, scale_factor, **kw)
    sig = inspect.signature(forward)
    forward.__signature__ = sig.replace(parameters=[p for p in sig.parameters.values()
                                                    if p.name not in fixed])
    OPS[name] = Op(name, forward, OPS["interpolate"].backward)


_alias("upsample")
_alias("upsample_nearest", mode="nearest", align_corners=None)
_alias("upsample_bilinear", mode="bilinear", align_corners=True)


# ----------------------------------------------------------------------------- 1-D pooling
@_layer("max_pool1d", P1.max_pool1d_backward, ("input",))
def _max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                return_indices=False):
    k, s, p, d = P1.pool1d_params("max_pool1d", input, kernel_size, stride, padding, dilation,
                                  ceil_mode)
    y, held = _run(P1.max_pool1d_forward, input, 3, k, s, p, d, bool(ceil_mode))
    if not return_indices:
        return y, held
    idx = P1.max_pool1d_indices(held[0])
    return (y, idx[0] if held[1] else idx), held


@_layer("avg_pool1d", P1.avg_pool1d_backward, ("input",))
def _avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                count_include_pad=True):
    k, s, p, _ = P1.pool1d_params("avg_pool1d", input, kernel_size, stride, padding, 1, ceil_mode)
    return _run(P1.avg_pool1d_forward, input, 3, k, s, p, bool(ceil_mode),
                bool(count_include_pad))


@_layer("adaptive_avg_pool1d", AP1.adaptive_avg_pool1d_backward, ("input",))
def _adaptive_avg_pool1d(input, output_size):
    size = AP1.adaptive_output_size1d("adaptive_avg_pool1d", input, output_size)
    return _run(AP1.adaptive_avg_pool1d_forward, input, 3, size)


@_layer("adaptive_max_pool1d", AP1.adaptive_max_pool1d_backward, ("input",))
def _adaptive_max_pool1d(input, output_size, return_indices=False):
    size = AP1.adaptive_output_size1d("adaptive_max_pool1d", input, output_size)
    y, held = _run(AP1.adaptive_max_pool1d_forward, input, 3, size)
    if not return_indices:
        return y, held
    idx = AP1.adaptive_max_pool1d_indices(held[0])
    return (y, idx[0] if held[1] else idx), held


@_layer("max_unpool2d", F.max_unpool2d_backward, ("input",))
def _max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    hw = unpool_output_size("max_unpool2d", np.shape(input)[-2:], kernel_size, stride, padding,
                            output_size)
    xb, unbatched = _unbatched(input, 4)
    y, cache = F.max_unpool2d_forward(xb, indices[None] if unbatched else indices, hw)
    return (y[0] if unbatched else y), (cache, unbatched)


# ----------------------------------------------------------------------------- stochastic depth
@op("stochastic_depth", uses_mode=True, uses_rng=True)
def _stochastic_depth(input, p, mode, training=True, *, _training=True, _rng=None):
    """torchvision.ops.stochastic_depth; a training graph draws from the graph's ``rng``."""
    return stochastic_depth_forward(float_array("stochastic_depth", input), p, mode,
                                    bool(training and _training), rng=_rng)


OPS["stochastic_depth"].backward = lambda dy, cache: {"input": F.dropout_backward(dy, cache)}


# ----------------------------------------------------------------------------- losses
def _loss(name: str) -> None:
    """``F.<name>`` with torch's signature (legacy size_average/reduce included); the
    gradients go to the input and to a float target."""
    sig = inspect.signature(getattr(L, name))
    fwd, bwd = getattr(L, name + "_forward"), getattr(L, name + "_backward")
    takes = set(inspect.signature(fwd).parameters)

    def forward(*args, **kwargs):
        b = sig.bind(*args, **kwargs)
        b.apply_defaults()
        a = dict(b.arguments)
        a["reduction"] = resolve_reduction(name, a.pop("size_average", None),
                                           a.pop("reduce", None), a["reduction"])
        return fwd(**{k: v for k, v in a.items() if k in takes})
    forward.__signature__ = sig
    OPS[name] = Op(name, forward, lambda dy, cache: dict(zip(("input", "target"),
                                                               bwd(dy, cache))))


for _name in ("mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy",
              "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss"):
    _loss(_name)
