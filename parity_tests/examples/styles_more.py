"""Layers in styles beyond the other example modules, each written as its style writes it:

- ``LinearFunction``: autograd.Function style, static ``forward(ctx, x, w, b)`` and
  ``backward(ctx, grad_output)`` returning ``(dx, dw, db)``; ``BadLinearFunction`` returns
  ``x.T @ grad`` for dw (transposed): fails on grad_weight, and the hint says so.
- ``CallDense``: ``__call__`` is the forward, ``backprop`` the backward, W (in, out).
- ``MatMulAffine(W, b)``: ``self.params = [W, b]`` and ``self.grads`` lists, written in
  place (``self.grads[0][...] = dW``), W (in, out) as the constructor receives it.
- ``RngDense(n_in, n_out, rng)``: a required random generator for its initial values.
- ``ParamDense``: parameters as objects with ``.data`` and ``.grad`` in a ``params`` dict.
- ``GradsDense``: ``bprop`` stores ``grads['b']`` as a mean over the batch: fails on
  grad_bias with the mean hint.
- ``MuRunningBN``: running statistics as ``mu_running``/``var_running``, updated with the
  biased batch variance: fails on running_var only, with the biased-variance hint.
- ``SwappedLinear``, ``dense_forward``/``dense_backward``: the backward returns
  ``(dW, db, dx)``: read by shape, passes.
- ``relu_list``: returns nested Python lists.
- ``sigmoid_inplace``: computes in the input's own memory: fails "inputs intact".
- ``affine(params, x)``/``affine_grad(params, x, g)``: JAX style, the partner found by its
  ``_grad`` suffix, gradients returned as ``({'w': dw, 'b': db}, dx)``; ``bad_affine_grad``
  divides dw by the batch size: fails on grad_weight with the mean hint.
- ``make_linear(w, b)``: a closure returning ``(forward, backward)``;
  ``make_leaky_relu(alpha)`` returns them in a dict, with slope 1 at x == 0: fails on the
  kink case.
- ``Softmax(axis=-1)``: torch's ``dim=None`` cases are its implicit dim, not every axis.
- ``keep_dropout_forward(x, keep_prob, training)`` returning ``(out, mask)`` and
  ``keep_dropout_backward(dout, mask)``: divides by keep_prob = 0 at p = 1: fails there only.
"""
import numpy as np


class LinearFunction:
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w.T + b

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w, grad_output.T @ x, grad_output.sum(0)


class BadLinearFunction(LinearFunction):
    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        return grad_output @ w, x.T @ grad_output, grad_output.sum(0)    # dw transposed


class CallDense:
    """x (N, in) -> (N, out); W (in, out), b (out,)."""
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_in, n_out) * 0.1
        self.b = np.zeros(n_out)

    def __call__(self, x):
        self.x = x
        return x @ self.W + self.b

    def backprop(self, grad):
        self.dW = self.x.T @ grad
        self.db = grad.sum(0)
        return grad @ self.W.T


class MatMulAffine:
    """x (N, in) -> (N, out); params [W (in, out), b (out,)], grads the same shapes."""
    def __init__(self, W, b):
        self.params = [W, b]
        self.grads = [np.zeros_like(W), np.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        self.x = x
        return np.dot(x, W) + b

    def backward(self, dout):
        W, b = self.params
        self.grads[0][...] = np.dot(self.x.T, dout)
        self.grads[1][...] = np.sum(dout, axis=0)
        return np.dot(dout, W.T)


class RngDense:
    """x (N, in) -> (N, out); W (in, out) drawn from the generator it is given."""
    def __init__(self, n_in, n_out, rng):
        self.W = rng.standard_normal((n_in, n_out)) * 0.1
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, g):
        self.dW = self.x.T @ g
        self.db = g.sum(0)
        return g @ self.W.T


class Param:
    def __init__(self, data):
        self.data = data
        self.grad = np.zeros_like(data)


class ParamDense:
    """x (N, in) -> (N, out); params['W'].data (out, in), params['b'].data (out,)."""
    def __init__(self, in_features, out_features):
        self.params = {"W": Param(np.random.randn(out_features, in_features) * 0.1),
                       "b": Param(np.zeros(out_features))}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"].data.T + self.params["b"].data

    def backward(self, grad):
        self.params["W"].grad += grad.T @ self.x
        self.params["b"].grad += grad.sum(0)
        return grad @ self.params["W"].data


class GradsDense:
    """x (N, in) -> (N, out); params['W'] (in, out)."""
    def __init__(self, in_features, out_features):
        self.params = {"W": np.random.randn(in_features, out_features) * 0.1,
                       "b": np.zeros(out_features)}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def bprop(self, grad):
        self.grads["W"] = self.x.T @ grad
        self.grads["b"] = grad.mean(0)                   # a mean, not a sum
        return grad @ self.params["W"].T


class MuRunningBN:
    """x (N, C) -> (N, C); momentum weights the new batch, as torch's."""
    def __init__(self, num_features, momentum=0.1, eps=1e-5):
        self.gamma, self.beta = np.ones(num_features), np.zeros(num_features)
        self.var_running = np.ones(num_features)
        self.mu_running = np.zeros(num_features)
        self.momentum, self.eps = momentum, eps

    def forward(self, x, training=True):
        self.training = training
        if training:
            mu, var = x.mean(0), x.var(0)
            m = self.momentum
            self.mu_running = (1 - m) * self.mu_running + m * mu
            self.var_running = (1 - m) * self.var_running + m * var     # biased variance
        else:
            mu, var = self.mu_running, self.var_running
        self.std = np.sqrt(var + self.eps)
        self.xhat = (x - mu) / self.std
        return self.gamma * self.xhat + self.beta

    def backward(self, dy):
        n = dy.shape[0]
        self.dgamma = (dy * self.xhat).sum(0)
        self.dbeta = dy.sum(0)
        dxhat = dy * self.gamma
        if not self.training:
            return dxhat / self.std
        return (n * dxhat - dxhat.sum(0) - self.xhat * (dxhat * self.xhat).sum(0)) / (n * self.std)


class SwappedLinear:
    def __init__(self, in_features, out_features):
        self.weight = np.random.randn(out_features, in_features)
        self.bias = np.zeros(out_features)

    def forward(self, x):
        self.x = x
        return x @ self.weight.T + self.bias

    def backward(self, dout):
        return dout.T @ self.x, dout.sum(0), dout @ self.weight     # (dW, db, dx)


def dense_forward(x, w, b):
    return x @ w.T + b, (x, w)


def dense_backward(dout, cache):
    x, w = cache
    return dout.T @ x, dout.sum(0), dout @ w                        # (dw, db, dx)


def relu_list(x):
    return [[max(0.0, float(v)) for v in row] for row in x]


def sigmoid_inplace(x):
    x *= -1
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)
    return x


def affine(params, x):
    """JAX style: params {'w': (in, out), 'b': (out,)}, x (N, in) -> (N, out)."""
    return x @ params["w"] + params["b"]


def affine_grad(params, x, g):
    """-> ({'w': dw, 'b': db}, dx)."""
    return {"w": x.T @ g, "b": g.sum(0)}, g @ params["w"].T


def bad_affine(params, x):
    return x @ params["w"] + params["b"]


def bad_affine_grad(params, x, g):
    return {"w": x.T @ g / len(x), "b": g.sum(0)}, g @ params["w"].T   # dw divided by N


def make_linear(w, b):
    """A closure: forward(x) and backward(dout) -> (dx, dw, db) over w (out, in), b (out,)."""
    cache = {}

    def forward(x):
        cache["x"] = x
        return x @ w.T + b

    def backward(dout):
        return dout @ w, dout.T @ cache["x"], dout.sum(0)
    return forward, backward


def make_leaky_relu(alpha=0.01):
    cache = {}

    def forward(x):
        cache["x"] = x
        return np.where(x > 0, x, alpha * x)

    def backward(dout):
        return np.where(cache["x"] >= 0, dout, alpha * dout)       # slope 1 at x == 0
    return {"forward": forward, "backward": backward}


class Softmax:
    """x (..., K) -> probabilities over ``axis``; backward from the stored output."""
    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - x.max(self.axis, keepdims=True))
        self.y = e / e.sum(self.axis, keepdims=True)
        return self.y

    def backward(self, dy):
        return self.y * (dy - (dy * self.y).sum(self.axis, keepdims=True))


def keep_dropout_forward(x, keep_prob, training=True):
    """-> (out, mask); mask scaled by 1 / keep_prob (NaN at keep_prob 0)."""
    if not training:
        return x, None
    mask = (np.random.rand(*x.shape) < keep_prob) / keep_prob
    return x * mask, mask


def keep_dropout_backward(dout, mask):
    return dout * mask
