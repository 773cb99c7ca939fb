"""Convolution and pooling as the deeplearning.ai course assignment writes them:
channels-last input (m, n_H, n_W, n_C), filters W (f, f, n_C_prev, n_C), bias b
(1, 1, 1, n_C), options in an ``hparameters`` dict (``stride``, ``pad``, ``f``), a pooling
``mode="max"`` that is a pooling kind, not a train/eval flag. Checked with
``--layout NHWC``.

``wrong_conv_backward`` keeps dW of the last example only (``=`` for ``+=``);
``wrong_pool_backward`` sends the gradient to every tied maximum (mask ``x == max(x)``).
"""
import numpy as np


def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")


def conv_forward(A_prev, W, b, hparameters):
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape                     # square filters only
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = int((n_H_prev - f + 2 * pad) / stride) + 1
    n_W = int((n_W_prev - f + 2 * pad) / stride) + 1
    Z = np.zeros((m, n_H, n_W, n_C), dtype=A_prev.dtype)
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        for h in range(n_H):
            vs = h * stride
            for w in range(n_W):
                hs = w * stride
                a_slice = A_prev_pad[i, vs:vs + f, hs:hs + f, :]        # (f, f, n_C_prev)
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(a_slice * W[:, :, :, c]) + np.squeeze(b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ, cache, last_only=False):
    (A_prev, W, b, hparameters) = cache
    (f, f, n_C_prev, n_C) = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape
    dA_prev_pad = zero_pad(np.zeros_like(A_prev), pad)
    dW = np.zeros_like(W)
    db = np.zeros((1, 1, 1, n_C), dtype=W.dtype)
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        dW_i = np.zeros_like(W)
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                a_slice = A_prev_pad[i, vs:vs + f, hs:hs + f, :]
                for c in range(n_C):
                    dA_prev_pad[i, vs:vs + f, hs:hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW_i[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dW = dW_i if last_only else dW + dW_i
    H, Wd = A_prev.shape[1:3]
    return dA_prev_pad[:, pad:pad + H, pad:pad + Wd, :], dW, db


def wrong_conv_forward(A_prev, W, b, hparameters):
    return conv_forward(A_prev, W, b, hparameters)


def wrong_conv_backward(dZ, cache):
    return conv_backward(dZ, cache, last_only=True)


def pool_forward(A_prev, hparameters, mode="max"):
    (m, n_H_prev, n_W_prev, n_C) = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    A = np.zeros((m, n_H, n_W, n_C), dtype=A_prev.dtype)
    for h in range(n_H):
        for w in range(n_W):
            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            A[:, h, w, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return A, (A_prev, hparameters)


def create_mask_from_window(x):
    mask = np.zeros(x.shape, dtype=bool)
    mask.flat[np.argmax(x)] = True                     # the first maximum, as torch
    return mask


def pool_backward(dA, cache, mode="max", all_ties=False):
    (A_prev, hparameters) = cache
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros_like(A_prev)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    window = A_prev[i, vs:vs + f, hs:hs + f, c]
                    if mode != "max":
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += dA[i, h, w, c] / (f * f)
                        continue
                    mask = window == np.max(window) if all_ties else create_mask_from_window(window)
                    dA_prev[i, vs:vs + f, hs:hs + f, c] += mask * dA[i, h, w, c]
    return dA_prev


def wrong_pool_forward(A_prev, hparameters, mode="max"):
    return pool_forward(A_prev, hparameters, mode)


def wrong_pool_backward(dA, cache, mode="max"):
    return pool_backward(dA, cache, mode, all_ties=True)
