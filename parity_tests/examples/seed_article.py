"""The source article's five pieces, as the article writes them (nothing adapted for the
check): a convolution, max pooling, dropout, a fully connected layer and batch norm.

    python -m parity_tests check parity_tests/examples/seed_article.py:conv2d --ref torch.nn.functional.conv2d
"""
import numpy as np


def conv2d(x, w, b, stride=1, padding=0):
    """x: (N, C, H, W), w: (F, C, HH, WW), b: (F,)"""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), mode='constant')
    H_out = (H + 2 * padding - HH) // stride + 1
    W_out = (W + 2 * padding - WW) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    h_start = i * stride
                    w_start = j * stride
                    x_slice = x_padded[n, :, h_start:h_start + HH, w_start:w_start + WW]
                    out[n, f, i, j] = np.sum(x_slice * w[f]) + b[f]
    return out


def max_pooling(input_data, pool_size=2, strides=2):
    """input_data: (N, C, H, W) -> (N, C, H_out, W_out)"""
    N, C, H, W = input_data.shape
    H_out = (H - pool_size) // strides + 1
    W_out = (W - pool_size) // strides + 1
    output = np.zeros((N, C, H_out, W_out), dtype=input_data.dtype)
    for i in range(H_out):
        for j in range(W_out):
            h_start = i * strides
            w_start = j * strides
            window = input_data[:, :, h_start:h_start + pool_size, w_start:w_start + pool_size]
            output[:, :, i, j] = np.max(window, axis=(2, 3))
    return output


def dropout(x, p=0.5):
    """Inverted dropout: drop with probability p, scale the kept values by 1 / (1 - p)."""
    mask = np.random.rand(*x.shape) > p
    return x * mask / (1 - p)


class FullyConnectedLayer:
    def __init__(self, input_size, output_size):
        self.weights = np.random.randn(input_size, output_size) * 0.01
        self.biases = np.zeros((1, output_size))

    def forward(self, inputs):
        self.inputs = inputs
        return np.dot(inputs, self.weights) + self.biases

    def backward(self, d_output, learning_rate=0.01):
        d_weights = np.dot(self.inputs.T, d_output)
        d_biases = np.sum(d_output, axis=0, keepdims=True)
        d_inputs = np.dot(d_output, self.weights.T)
        self.weights -= learning_rate * d_weights
        self.biases -= learning_rate * d_biases
        return d_inputs


def batch_norm(x, gamma, beta, eps=1e-5):
    """x: (N, C, H, W); normalise each channel over the batch and the image."""
    mean = np.mean(x, axis=(0, 2, 3), keepdims=True)
    var = np.var(x, axis=(0, 2, 3), keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    out = gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)
    cache = (x, x_hat, mean, var, gamma, beta, eps)
    return out, cache
