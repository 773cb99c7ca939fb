"""Layers in the style of a university course's assignments: ``*_forward(...) -> (out,
cache)`` and ``*_backward(dout, cache) -> grads``, options in dicts (``conv_param``,
``pool_param``, ``bn_param``, ``dropout_param``), the mode as ``'train'``/``'test'`` and
running statistics kept in ``bn_param``. Weights of the affine layer are (D, M): the
transpose of torch's. Dropout's ``p`` is the *keep* probability, as in the course.

The ``buggy_*`` functions carry one classic bug each (the check must name it).
"""
import numpy as np


def affine_forward(x, w, b):
    """x: (N, d_1, ..., d_k), w: (D, M), b: (M,) -> out (N, M)."""
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return np.where(cache <= 0, 0, dout).astype(dout.dtype)     # NaN passes, as torch


def batchnorm_forward(x, gamma, beta, bn_param):
    """x: (N, D). bn_param: mode 'train'/'test', eps, momentum, running_mean, running_var."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    n, d = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(d, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(d, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=0) if n else running_mean
        var = x.var(axis=0) if n else running_var
        std = np.sqrt(var + eps)
        xhat = (x - mu) / std
        out = gamma * xhat + beta
        if n:   # torch's momentum weights the new batch; the unbiased variance is tracked
            running_mean = (1 - momentum) * running_mean + momentum * mu
            running_var = (1 - momentum) * running_var + momentum * var * n / max(n - 1, 1)
        cache = (xhat, std, gamma, True)
    elif mode == "test":
        std = np.sqrt(running_var + eps)
        xhat = (x - running_mean) / std
        out = gamma * xhat + beta
        cache = (xhat, std, gamma, False)
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    xhat, std, gamma, train = cache
    n = dout.shape[0]
    dgamma = (dout * xhat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dxhat = dout * gamma
    if not train:                     # the running statistics are constants
        return dxhat / std, dgamma, dbeta
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (max(n, 1) * std)
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """x: (N, C, H, W): batch norm per channel over N, H, W."""
    n, c, h, w = x.shape
    flat = x.transpose(0, 2, 3, 1).reshape(-1, c)             # (N*H*W, C)
    out, cache = batchnorm_forward(flat, gamma, beta, bn_param)
    return out.reshape(n, h, w, c).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    flat = dout.transpose(0, 2, 3, 1).reshape(-1, c)          # (N*H*W, C)
    dx, dgamma, dbeta = batchnorm_backward(flat, cache)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta


def dropout_forward(x, dropout_param):
    """dropout_param: p (the probability of keeping a unit), mode, seed (optional)."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    return out.astype(x.dtype, copy=False), (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return (dout * mask).astype(dout.dtype, copy=False)
    return dout


def conv_forward_naive(x, w, b, conv_param):
    """x: (N, C, H, W), w: (F, C, HH, WW), b: (F,); conv_param: stride, pad."""
    stride, pad = conv_param["stride"], conv_param["pad"]
    n, c, h, wd = x.shape
    f, _, hh, ww = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho = 1 + (h + 2 * pad - hh) // stride
    wo = 1 + (wd + 2 * pad - ww) // stride
    out = np.zeros((n, f, ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * stride:i * stride + hh, j * stride:j * stride + ww]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)


def _conv_backward(dout, cache, crop):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    hh, ww = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + hh)
            cols = slice(j * stride, j * stride + ww)
            dxp[:, :, rows, cols] += np.tensordot(dout[:, :, i, j], w, axes=(1, 0))
            dw += np.tensordot(dout[:, :, i, j], xp[:, :, rows, cols], axes=(0, 0))
    return crop(dxp, pad, x), dw, dout.sum(axis=(0, 2, 3))


def conv_backward_naive(dout, cache):
    return _conv_backward(dout, cache, lambda dxp, pad, x: dxp[:, :, pad:pad + x.shape[2],
                                                                pad:pad + x.shape[3]])


def max_pool_forward_naive(x, pool_param):
    """x: (N, C, H, W); pool_param: pool_height, pool_width, stride."""
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    n, c, h, w = x.shape
    ho, wo = 1 + (h - ph) // s, 1 + (w - pw) // s
    out = np.zeros((n, c, ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def _max_pool_backward(dout, cache, route):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += route(window) * dout[:, :, i, j, None, None]
    return dx


def _first_max(window):
    """1 at the first maximum of each window (row-major order), as torch routes ties; a
    window holding NaN routes to its last NaN, as torch does."""
    n, c, ph, pw = window.shape
    flat = window.reshape(n, c, -1)                                   # (N, C, ph*pw)
    win = flat.argmax(axis=2)
    nan = np.isnan(flat)
    last_nan = flat.shape[2] - 1 - nan[:, :, ::-1].argmax(axis=2)
    win = np.where(nan.any(axis=2), last_nan, win)
    one = np.zeros_like(flat)
    np.put_along_axis(one, win[..., None], 1, axis=2)
    return one.reshape(window.shape)


def max_pool_backward_naive(dout, cache):
    return _max_pool_backward(dout, cache, _first_max)


# ----------------------------------------------------------------------------- buggy twins
def buggy_conv_forward_naive(x, w, b, conv_param):
    return conv_forward_naive(x, w, b, conv_param)


def buggy_conv_backward_naive(dout, cache):
    """Crops the padding with dxp[:, :, pad:-pad, pad:-pad]: empty when pad is 0."""
    return _conv_backward(dout, cache, lambda dxp, pad, x: dxp[:, :, pad:-pad, pad:-pad])


def buggy_max_pool_forward_naive(x, pool_param):
    return max_pool_forward_naive(x, pool_param)


def buggy_max_pool_backward_naive(dout, cache):
    """Sends the gradient to every element equal to the window's maximum."""
    return _max_pool_backward(dout, cache, lambda win: win == win.max(axis=(2, 3), keepdims=True))


def buggy_spatial_batchnorm_forward(x, gamma, beta, bn_param):
    return spatial_batchnorm_forward(x, gamma, beta, bn_param)


def buggy_spatial_batchnorm_backward(dout, cache):
    """Divides by the batch size N where the statistics were taken over N*H*W values."""
    xhat, std, gamma, _ = cache
    n = dout.shape[0]
    c = dout.shape[1]
    flat = dout.transpose(0, 2, 3, 1).reshape(-1, c)
    dxhat = flat * gamma
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * std)
    h, w = dout.shape[2:]
    return (dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), (flat * xhat).sum(axis=0),
            flat.sum(axis=0))


def buggy_batchnorm_forward(x, gamma, beta, bn_param):
    """The other momentum convention (the old value weighted by momentum, 0.9) and the
    biased batch variance in the running variance."""
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(x.shape[1], dtype=x.dtype))
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        out = gamma * (x - mu) / np.sqrt(var + eps) + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, None
