"""2-D convolution (NCHW input, OIHW weight) with its backward.

Choice rule (timed on 2 cores against torch):
- ``pointwise`` (1x1 kernel, stride 1): no im2col, the input is the column matrix:
  y (n, G, Og, P) = W (G, Og, Cg) @ x (n, G, Cg, P), one batched matmul.
- ``depthwise`` (``_depthwise.py``; groups == C == O): a GEMM with K = kh*kw is wasteful;
  instead a per-tap multiply-add over the kh*kw shifted slices, on blocks of channel planes
  that stay in cache (padded and cropped block-wise), the blocks spread over THREADS threads.
- ``gemm`` (``_im2col.py``) otherwise: pad once, im2col as kh*kw slice copies into one
  contiguous col (C*kh*kw, n*Ho*Wg), ONE matmul batched over groups, output transposed back.
  The batch sits in the columns (one wide GEMM beats n small ones when Ho*Wo is small);
  chunks of n samples keep each buffer under CHUNK_BYTES (bigger fresh arrays page-fault).
``flat`` grid: the padded input is split into its stride phases (nothing to do at stride
1), planes flattened; a tap is then one contiguous run per plane and outputs live on rows
of the phase width Wq instead of Wo (extra columns cropped). im2col/col2im get long inner
loops (col2im 3x faster at 56x56) for a GEMM Wq/Wo wider: used when that waste is <=
FLAT_MAX_WASTE, Wo <= FLAT_MAX_WIDTH (long rows are fast anyway) and x and W are finite
(the extra columns must not turn 0 * inf into NaN). Else ``compact``: strided 4-D taps.
Threads did not speed up the GEMM path's copies (memory-bound), so they run on one.
``winograd`` (winograd.py): 3x3, stride 1, dilation 1, groups 1, zeros padding <= 2, finite
x and W, C_in*C_out >= WINOGRAD_MIN_CO. Measured float32 (8,64,56,56) 64->64 p1, 2 threads,
fwd+bwd medians: im2col 41.8 ms, Winograd 28 ms (GEMMs 15, transforms 13), torch 14-22 ms.
F(4x4,3x3) would cut the GEMM work 1.8x more, but its float32 error measured 13-19x torch's
(C=64, 256; the parity policy allows 4x), so it is not used.
Large temporaries live in per-thread scratch buffers (``_workspace``), never in results.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._checks import as_pair
from . import winograd
from ._depthwise import _depthwise
from . import _im2col as im2col              # the module: WORKSPACE_BYTES read at call time
from ._im2col import _chunk, _col2im, _Geom, _gemm_emit, _grid, _im2col, _pad, _unpad
from ._workspace import scratch
from .padding import _check as _check_pad

FLAT_MAX_WASTE, FLAT_MAX_WIDTH = 0.08, 256
WINOGRAD_MIN_CO = 32 * 32        # C_in * C_out from which 3x3 stride-1 convs use Winograd
WINOGRAD_CHUNK_BYTES = 4 * 2**20  # cap on Winograd's V or M buffer of one chunk, raised to
# U's size when U (16*O*C) is bigger: few-column GEMMs re-read U per chunk. Fwd+bwd medians
# of 30 alternating calls, (8, C, 56*64/C, same) 3x3: 2/4/8/16 MB at C=64: 33.0/31.9/34.2/
# 36.3 ms; 4/8 MB at C=128: 24.6/26.0, C=256: 24.1/22.8; C=512 at 7x7: 46 ms at 4 MB, 38 ms
# with the whole batch in one chunk (U is 16 MB).
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _serial(fn: Callable[[int, int], None], n: int) -> None:
    """fn(0, n) on the calling thread: the Winograd transforms' runner. Their chunks are
    small and sit between 2-thread GEMMs; spreading them over 2 threads lost in every shape
    (fwd+bwd medians of 30 alternating calls, (8, C, 56*64/C, same), 1 vs 2 threads:
    C=64 27.9 vs 29.9 ms, C=128 22.8 vs 23.8, C=256 21.4 vs 21.9, C=512 30.3 vs 30.8)."""
    fn(0, n)


def _check_arrays(layer: str, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> None:
    """Float ndarrays of one dtype, a 4-D x and a 4-D weight, else torch's error."""
    for name, a in (("input", x), ("weight", weight), ("bias", bias)):
        if a is not None and (not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64)):
            raise TypeError(f"{layer}: expected {name} to be a float32 or float64 ndarray, got "
                            f"{getattr(a, 'dtype', type(a).__name__)}")
        if a is not None and a.dtype != x.dtype:
            raise TypeError(f"{layer}: input dtype {x.dtype} and {name} dtype {a.dtype} should "
                            f"be the same (torch raises too)")
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"{layer}: expected 3-D (unbatched) or 4-D (batched) input and a 4-D "
                         f"weight, got input {tuple(x.shape)} and weight {tuple(weight.shape)}")


def _check_conv(layer: str, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None,
                stride, pad, dilation, groups: int, padding_mode: str,
                shown: tuple | None = None) -> None:
    """torch's checks of conv2d on a 4-D x, ``pad`` (l, r, t, b); messages name ``layer``
    and show the (input, weight) shapes ``shown`` (default: x's and weight's)."""
    _check_arrays(layer, x, weight, bias)
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{layer}: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f"{layer}: non-positive groups is not supported, got groups={groups!r}")
    for name, v, low in (("stride", stride, 1), ("dilation", dilation, 1), ("padding", pad, 0)):
        if min(v) < low:
            raise ValueError(f"{layer}: {'negative' if low == 0 else 'non-positive'} {name} is "
                             f"not supported, got {name}={tuple(v)}")
    xsize, wsize = (list(a) for a in (shown or (x.shape, weight.shape)))
    O, cg, kh, kw = weight.shape
    if O < 1 or O % groups:
        need = f"divisible by {groups}" if O else "at least 1"
        raise ValueError(f"{layer}: given groups={groups}, expected weight to be {need} at "
                         f"dimension 0, but got weight of size {wsize} instead")
    if x.shape[1] != cg * groups:
        raise ValueError(f"{layer}: given groups={groups}, weight of size {wsize}, expected "
                         f"input{xsize} to have {cg * groups} channels, but got "
                         f"{x.shape[1]} channels instead")
    if bias is not None and bias.shape != (O,):
        raise ValueError(f"{layer}: given weight of size {wsize}, expected bias to be 1-D with "
                         f"{O} elements, but got bias of size {list(bias.shape)} instead")
    if kh < 1 or kw < 1:
        raise ValueError(f"{layer}: expected a kernel size >= 1, got weight of size {wsize}")
    hp, wp = x.shape[2] + pad[2] + pad[3], x.shape[3] + pad[0] + pad[1]
    ekh, ekw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if hp < ekh or wp < ekw:
        raise ValueError(f"{layer}: calculated padded input size per channel: ({hp} x {wp}). "
                         f"Kernel size: ({ekh} x {ekw}). Kernel size can't be greater than "
                         f"actual input size")
    if padding_mode != "zeros":
        _check_pad(x, tuple(pad), padding_mode, layer)


def _geometry(xshape: tuple, wshape: tuple, stride, pad, dilation, groups, mode, finite: bool,
              gemm: bool = False) -> _Geom:
    """Geometry of a conv of an x of shape ``xshape`` with a weight of shape ``wshape``;
    ``gemm`` forces the im2col path (the transposed conv has no other)."""
    (N, C, H, W), (O, cg, kh, kw) = xshape, wshape
    (sh, sw), (dh, dw) = stride, dilation
    Hp, Wp = H + pad[2] + pad[3], W + pad[0] + pad[1]
    Ho, Wo = (Hp - dh * (kh - 1) - 1) // sh + 1, (Wp - dw * (kw - 1) - 1) // sw + 1
    Hq, Wq = -(-Hp // sh), -(-Wp // sw)
    taps = tuple((i, j, i * dh % sh, j * dw % sw, i * dh // sh * Wq + j * dw // sw)
                 for i in range(kh) for j in range(kw))
    path = ("gemm" if gemm else "pointwise" if kh == kw == 1 and sh == sw == 1 else
            "depthwise" if cg == 1 and groups == C == O > 1 and finite else
            "winograd" if (kh == kw == 3 and sh == sw == dh == dw == groups == 1 and finite
                           and C * O >= WINOGRAD_MIN_CO and mode == "zeros" and max(pad) <= 2)
            else "gemm")
    flat = path == "depthwise" or (finite and Wq - Wo <= FLAT_MAX_WASTE * Wo
                                   and Wo <= FLAT_MAX_WIDTH)
    return _Geom(N, C, H, W, O, groups, kh, kw, sh, sw, dh, dw, tuple(pad), mode,
                 Hp, Wp, Ho, Wo, Hq, Wq, path, flat, taps)


# inf and NaN inputs or gradients give inf/NaN results silently, as in torch (errstate is
# per thread: the depthwise blocks set it themselves).
_quiet = np.errstate(invalid="ignore", over="ignore", divide="ignore")


@_quiet
def _forward(x, weight, bias, stride, padding, dilation, groups, mode, keep_col=True):
    """The core of ``conv2d_forward`` (arguments already checked)."""
    kh, kw = weight.shape[2:]
    finite = (kh == kw == 1 and tuple(stride) == (1, 1)) or bool(
        np.isfinite(x).all() and np.isfinite(weight).all())
    g = _geometry(x.shape, weight.shape, stride, padding, dilation, groups, mode, finite)
    N, C, O, G, isz = g.N, g.C, g.O, g.G, x.itemsize
    Og, K, Pg, P = O // G, C * kh * kw, g.Ho * g.Wg, g.Hp * g.Wp
    wg = weight.reshape(G, Og, -1)                                    # (G, Og, Cg*kh*kw)
    if g.path == "winograd":
        th, tw = winograd.tiles(g.Ho, g.Wo)
        per = 16 * max(C, O) * th * (tw + 1) * isz                    # V or M of one sample
        bound = im2col.WORKSPACE_BYTES
        keep = keep_col and N * per <= bound // 2
        nb = int(max(1, min(N, (bound - (N * per if keep else 0)) // (3 * per),
                            max(WINOGRAD_CHUNK_BYTES, 16 * C * O * isz) // per)))
        u = winograd.weight_transform(weight, None if keep else "winograd.U")  # (16, O, C)
        y, vs = winograd.forward(x, u, bias, g.pad, _serial, nb, keep)   # kept: V and U
        kept = (vs, u if keep else None)       # x too: a non-finite dy takes the gemm path
        return y, (g, weight, bias is not None, x, kept, nb)
    y = np.empty((N, O, g.Ho, g.Wo), x.dtype)
    if g.path == "depthwise":
        _depthwise(g, x, weight, bias, y=y)
        return y, (g, weight, bias is not None, x, None, N)
    # Chunks of nb samples: a chunk's buffers fit WORKSPACE_BYTES minus the kept col.
    bound = im2col.WORKSPACE_BYTES
    keep = g.path == "gemm" and keep_col and N * K * Pg * isz <= bound // 2
    nb = _chunk(g, isz, bound - (N * K * Pg * isz if keep else 0))
    cols = [] if keep else None
    for n0 in range(0, N, nb):
        xc, yc = x[n0:n0 + nb], y[n0:n0 + nb]
        n = len(xc)
        if g.path == "pointwise":
            xv = _pad(xc, g).reshape(n, G, -1, P)                     # (n, G, Cg, P)
            np.matmul(wg, xv, out=yc.reshape(n, G, Og, P))            # (n, G, Og, P)
            if bias is not None:
                yc += bias[:, None, None]
            continue
        col = _im2col(xc, g, None if keep else "conv.col")            # (G, Kg, n*Ho*Wg)
        if keep:
            cols.append(col)
        _gemm_emit(wg, col, yc, bias, g)
    return y, (g, weight, bias is not None, None if keep else x, cols, nb)


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                   stride: tuple[int, int] = (1, 1),
                   padding: tuple[int, int, int, int] = (0, 0, 0, 0),
                   dilation: tuple[int, int] = (1, 1), groups: int = 1,
                   padding_mode: str = "zeros"):
    """x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) or None -> y (N, O, Ho, Wo), cache.

    ``padding`` is (left, right, top, bottom), filled per ``padding_mode`` as torch does.
    """
    stride, padding, dilation = tuple(stride), tuple(padding), tuple(dilation)
    _check_conv("conv2d", x, weight, bias, stride, padding, dilation, groups, padding_mode)
    return _forward(x, weight, bias, stride, padding, dilation, groups, padding_mode)


@_quiet
def conv2d_backward(dy: np.ndarray, cache):
    """dy (N, O, Ho, Wo) -> dx (N, C, H, W), dweight (O, C/groups, kh, kw), dbias (O,) or None."""
    g, weight, has_bias, x, cols, nb = cache
    dy = dy.astype(weight.dtype, copy=False)
    if g.path == "winograd" and np.isfinite(dy).all():
        dx, dw = winograd.backward(dy, x, weight, g.pad, cols[0], _serial, nb,
                                   (g.N, g.C, g.H, g.W), cols[1])
        return dx, dw, dy.sum(axis=(0, 2, 3)) if has_bias else None
    if g.path == "winograd":   # inf in dy: Winograd's sums would turn inf - inf into NaN
        g, cols = g._replace(path="gemm"), None
        nb = _chunk(g, dy.itemsize)
    G, C, Og, P = g.G, g.C, g.O // g.G, g.Hp * g.Wp
    wg = weight.reshape(G, Og, -1)                                    # (G, Og, Kg)
    wgt = wg.transpose(0, 2, 1)                                       # (G, Kg, Og)
    dx = np.empty((g.N, C, g.H, g.W), dy.dtype)
    dwg = np.zeros(wg.shape, dy.dtype)
    if g.path == "depthwise":
        dwp = np.empty((g.N * C, g.kh * g.kw), dy.dtype)              # per plane and tap
        _depthwise(g, x, weight, dy=np.ascontiguousarray(dy), dx=dx, dwp=dwp)
        dwg = dwp.reshape(g.N, G, 1, g.kh * g.kw).sum(0)           # no -1: N may be 0
    for k, n0 in enumerate(range(0, g.N, nb) if g.path != "depthwise" else ()):
        dyc = dy[n0:n0 + nb]
        n = len(dyc)
        if g.path == "pointwise":
            xv = _pad(x[n0:n0 + n], g).reshape(n, G, -1, P)            # (n, G, Cg, P)
            dyv = dyc.reshape(n, G, Og, P)                            # (n, G, Og, P)
            dwn = scratch("conv.dw", (n,) + wg.shape, dy.dtype)       # (n, G, Og, Cg)
            dwg += np.matmul(dyv, xv.transpose(0, 1, 3, 2), out=dwn).sum(0)
            if not any(g.pad):                                        # straight into dx
                np.matmul(wgt, dyv, out=dx[n0:n0 + n].reshape(n, G, -1, P))
                continue
            dxp = np.matmul(wgt, dyv, out=scratch("conv.dcol", (n, G, C // G, P), dy.dtype))
            dx[n0:n0 + n] = _unpad(dxp.reshape(n, C, g.Hp, g.Wp), g)
            continue
        col = cols[k] if cols is not None else _im2col(x[n0:n0 + n], g, "conv.col")
        dyt = _grid(dyc, g)                                           # (G, Og, n*Ho*Wg)
        dwg += np.matmul(dyt, col.transpose(0, 2, 1), out=scratch("conv.dw", wg.shape, dy.dtype))
        dcol = np.matmul(wgt, dyt, out=scratch("conv.dcol", col.shape, dy.dtype))
        _col2im(dcol, g, dx[n0:n0 + n])
    db = dy.sum(axis=(0, 2, 3)) if has_bias else None
    return dx, dwg.reshape(weight.shape), db


def _resolve_padding(layer: str, padding, kernel_size, stride, dilation) -> tuple[int, int, int, int]:
    """int, pair, 'valid' or 'same' -> (left, right, top, bottom), with torch's errors.

    torch's 'same': total d*(k-1) per dim, left (top) total//2, right (bottom) the rest.
    """
    if not isinstance(padding, str):
        ph, pw = as_pair(layer, "padding", padding)
        return (pw, pw, ph, ph)
    if padding not in ("same", "valid"):
        raise ValueError(f"{layer}: invalid padding string {padding!r}, should be one of "
                         f"{{'same', 'valid'}}")
    if padding == "valid":
        return (0, 0, 0, 0)
    if any(s != 1 for s in stride):
        raise ValueError(f"{layer}: padding='same' is not supported for strided convolutions")
    th, tw = dilation[0] * (kernel_size[0] - 1), dilation[1] * (kernel_size[1] - 1)
    return (tw // 2, tw - tw // 2, th // 2, th - th // 2)


def conv2d(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
           stride=1, padding=0, dilation=1, groups: int = 1) -> np.ndarray:
    """``torch.nn.functional.conv2d``: input (N, C, H, W) or (C, H, W) -> (N, O, Ho, Wo) or (O, Ho, Wo)."""
    stride, dilation = as_pair("conv2d", "stride", stride), as_pair("conv2d", "dilation", dilation)
    if not isinstance(weight, np.ndarray) or weight.ndim != 4:
        raise ValueError(f"conv2d: expected a 4-D weight ndarray, got {getattr(weight, 'shape', weight)}")
    pad = _resolve_padding("conv2d", padding, weight.shape[2:], stride, dilation)
    unbatched = isinstance(input, np.ndarray) and input.ndim == 3
    x = input[None] if unbatched else input                           # (1, C, H, W)
    _check_conv("conv2d", x, weight, bias, stride, pad, dilation, groups, "zeros")
    y = _forward(x, weight, bias, stride, pad, dilation, groups, "zeros", keep_col=False)[0]
    return y[0] if unbatched else y


def _check_channels(layer: str, in_channels, out_channels, groups) -> None:
    """A conv module constructor's checks of its channel counts and groups (torch's)."""
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f"{layer}: groups must be a positive integer, got {groups!r}")
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{layer}: expected {name} to be a non-negative int, got {v!r}")
        if v % groups:
            raise ValueError(f"{layer}: {name} must be divisible by groups, got {name}={v} "
                             f"and groups={groups}")
