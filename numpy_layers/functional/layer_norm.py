"""Layer normalisation over the trailing ``normalized_shape`` axes: x (*, *S) -> y (*, *S).

Statistics per row (the trailing prod(S) values): mean, then the *biased* variance of the
deviations (two-pass), accumulated in float64; the result is cast back to the input dtype.
weight/bias, when given, have shape S and are applied elementwise after normalising.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import check_float_array

_quiet = np.errstate(divide="ignore", invalid="ignore", over="ignore")


@dataclass
class RowNormCache:
    """``xhat`` (M, K) float64 normalised rows; ``inv_std`` (M, 1) float64."""
    xhat: np.ndarray
    inv_std: np.ndarray


def row_norm_forward(x2: np.ndarray, eps: float) -> tuple[np.ndarray, RowNormCache]:
    """x2 (M, K) -> xhat (M, K) float64, cache. Two-pass biased variance in float64."""
    xd = x2.astype(np.float64)                                   # copy: input untouched
    mean = xd.mean(axis=1, keepdims=True)                        # (M, 1)
    xd -= mean
    var = np.mean(xd * xd, axis=1, keepdims=True)                # (M, 1) biased
    inv_std = 1.0 / np.sqrt(var + eps)
    xd *= inv_std
    return xd, RowNormCache(xd, inv_std)


def row_norm_backward(g2: np.ndarray, cache: RowNormCache) -> np.ndarray:
    """g2 (M, K) float64 = dL/dxhat -> dL/dx (M, K) float64."""
    xhat, k = cache.xhat, cache.xhat.shape[1]
    if k == 0:
        return np.zeros_like(g2)
    mg = g2.mean(axis=1, keepdims=True)
    mgx = np.mean(g2 * xhat, axis=1, keepdims=True)
    return cache.inv_std * (g2 - mg - xhat * mgx)


@dataclass
class LayerNormCache:
    norm: RowNormCache
    weight: np.ndarray | None
    has_bias: bool
    shape: tuple[int, ...]
    normalized_shape: tuple[int, ...]
    dtype: np.dtype


def as_normalized_shape(layer: str, normalized_shape) -> tuple[int, ...]:
    if isinstance(normalized_shape, (int, np.integer)):
        return (int(normalized_shape),)
    try:
        return tuple(int(s) for s in normalized_shape)
    except TypeError:
        raise TypeError(f"{layer}: expected normalized_shape to be an int or a sequence of "
                        f"ints, got {normalized_shape!r}") from None


def check_layer_norm_input(layer: str, x: np.ndarray, normalized_shape: tuple[int, ...]) -> None:
    ns = tuple(normalized_shape)
    if x.ndim < len(ns) or tuple(x.shape[x.ndim - len(ns):]) != ns:
        raise ValueError(
            f"{layer}: expected input with shape [*, {', '.join(map(str, ns))}] (trailing "
            f"dimensions equal to normalized_shape {ns}), got input of shape {tuple(x.shape)}")


@_quiet
def layer_norm_forward(x: np.ndarray, normalized_shape, weight: np.ndarray | None,
                       bias: np.ndarray | None, eps: float) -> tuple[np.ndarray, LayerNormCache]:
    """x (*, *S), weight/bias S or None -> y (*, *S) in x's dtype, cache. Pure."""
    ns = as_normalized_shape("layer_norm", normalized_shape)
    check_layer_norm_input("layer_norm", x, ns)
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(np.shape(v)) != ns:
            raise ValueError(f"layer_norm: {name} should have shape {ns} (normalized_shape), "
                             f"got {tuple(np.shape(v))}")
    k = math.prod(ns)
    m = math.prod(x.shape[:x.ndim - len(ns)])
    xhat, ncache = row_norm_forward(x.reshape(m, k), eps)
    y = xhat.reshape(x.shape)
    if weight is not None:
        y = y * np.asarray(weight, np.float64)
    if bias is not None:
        y = y + np.asarray(bias, np.float64)
    cache = LayerNormCache(ncache, weight, bias is not None, tuple(x.shape), ns, x.dtype)
    return y.astype(x.dtype), cache


@_quiet
def layer_norm_backward(dy: np.ndarray, cache: LayerNormCache
                        ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """dy (*, *S) -> dx (*, *S), dweight S or None, dbias S or None."""
    m, k = cache.norm.xhat.shape
    g = dy.astype(np.float64).reshape(m, k)                      # (M, K)
    ns = cache.normalized_shape
    dweight = dbias = None
    if cache.has_bias:
        dbias = np.sum(g, axis=0).reshape(ns).astype(cache.dtype)
    if cache.weight is not None:
        dweight = np.sum(g * cache.norm.xhat, axis=0).reshape(ns).astype(cache.weight.dtype)
        g = g * np.asarray(cache.weight, np.float64).reshape(1, k)
    dx = row_norm_backward(g, cache.norm).reshape(cache.shape).astype(cache.dtype)
    return dx, dweight, dbias


def layer_norm(input: np.ndarray, normalized_shape, weight: np.ndarray | None = None,
               bias: np.ndarray | None = None, eps: float = 1e-5) -> np.ndarray:
    """``torch.nn.functional.layer_norm``: input (*, *S) -> (*, *S), forward only."""
    check_float_array("layer_norm", input)
    return layer_norm_forward(input, normalized_shape, weight, bias, eps)[0]


__all__ = ["LayerNormCache", "RowNormCache", "layer_norm", "layer_norm_forward",
           "layer_norm_backward", "row_norm_forward", "row_norm_backward"]
