"""2-D transposed convolution (NCHW input, weight (C_in, C_out/groups, kh, kw) as torch).

It is the input-gradient of a conv2d whose input is this op's output: with the conv
geometry ``g`` of that conv (input (N, C_out, Hc, Wc), weight viewed as (C_in, C_out/g, kh, kw)
= (O, Cg, kh, kw)) the maths is the conv's own, GEMMs and chunks included:
- forward: grid of x (G, Og, n*H*Wg), one GEMM with W^T, col2im into the output;
- backward data: im2col of dy, one GEMM with W (a conv forward);
- backward weight: grid of x @ col(dy)^T (the conv's weight gradient).
Output rows/cols added by ``output_padding`` beyond ``padding`` get no tap: the conv runs on
the first (Hc, Wc) of them, the rest hold the bias only.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._checks import as_pair
from ._im2col import _chunk, _col2im, _Geom, _gemm_emit, _grid, _im2col
from .conv import _check_arrays, _geometry

LAYER = "conv_transpose2d"


def _out_size(n: int, k: int, s: int, p: int, op: int, d: int) -> int:
    return (n - 1) * s - 2 * p + d * (k - 1) + 1 + op


def _check_transpose(layer: str, x, weight, bias, stride, padding, output_padding, dilation,
                     groups, spatial: int = 2) -> tuple[int, int]:
    """torch's checks of conv_transpose2d on a 4-D x; returns the output size (Hout, Wout).
    ``spatial=1``: x and weight are 1-D ones viewed with H of size 1 (``conv_transpose1d``),
    and messages show them as the caller passed them."""
    def shape(a) -> list:                       # as the caller passed it
        return list(a.shape) if spatial == 2 else [*a.shape[:2], *a.shape[3:]]

    def pair(v) -> tuple:
        return tuple(v)[2 - spatial:]

    _check_arrays(layer, x, weight, bias)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f"{layer}: non-positive groups is not supported, got groups={groups!r}")
    for name, v, low in (("stride", stride, 1), ("dilation", dilation, 1), ("padding", padding, 0),
                         ("output_padding", output_padding, 0)):
        if min(v) < low:
            raise ValueError(f"{layer}: {'negative' if low == 0 else 'non-positive'} {name} is "
                             f"not supported, got {name}={pair(v)}")
    (cin, og, kh, kw), wsize = weight.shape, shape(weight)
    if cin < 1 or cin % groups:
        raise ValueError(f"{layer}: given groups={groups}, expected weight to be divisible by "
                         f"{groups} at dimension 0, but got weight of size {wsize} instead")
    if x.shape[1] != cin:
        raise ValueError(f"{layer}: given transposed=1, weight of size {wsize}, expected "
                         f"input{shape(x)} to have {cin} channels, but got {x.shape[1]} "
                         f"channels instead")
    if bias is not None and bias.shape != (og * groups,):
        raise ValueError(f"{layer}: given transposed=1, weight of size {wsize}, expected bias to "
                         f"be 1-D with {og * groups} elements, but got bias of size "
                         f"{list(bias.shape)} instead")
    if kh < 1 or kw < 1:
        raise ValueError(f"{layer}: expected a kernel size >= 1, got weight of size {wsize}")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{layer}: output padding must be smaller than either stride or "
                         f"dilation, but got output_padding={pair(output_padding)}, "
                         f"stride={pair(stride)}, dilation={pair(dilation)}")
    out = tuple(_out_size(*a) for a in zip(x.shape[2:], (kh, kw), stride, padding,
                                            output_padding, dilation))
    if min(out) < 1:
        size_in, size_out = (" x ".join(map(str, v[2 - spatial:])) for v in (x.shape[2:], out))
        raise ValueError(f"{layer}: given input size per channel: ({size_in}). Calculated "
                         f"output size per channel: ({size_out}). Output size is too small")
    return out


def output_padding_for(layer: str, input_shape: tuple, output_size, stride, padding,
                       kernel_size, dilation, default) -> tuple[int, ...]:
    """torch's ``_ConvTransposeNd._output_padding``: ``output_size`` (one size per spatial
    dim, or with the leading dims of an unbatched/batched input) -> the output_padding
    giving it. The spatial dims are those of ``kernel_size`` (2, or 1 for 1-D)."""
    if output_size is None:
        return tuple(default)
    nd = len(kernel_size)
    lead = 2 if len(input_shape) == nd + 2 else 1
    size = [int(v) for v in output_size]
    if len(size) == lead + nd:
        size = size[lead:]
    if len(size) != nd:
        raise ValueError(f"{layer}: for {len(input_shape)}D input, output_size must have "
                         f"{nd} or {lead + nd} elements (got {len(size)})")
    lo = [_out_size(n, k, s, p, 0, d) for n, k, s, p, d in
          zip(input_shape[-nd:], kernel_size, stride, padding, dilation)]
    hi = [m + s - 1 for m, s in zip(lo, stride)]
    if any(not a <= v <= b for v, a, b in zip(size, lo, hi)):
        raise ValueError(f"{layer}: requested an output size of {size}, but valid sizes range "
                         f"from {lo} to {hi} (for an input of {list(input_shape[-nd:])})")
    return tuple(v - a for v, a in zip(size, lo))


def _geom(x: np.ndarray, weight: np.ndarray, stride, padding, output_padding, dilation,
          groups, out: tuple[int, int], finite: bool) -> tuple[_Geom | None, tuple[int, int]]:
    """The conv whose input-gradient this op is, and (Hc, Wc): the output rows/cols it covers
    (None when no tap reaches the output at all)."""
    (ph, pw), (oh, ow) = padding, output_padding
    hc, wc = out[0] - max(oh - ph, 0), out[1] - max(ow - pw, 0)
    if min(hc, wc) < 1:
        return None, (0, 0)
    cin, og, kh, kw = weight.shape
    pad = (pw, max(pw - ow, 0), ph, max(ph - oh, 0))                # (left, right, top, bottom)
    g = _geometry((len(x), og * groups, hc, wc), weight.shape, stride, pad, dilation, groups,
                  "zeros", finite, gemm=True)
    return g, (hc, wc)


def conv_transpose2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                             stride=(1, 1), padding=(0, 0), output_padding=(0, 0),
                             groups: int = 1, dilation=(1, 1), layer: str = LAYER,
                             spatial: int = 2) -> tuple[np.ndarray, Any]:
    """x (N, C_in, H, W), weight (C_in, C_out/groups, kh, kw), bias (C_out,) or None
    -> y (N, C_out, Hout, Wout), cache; Hout = (H-1)*sh - 2*ph + dh*(kh-1) + 1 + oph."""
    stride, padding = tuple(stride), tuple(padding)
    output_padding, dilation = tuple(output_padding), tuple(dilation)
    out = _check_transpose(layer, x, weight, bias, stride, padding, output_padding, dilation,
                           groups, spatial)
    # flat grids are safe when W is finite: the grid's zero columns then stay zero.
    g, (hc, wc) = _geom(x, weight, stride, padding, output_padding, dilation, groups, out,
                        bool(np.isfinite(weight).all()))
    y = np.empty((len(x), weight.shape[1] * groups) + out, x.dtype)  # (N, C_out, Hout, Wout)
    if g is None:
        y[...] = 0
    else:
        y[:, :, hc:] = 0
        y[:, :, :hc, wc:] = 0
        yv = y[:, :, :hc, :wc]                                        # what the taps reach
        wgt = weight.reshape(g.G, g.O // g.G, -1).transpose(0, 2, 1)  # (G, Kg, Cin/G)
        nb = _chunk(g, x.itemsize)
        for n0 in range(0, g.N, nb):
            dcol = np.matmul(wgt, _grid(x[n0:n0 + nb], g))            # (G, Kg, n*H*Wg)
            _col2im(dcol, g, yv[n0:n0 + nb])
    if bias is not None:
        y += bias[:, None, None]
    return y, (g, (hc, wc), x, weight, bias is not None)


def conv_transpose2d_backward(dy: np.ndarray, cache
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """dy (N, C_out, Hout, Wout) -> dx (N, C_in, H, W), dweight (C_in, C_out/groups, kh, kw),
    dbias (C_out,) or None."""
    g, (hc, wc), x, weight, has_bias = cache
    dy = dy.astype(weight.dtype, copy=False)
    db = dy.sum(axis=(0, 2, 3)) if has_bias else None
    if g is None:
        return np.zeros(x.shape, dy.dtype), np.zeros_like(weight), db
    dx = np.empty(x.shape, dy.dtype)
    dyv = dy[:, :, :hc, :wc]                                          # rows the taps reach
    if g.flat and not np.isfinite(dyv).all():
        g = g._replace(flat=False)          # col's extra columns would meet the grid's zeros
    wg = weight.reshape(g.G, g.O // g.G, -1)                          # (G, Cin/G, Kg)
    dwg = np.zeros(wg.shape, dy.dtype)
    nb = _chunk(g, dy.itemsize)
    for n0 in range(0, g.N, nb):
        col = _im2col(dyv[n0:n0 + nb], g)                             # (G, Kg, n*H*Wg)
        _gemm_emit(wg, col, dx[n0:n0 + nb], None, g)                  # a conv forward
        dwg += np.matmul(_grid(x[n0:n0 + nb], g), col.transpose(0, 2, 1))
    return dx, dwg.reshape(weight.shape), db


def conv_transpose2d(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> np.ndarray:
    """``torch.nn.functional.conv_transpose2d``: input (N, C_in, H, W) or (C_in, H, W)
    -> (N, C_out, Hout, Wout) or (C_out, Hout, Wout)."""
    args = [as_pair(LAYER, name, v) for name, v in (("stride", stride), ("padding", padding),
                                                     ("output_padding", output_padding))]
    unbatched = isinstance(input, np.ndarray) and input.ndim == 3
    x = input[None] if unbatched else input                           # (1, C_in, H, W)
    y = conv_transpose2d_forward(x, weight, bias, *args, groups,
                                 as_pair(LAYER, "dilation", dilation))[0]
    return y[0] if unbatched else y
