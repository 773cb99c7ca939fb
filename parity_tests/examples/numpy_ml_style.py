"""Classes in numpy-ml's manner and a batch norm keeping its running statistics in a dict:

- ``Conv2D(out_ch, kernel_shape, pad, stride)``: channels-last, ``kernel_shape=(3, 3)`` a
  tuple, W (fr, fc, in_ch, out_ch) and b (1, 1, 1, out_ch) in a ``parameters`` dict created
  at the first forward, gradients accumulated in a ``gradients`` dict: ``--layout NHWC``.
- ``BatchNorm``: gamma and beta in ``params``, the running statistics in ``self.bn_param``
  beside its momentum and eps (floats), gradients in ``grads``.
- ``KerasConv2D(filters, kernel_size, strides, padding='valid')``: padding a string only
  ('valid'/'same'), so the cases with a numeric padding are not covered.
- ``unbiased_batchnorm_forward``: normalises with np.var(ddof=1): fails, and the hint says so.
"""
import numpy as np


class Conv2D:
    """numpy-ml style: NHWC, W (fr, fc, in_ch, out_ch), b (1, 1, 1, out_ch), parameters and
    gradients dicts, lazy init at the first forward (no dilation)."""
    def __init__(self, out_ch, kernel_shape, pad=0, stride=1):
        self.out_ch, self.kernel_shape = out_ch, kernel_shape
        self.pad, self.stride = pad, stride
        self.is_initialized = False
        self.parameters = {"W": None, "b": None}
        self.gradients = {}
        self.X = []

    def _init_params(self):
        fr, fc = self.kernel_shape
        self.parameters = {"W": np.random.randn(fr, fc, self.in_ch, self.out_ch) * 0.1,
                           "b": np.zeros((1, 1, 1, self.out_ch))}
        self.gradients = {"W": np.zeros_like(self.parameters["W"]),
                          "b": np.zeros_like(self.parameters["b"])}
        self.is_initialized = True

    def forward(self, X, retain_derived=True):
        if not self.is_initialized:
            self.in_ch = X.shape[3]
            self._init_params()
        W, b = self.parameters["W"], self.parameters["b"]
        fr, fc = self.kernel_shape
        p, s = self.pad, self.stride
        Xp = np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))
        n, h, w, _ = Xp.shape
        oh, ow = (h - fr) // s + 1, (w - fc) // s + 1
        Z = np.zeros((X.shape[0], oh, ow, self.out_ch), dtype=X.dtype)
        for i in range(oh):
            for j in range(ow):
                win = Xp[:, i * s:i * s + fr, j * s:j * s + fc, :]
                Z[:, i, j, :] = np.tensordot(win, W, axes=([1, 2, 3], [0, 1, 2]))
        Z = Z + b
        if retain_derived:
            self.X.append(X)
        return Z

    def backward(self, dLdy, retain_grads=True):
        X = self.X[-1]
        W = self.parameters["W"]
        fr, fc = self.kernel_shape
        p, s = self.pad, self.stride
        Xp = np.pad(X, ((0, 0), (p, p), (p, p), (0, 0)))
        dXp = np.zeros_like(Xp)
        dW = np.zeros_like(W)
        oh, ow = dLdy.shape[1:3]
        for i in range(oh):
            for j in range(ow):
                win = Xp[:, i * s:i * s + fr, j * s:j * s + fc, :]
                g = dLdy[:, i, j, :]
                dW += np.tensordot(win, g, axes=([0], [0]))
                dXp[:, i * s:i * s + fr, j * s:j * s + fc, :] += np.tensordot(g, W, axes=([1], [3]))
        db = dLdy.sum(axis=(0, 1, 2), keepdims=True)
        if retain_grads:
            self.gradients["W"] += dW
            self.gradients["b"] += db
        H, Wd = X.shape[1:3]
        return dXp[:, p:p + H, p:p + Wd, :]


class BatchNorm:
    def __init__(self, num_features, momentum=0.1, eps=1e-5):
        self.params = {"gamma": np.ones(num_features), "beta": np.zeros(num_features)}
        self.grads = {"gamma": np.zeros(num_features), "beta": np.zeros(num_features)}
        self.bn_param = {"running_mean": np.zeros(num_features),
                         "running_var": np.ones(num_features), "momentum": momentum, "eps": eps}
        self.training = True

    def forward(self, x):
        p, g, b = self.bn_param, self.params["gamma"], self.params["beta"]
        if self.training:
            mu, var = x.mean(axis=0), x.var(axis=0)
            n = x.shape[0]
            m = p["momentum"]
            p["running_mean"] = (1 - m) * p["running_mean"] + m * mu
            p["running_var"] = (1 - m) * p["running_var"] + m * var * n / (n - 1)
        else:
            mu, var = p["running_mean"], p["running_var"]
        self.xhat = (x - mu) / np.sqrt(var + p["eps"])
        self.std = np.sqrt(var + p["eps"])
        return g * self.xhat + b

    def backward(self, dout):
        N = dout.shape[0]
        self.grads["gamma"] = (dout * self.xhat).sum(axis=0)
        self.grads["beta"] = dout.sum(axis=0)
        dxh = dout * self.params["gamma"]
        if not self.training:
            return dxh / self.std
        return (N * dxh - dxh.sum(axis=0) - self.xhat * (dxh * self.xhat).sum(axis=0)) / (N * self.std)


def unbiased_batchnorm_forward(x, gamma, beta, bn_param):
    mu, var = x.mean(axis=0), x.var(axis=0, ddof=1)          # bug: torch normalises by n
    x_hat = (x - mu) / np.sqrt(var + bn_param.get("eps", 1e-5))
    return gamma * x_hat + beta, None


class KerasConv2D:
    """Keras-like: filters, kernel_size, strides, padding='valid'/'same', NHWC, lazy kernel."""
    def __init__(self, filters, kernel_size, strides=1, padding="valid", use_bias=True):
        self.filters, self.k, self.s, self.padding = filters, kernel_size, strides, padding
        self.use_bias = use_bias
        self.kernel = None

    def __call__(self, x):
        if self.kernel is None:
            self.kernel = np.random.randn(self.k, self.k, x.shape[-1], self.filters) * 0.1
            self.bias = np.zeros(self.filters)
        k, s = self.k, self.s
        if self.padding == "same":
            p = (k - 1) // 2
            x = np.pad(x, ((0, 0), (p, k - 1 - p), (p, k - 1 - p), (0, 0)))
        self.xp = x
        n, h, w, c = x.shape
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
        out = np.zeros((n, oh, ow, self.filters), dtype=x.dtype)
        for i in range(oh):
            for j in range(ow):
                out[:, i, j] = np.tensordot(x[:, i * s:i * s + k, j * s:j * s + k], self.kernel,
                                            axes=([1, 2, 3], [0, 1, 2]))
        return out + self.bias if self.use_bias else out
