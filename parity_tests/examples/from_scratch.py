"""Layers as "from scratch" books and repositories write them, each driven as written:

- ``MLFSDense`` (ML-From-Scratch): weights created by ``initialize(optimizer)`` after
  ``set_input_shape``, ``forward_pass(X, training)``, ``backward_pass(accum_grad)`` applying
  the optimizer's ``update(W, grad)`` itself; ``trainable`` means frozen weights, not a mode.
- ``Activation_Sigmoid``, ``Activation_Softmax_Loss_CategoricalCrossentropy`` (nnfs): forward
  stores ``self.output`` (a NumPy scalar for a 0-d input); the loss's ``backward(dvalues,
  y_true)`` takes the forward's own output, not an upstream gradient.
- ``TransposedGradLinear``: W (in, out) with its gradient stored as dy.T @ x, (out, in).
- ``batch_norm`` (d2l): running statistics passed in and returned, ``return Y, moving_mean,
  moving_var``, kept (1, C, 1, 1) like gamma and beta.
- ``batchnorm_forward``/``batchnorm_backward`` (CS231n): no cache in test mode, so the
  backward exists in training only; 1 / N raises on an empty batch.
- ``softmax_loss`` (CS231n): ``return loss, dx``, no backward function.
- ``mse_loss``/``mse_loss_grad(y_pred, y_true)``: a loss gradient that takes the prediction
  and the target, no upstream gradient.
- ``Conv1D``: (N, C, L) with einsum; ``Conv1DBiasMean`` averages the bias gradient over the
  batch and the length: the hint names the factor N * L.
- ``leaky_relu_forward``/``avg_pool_forward``: checked against torch modules whose cases
  include ``inplace=True`` and uneven kernel sizes (stride None = the kernel size).
"""
import copy

import numpy as np


class MLFSDense:
    def __init__(self, n_units, input_shape=None):
        self.n_units, self.input_shape = n_units, input_shape
        self.trainable = True
        self.W = self.w0 = None

    def set_input_shape(self, shape):
        self.input_shape = shape

    def initialize(self, optimizer):
        limit = 1 / np.sqrt(self.input_shape[0])
        self.W = np.random.uniform(-limit, limit, (self.input_shape[0], self.n_units))
        self.w0 = np.zeros((1, self.n_units))
        self.W_opt, self.w0_opt = copy.copy(optimizer), copy.copy(optimizer)

    def forward_pass(self, X, training=True):
        self.layer_input = X
        return X.dot(self.W) + self.w0

    def backward_pass(self, accum_grad):
        W = self.W
        if self.trainable:
            self.W = self.W_opt.update(self.W, self.layer_input.T.dot(accum_grad))
            self.w0 = self.w0_opt.update(self.w0, np.sum(accum_grad, axis=0, keepdims=True))
        return accum_grad.dot(W.T)


class Activation_Sigmoid:
    def forward(self, inputs, training):
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


class Activation_Softmax_Loss_CategoricalCrossentropy:
    def forward(self, inputs, y_true):
        exp = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp / np.sum(exp, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        if len(y_true.shape) == 1:
            confidences = clipped[range(len(clipped)), y_true]
        else:
            confidences = np.sum(clipped * y_true, axis=1)
        return np.mean(-np.log(confidences))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        if len(y_true.shape) == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class TransposedGradLinear:
    def __init__(self, in_dim, out_dim):
        self.W = np.random.randn(in_dim, out_dim) * np.sqrt(2 / in_dim)
        self.b = np.zeros(out_dim)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad_output):
        self.grad_W = grad_output.T @ self.x          # (out, in): W is (in, out)
        self.grad_b = grad_output.sum(axis=0)
        return grad_output @ self.W.T


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum, training=True):
    if not training:
        X_hat = (X - moving_mean) / np.sqrt(moving_var + eps)
    else:
        axes = (0,) if X.ndim == 2 else (0, 2, 3)
        mean = X.mean(axis=axes, keepdims=X.ndim > 2)
        var = ((X - mean) ** 2).mean(axis=axes, keepdims=X.ndim > 2)
        X_hat = (X - mean) / np.sqrt(var + eps)
        n = X.size // X.shape[1]
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var * n / max(n - 1, 1)
    return gamma * X_hat + beta, moving_mean, moving_var


def batchnorm_forward(x, gamma, beta, bn_param):
    mode, eps = bn_param["mode"], bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.1)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(D, dtype=x.dtype))
    cache = None
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        x_hat = (x - mu) / np.sqrt(var + eps)
        cache = (x_hat, var, gamma, eps)
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var = (1 - momentum) * running_var + momentum * var * N / (N - 1)
    else:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return gamma * x_hat + beta, cache


def batchnorm_backward(dout, cache):
    x_hat, var, gamma, eps = cache                     # None in test mode: raises
    N = dout.shape[0]
    dgamma, dbeta = np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)
    dxh = dout * gamma
    dx = (1.0 / N) / np.sqrt(var + eps) * (N * dxh - dxh.sum(axis=0) - x_hat * (dxh * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return loss, dx / N


def leaky_relu_forward(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)


def avg_pool_forward(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    oh, ow = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.zeros((N, C, oh, ow), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].mean(axis=(2, 3))
    return out, (x, pool_param)


def avg_pool_backward(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += dout[:, :, i:i + 1, j:j + 1] / (ph * pw)
    return dx


class Conv1D:
    def __init__(self, in_channels, out_channels, kernel_size, stride=1):
        self.W = np.random.randn(out_channels, in_channels, kernel_size) * 0.1
        self.b = np.zeros(out_channels)
        self.stride, self.k = stride, kernel_size

    def forward(self, x):
        self.x = x
        N, C, L = x.shape
        s, k = self.stride, self.k
        ol = (L - k) // s + 1
        self.cols = np.stack([x[:, :, i * s:i * s + k] for i in range(ol)], axis=1)  # (N, ol, C, k)
        return np.einsum("nlck,ock->nol", self.cols, self.W) + self.b[None, :, None]

    def backward(self, dout):
        self.dW = np.einsum("nol,nlck->ock", dout, self.cols)
        self.db = dout.sum(axis=(0, 2))
        dcols = np.einsum("nol,ock->nlck", dout, self.W)
        dx = np.zeros_like(self.x)
        s, k = self.stride, self.k
        for i in range(dout.shape[2]):
            dx[:, :, i * s:i * s + k] += dcols[:, i]
        return dx


class Conv1DBiasMean(Conv1D):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout.mean(axis=(0, 2))
        return dx


def mse_loss(y_pred, y_true):
    return np.mean((y_pred - y_true) ** 2)


def mse_loss_grad(y_pred, y_true):
    return 2 * (y_pred - y_true) / y_pred.size
