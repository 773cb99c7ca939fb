"""Layer classes in the conventions tutorials and books use, written as they write them.

- ``Layer_Dense``, ``Activation_ReLU``, ``Layer_Dropout``: forward stores ``self.output``
  and returns nothing, backward stores ``self.dinputs``, ``self.dweights``, ``self.dbiases``;
  weights are (n_inputs, n_neurons); the dropout takes its mode as a forward argument.
- ``Affine``, ``Convolution``, ``Pooling``, ``Relu``: the constructor takes the arrays
  themselves (``Affine(W, b)``), gradients in ``dW``/``db``, pooling sizes as ``pool_h``,
  ``pool_w``.
- ``ConvLayer``: parameters and gradients in dicts (``params['W']``, ``grads['W']``),
  constructor names ``in_ch``, ``out_ch``, ``k``; backward returns ``(dx, dW, db)``.
- ``ChannelsLastConv``: Keras-like: filters created at the first call from the input's
  channel count, kernel (kh, kw, in, out), input (N, H, W, C): ``--layout NHWC``.
- ``ColumnDense``: column vectors (features first), ``backward(grad, learning_rate)``
  applies its own update: ``--layout CN``.
- ``MeanSquaredError``: a loss whose ``backward()`` takes no upstream gradient.

The ``Buggy*`` classes and ``Dropout``/``BatchNormalization`` (as that book writes them:
dropout not inverted, the running statistics with the other momentum convention) fail, and
the check names why.
"""
import numpy as np


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class BuggyLayer_Dense(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)       # a mean, not a sum


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Layer_Dropout:
    def __init__(self, rate):
        self.rate = 1 - rate              # stored as the keep probability

    def forward(self, inputs, training):
        self.inputs = inputs
        if not training:
            self.output = inputs.copy()
            self.binary_mask = np.ones_like(inputs)
            return
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.output = (inputs * self.binary_mask).astype(inputs.dtype)

    def backward(self, dvalues):
        self.dinputs = (dvalues * self.binary_mask).astype(dvalues.dtype)


class InvertedDropout:
    """Drops with probability p, scales the rest by 1 / (1 - p); p = 1 drops everything."""

    def __init__(self, p=0.5):
        self.p = p

    def forward(self, x, training=True):
        if not training:
            self.scale = np.ones_like(x)
        elif self.p >= 1:
            self.scale = np.zeros_like(x)
        else:
            keep = np.random.rand(*x.shape) >= self.p
            self.scale = (keep / (1 - self.p)).astype(x.dtype)
        return x * self.scale

    def backward(self, dy):
        return dy * self.scale


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout = dout.copy()
        dout[self.mask] = 0
        return dout


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w), dtype=input_data.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1), dtype=col.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]


class Convolution:
    def __init__(self, W, b, stride=1, pad=0):
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad

    def forward(self, x):
        FN, C, FH, FW = self.W.shape
        N, C, H, W = x.shape
        out_h = 1 + int((H + 2 * self.pad - FH) / self.stride)
        out_w = 1 + int((W + 2 * self.pad - FW) / self.stride)
        col = im2col(x, FH, FW, self.stride, self.pad)
        col_W = self.W.reshape(FN, -1).T
        out = np.dot(col, col_W) + self.b
        self.x, self.col, self.col_W = x, col, col_W
        return out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        FN, C, FH, FW = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.db = np.sum(dout, axis=0)
        self.dW = np.dot(self.col.T, dout).transpose(1, 0).reshape(FN, C, FH, FW)
        dcol = np.dot(dout, self.col_W.T)
        return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


class Pooling:
    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad

    def forward(self, x):
        N, C, H, W = x.shape
        out_h = int(1 + (H - self.pool_h) / self.stride)
        out_w = int(1 + (W - self.pool_w) / self.stride)
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        nan = np.isnan(col)                      # torch: NaN wins, the last NaN of a window
        arg_max = np.where(nan.any(axis=1), col.shape[1] - 1 - nan[:, ::-1].argmax(axis=1),
                           np.argmax(col, axis=1))
        out = col[np.arange(col.shape[0]), arg_max]
        self.x, self.arg_max = x, arg_max
        return out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size), dtype=dout.dtype)
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dmax = dmax.reshape(dout.shape + (pool_size,))
        dcol = dmax.reshape(dmax.shape[0] * dmax.shape[1] * dmax.shape[2], -1)
        return col2im(dcol, self.x.shape, self.pool_h, self.pool_w, self.stride, self.pad)


class Dropout:
    """As the book writes it: the kept values are not scaled in training, and the test
    output is scaled by (1 - dropout_ratio) instead."""

    def __init__(self, dropout_ratio=0.5):
        self.dropout_ratio = dropout_ratio
        self.mask = None

    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = np.random.rand(*x.shape) > self.dropout_ratio
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        return dout * self.mask


class BatchNormalization:
    """As the book writes it: momentum weights the old running value (0.9), the running
    variance takes the biased batch variance, and 4-D input is normalised per (C, H, W)
    feature after a flatten."""

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.input_shape = None
        self.running_mean = running_mean
        self.running_var = running_var

    def forward(self, x, train_flg=True):
        self.input_shape = x.shape
        if x.ndim != 2:
            N, C, H, W = x.shape
            x = x.reshape(N, -1)
        out = self.__forward(x, train_flg)
        return out.reshape(*self.input_shape)

    def __forward(self, x, train_flg):
        if self.running_mean is None:
            N, D = x.shape
            self.running_mean = np.zeros(D)
            self.running_var = np.zeros(D)
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc ** 2, axis=0)
            std = np.sqrt(var + 10e-7)
            xn = xc / std
            self.batch_size, self.xc, self.xn, self.std = x.shape[0], xc, xn, std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xc = x - self.running_mean
            xn = xc / (np.sqrt(self.running_var + 10e-7))
        return self.gamma * xn + self.beta


class ConvLayer:
    """Parameters and gradients in dicts; backward returns (dx, dW, db)."""

    def __init__(self, in_ch, out_ch, k, stride=1, pad=0):
        self.stride, self.pad = stride, pad
        self.params = {"W": np.random.randn(out_ch, in_ch, k, k) * 0.1, "b": np.zeros(out_ch)}
        self.grads = {}

    def forward(self, x):
        W = self.params["W"]
        FN, C, FH, FW = W.shape
        N, _, H, Wd = x.shape
        oh = (H + 2 * self.pad - FH) // self.stride + 1
        ow = (Wd + 2 * self.pad - FW) // self.stride + 1
        self.x, self.col = x, im2col(x, FH, FW, self.stride, self.pad)       # (N*oh*ow, C*FH*FW)
        out = self.col @ W.reshape(FN, -1).T + self.params["b"]
        return out.reshape(N, oh, ow, FN).transpose(0, 3, 1, 2)

    def backward(self, dout):
        W = self.params["W"]
        FN, C, FH, FW = W.shape
        d = dout.transpose(0, 2, 3, 1).reshape(-1, FN)                       # (N*oh*ow, FN)
        dW = (d.T @ self.col).reshape(W.shape)
        db = d.sum(axis=0)
        self.grads["W"], self.grads["b"] = dW, db
        dx = col2im(d @ W.reshape(FN, -1), self.x.shape, FH, FW, self.stride, self.pad)
        return dx, dW, db


class BuggyConvLayer(ConvLayer):
    def forward(self, x):
        self.params["W"] = self.params["W"][:, :, ::-1, ::-1]    # convolves: kernel flipped
        try:
            return super().forward(x)
        finally:
            self.params["W"] = self.params["W"][:, :, ::-1, ::-1]


class ChannelsLastConv:
    """Keras-like: NHWC input, kernel (kh, kw, in, out) created at the first call."""

    def __init__(self, filters, kernel_size, strides=1, padding=0):
        self.filters, self.kernel_size = filters, kernel_size
        self.strides, self.padding = strides, padding
        self.kernel = None
        self.bias = None

    def build(self, input_shape):
        k = self.kernel_size
        self.kernel = np.random.randn(k, k, input_shape[-1], self.filters) * 0.1
        self.bias = np.zeros(self.filters)

    def call(self, x):
        if self.kernel is None:
            self.build(x.shape)
        p, s, k = self.padding, self.strides, self.kernel_size
        xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
        n, h, w, c = xp.shape
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
        out = np.zeros((n, oh, ow, self.filters), dtype=x.dtype)
        for i in range(k):
            for j in range(k):
                patch = xp[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s, :]
                out += patch @ self.kernel[i, j]
        self.xp = xp
        return out + self.bias

    def backward(self, dy):
        p, s, k = self.padding, self.strides, self.kernel_size
        oh, ow = dy.shape[1:3]
        dxp = np.zeros_like(self.xp)
        self.dkernel = np.zeros_like(self.kernel)
        for i in range(k):
            for j in range(k):
                win = (slice(None), slice(i, i + s * (oh - 1) + 1, s), slice(j, j + s * (ow - 1) + 1, s))
                dxp[win] += dy @ self.kernel[i, j].T
                self.dkernel[i, j] = np.einsum("nhwc,nhwf->cf", self.xp[win], dy)
        self.dbias = dy.sum(axis=(0, 1, 2))
        return dxp[:, p:dxp.shape[1] - p, p:dxp.shape[2] - p, :]


class ColumnDense:
    """Column vectors: input (n_inputs, batch), weights (out, in), bias (out, 1)."""

    def __init__(self, input_size, output_size):
        self.weights = np.random.randn(output_size, input_size)
        self.bias = np.random.randn(output_size, 1)

    def forward(self, input):
        self.input = input
        return np.dot(self.weights, self.input) + self.bias

    def backward(self, output_gradient, learning_rate):
        weights_gradient = np.dot(output_gradient, self.input.T)
        input_gradient = np.dot(self.weights.T, output_gradient)
        self.weights -= learning_rate * weights_gradient
        self.bias -= learning_rate * np.sum(output_gradient, axis=1, keepdims=True)
        return input_gradient


class MeanSquaredError:
    """A loss: forward(prediction, target) -> scalar; backward() takes no upstream gradient
    (it is 1, as for loss.backward()) and gives none for the target."""

    def forward(self, y_pred, y_true):
        self.diff = y_pred - y_true
        return np.mean(self.diff ** 2)

    def backward(self):
        return 2 * self.diff / self.diff.size
