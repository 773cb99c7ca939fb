"""2-D convolution (NCHW input, OIHW weight) with its backward.

One public, checked entry (``conv2d_forward``: the modules' ``F.conv2d``) and its backward.
The work goes to one of the code paths of ``_conv_paths.py`` (one forward/backward
interface), picked by the first row of ``CHOICE`` whose condition holds:

- ``pointwise`` 1x1 kernel, stride 1: the input is the column matrix, one batched matmul;
- ``depthwise`` groups == C == O > 1, finite x and W: per-tap multiply-adds on blocks of
  channel planes (``_depthwise.py``);
- ``winograd`` 3x3, stride 1, dilation 1, groups 1, zeros padding <= 2, finite x and W,
  C_in*C_out >= WINOGRAD_MIN_CO: Winograd F(2x2, 3x3) (``winograd.py``);
- ``gemm`` otherwise: pad once, im2col into one contiguous col per chunk of samples, one
  matmul batched over groups (``_im2col.py``).

``flat`` grid (gemm and depthwise): the padded input is split into its stride phases and
flattened, so a tap is one contiguous run per plane and outputs live on rows of the phase
width Wq instead of Wo (extra columns cropped); used when that waste is <= FLAT_MAX_WASTE,
Wo <= FLAT_MAX_WIDTH and x and W are finite (the extra columns must not turn 0 * inf into
NaN). The measurements behind these rules are in the README's speed section.
"""
from __future__ import annotations

import numpy as np

from .._checks import as_pair
from ._conv_paths import PATHS
from ._im2col import _Geom
from .padding import _check as _check_pad

FLAT_MAX_WASTE, FLAT_MAX_WIDTH = 0.08, 256
WINOGRAD_MIN_CO = 32 * 32        # C_in * C_out from which 3x3 stride-1 convs use Winograd
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


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


# The choice of path, first match wins (c: the conv's kernel k, stride s, dilation d,
# groups G, channels C, O, Cg = C/G, padding mode, pad, whether x and W are finite).
CHOICE = (
    ("pointwise", lambda c: c["k"] == (1, 1) and c["s"] == (1, 1)),
    ("depthwise", lambda c: c["Cg"] == 1 and c["G"] == c["C"] == c["O"] > 1 and c["finite"]),
    ("winograd", lambda c: c["k"] == (3, 3) and c["s"] == c["d"] == (1, 1) and c["G"] == 1
     and c["finite"] and c["C"] * c["O"] >= WINOGRAD_MIN_CO and c["mode"] == "zeros"
     and max(c["pad"]) <= 2),
    ("gemm", lambda c: True),
)


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
    c = dict(k=(kh, kw), s=(sh, sw), d=(dh, dw), G=groups, C=C, O=O, Cg=cg, mode=mode,
             pad=tuple(pad), finite=finite)
    path = "gemm" if gemm else next(name for name, holds in CHOICE if holds(c))
    flat = path == "depthwise" or (finite and Wq - Wo <= FLAT_MAX_WASTE * Wo
                                   and Wo <= FLAT_MAX_WIDTH)
    return _Geom(N, C, H, W, O, groups, kh, kw, sh, sw, dh, dw, tuple(pad), mode,
                 Hp, Wp, Ho, Wo, Hq, Wq, path, flat, taps)


# inf and NaN inputs or gradients give inf/NaN results silently, as in torch (errstate is
# per thread: the depthwise blocks set it themselves).
_quiet = np.errstate(invalid="ignore", over="ignore", divide="ignore")


@_quiet
def _forward(x, weight, bias, stride, padding, dilation, groups, mode, keep: bool):
    """The core of ``conv2d_forward`` (arguments already checked)."""
    kh, kw = weight.shape[2:]
    finite = (kh == kw == 1 and tuple(stride) == (1, 1)) or bool(
        np.isfinite(x).all() and np.isfinite(weight).all())
    g = _geometry(x.shape, weight.shape, stride, padding, dilation, groups, mode, finite)
    y, state = PATHS[g.path].forward(x, weight, bias, g, keep)
    return y, (g, weight, bias is not None, state)


def conv2d_forward(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                   stride: tuple[int, int] = (1, 1),
                   padding: tuple[int, int, int, int] = (0, 0, 0, 0),
                   dilation: tuple[int, int] = (1, 1), groups: int = 1,
                   padding_mode: str = "zeros", *, keep: bool = True, layer: str = "conv2d",
                   shown: tuple | None = None):
    """x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) or None -> y (N, O, Ho, Wo), cache.

    ``padding`` is (left, right, top, bottom), filled per ``padding_mode`` as torch does.
    Every check of torch's conv2d runs here, its messages naming ``layer`` and showing the
    (input, weight) shapes ``shown`` (default: x's and weight's). ``keep``: a backward will
    follow (False: nothing is kept beyond what the cache needs).
    """
    stride, padding, dilation = tuple(stride), tuple(padding), tuple(dilation)
    _check_conv(layer, x, weight, bias, stride, padding, dilation, groups, padding_mode, shown)
    return _forward(x, weight, bias, stride, padding, dilation, groups, padding_mode, keep)


@_quiet
def conv2d_backward(dy: np.ndarray, cache):
    """dy (N, O, Ho, Wo) -> dx (N, C, H, W), dweight (O, C/groups, kh, kw), dbias (O,) or None."""
    g, weight, has_bias, state = cache
    dy = dy.astype(weight.dtype, copy=False)
    dx, dwg = PATHS[g.path].backward(dy, weight, g, state)
    db = dy.sum(axis=(0, 2, 3)) if has_bias else None
    return dx, dwg.reshape(weight.shape), db


def resolve_padding(layer: str, padding, kernel_size, stride, dilation) -> tuple[int, int, int, int]:
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
    pad = resolve_padding("conv2d", padding, weight.shape[2:], stride, dilation)
    unbatched = isinstance(input, np.ndarray) and input.ndim == 3
    x = input[None] if unbatched else input                           # (1, C, H, W)
    y = conv2d_forward(x, weight, bias, stride, pad, dilation, groups, keep=False)[0]
    return y[0] if unbatched else y


def check_channels(layer: str, in_channels, out_channels, groups) -> None:
    """A conv module constructor's checks of its channel counts and groups (torch's)."""
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f"{layer}: groups must be a positive integer, got {groups!r}")
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{layer}: expected {name} to be a non-negative int, got {v!r}")
        if v % groups:
            raise ValueError(f"{layer}: {name} must be divisible by groups, got {name}={v} "
                             f"and groups={groups}")
