"""Pure functions. ``op_forward(x, ...) -> (y, cache)`` and ``op_backward(dy, cache)``,
plus ``torch.nn.functional``'s names and argument order for forward use."""
from .activation import (elu, elu_backward, elu_forward, gelu, gelu_backward, gelu_forward,
                         hardsigmoid, hardsigmoid_backward, hardsigmoid_forward, hardswish,
                         hardtanh, hardtanh_backward, hardtanh_forward,
                         hardswish_backward, hardswish_forward, leaky_relu, leaky_relu_backward,
                         leaky_relu_forward, mish, mish_backward, mish_forward, prelu,
                         prelu_backward, prelu_forward, relu, relu6, relu6_backward,
                         relu6_forward, relu_backward, relu_forward, selu, selu_backward,
                         selu_forward, sigmoid, sigmoid_backward, sigmoid_forward, silu,
                         silu_backward, silu_forward, softplus, softplus_backward,
                         softplus_forward, tanh, tanh_backward, tanh_forward)
from .adaptive_pool1d import (adaptive_avg_pool1d, adaptive_avg_pool1d_backward,
                              adaptive_avg_pool1d_forward, adaptive_max_pool1d,
                              adaptive_max_pool1d_backward, adaptive_max_pool1d_forward)
from .channel_shuffle import (channel_shuffle, channel_shuffle_backward,
                              channel_shuffle_forward)
from .conv import conv2d, conv2d_backward, conv2d_forward
from .conv1d import conv1d, conv1d_backward, conv1d_forward
from .conv_transpose import (conv_transpose2d, conv_transpose2d_backward,
                             conv_transpose2d_forward)
from .conv_transpose1d import (conv_transpose1d, conv_transpose1d_backward,
                               conv_transpose1d_forward)
from .dropout import dropout, dropout2d, dropout_backward, dropout_forward
from .group_norm import group_norm, group_norm_backward, group_norm_forward
from .instance_norm import instance_norm, instance_norm_backward, instance_norm_forward
from .interpolate import (interpolate, interpolate_backward, interpolate_forward, upsample,
                          upsample_bilinear, upsample_nearest)
from .layer_norm import layer_norm, layer_norm_backward, layer_norm_forward
from .local_response_norm import (local_response_norm, local_response_norm_backward,
                                  local_response_norm_forward)
from .linear import linear, linear_backward, linear_forward
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from .norm import batch_norm, batch_norm_backward, batch_norm_forward
from .padding import pad, pad_backward, pad_forward
from .adaptive_pool import (adaptive_avg_pool2d, adaptive_avg_pool2d_backward,
                            adaptive_avg_pool2d_forward, adaptive_max_pool2d,
                            adaptive_max_pool2d_backward, adaptive_max_pool2d_forward)
from .pixel_shuffle import (pixel_shuffle, pixel_shuffle_backward, pixel_shuffle_forward,
                            pixel_unshuffle, pixel_unshuffle_backward, pixel_unshuffle_forward)
from .pooling import (avg_pool2d, avg_pool2d_backward, avg_pool2d_forward, max_pool2d,
                      max_pool2d_backward, max_pool2d_forward)
from .pooling1d import (avg_pool1d, avg_pool1d_backward, avg_pool1d_forward, max_pool1d,
                        max_pool1d_backward, max_pool1d_forward)
from .shape import flatten
from .softmax import (log_softmax, log_softmax_backward, log_softmax_forward, softmax,
                      softmax_backward, softmax_forward)
from .stochastic_depth import stochastic_depth, stochastic_depth_forward
from .unpool import max_unpool2d, max_unpool2d_backward, max_unpool2d_forward
from ._workspace import release as release_scratch   # drop this thread's scratch buffers

__all__ = [
    "release_scratch",
    "conv1d", "conv1d_forward", "conv1d_backward",
    "conv_transpose2d", "conv_transpose2d_forward", "conv_transpose2d_backward",
    "channel_shuffle", "channel_shuffle_forward", "channel_shuffle_backward",
    "conv2d", "max_pool2d", "avg_pool2d", "dropout", "linear", "batch_norm", "relu", "flatten",
    "conv2d_forward", "conv2d_backward", "max_pool2d_forward", "max_pool2d_backward",
    "avg_pool2d_forward", "avg_pool2d_backward", "dropout_forward", "dropout_backward",
    "linear_forward", "linear_backward", "batch_norm_forward", "batch_norm_backward",
    "relu_forward", "relu_backward",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "relu6", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "hardswish", "hardsigmoid", "softplus", "softmax", "log_softmax",
    "layer_norm", "group_norm", "local_response_norm", "instance_norm", "dropout2d",
    "adaptive_avg_pool2d", "adaptive_max_pool2d",
    "max_pool1d", "avg_pool1d",
    "max_unpool2d",
    "pad", "pad_forward", "pad_backward",
    "hardtanh", "hardtanh_forward", "hardtanh_backward",
    "stochastic_depth", "stochastic_depth_forward",
    "interpolate", "interpolate_forward", "interpolate_backward", "upsample", "upsample_nearest",
    "upsample_bilinear",
    "pixel_shuffle", "pixel_shuffle_forward", "pixel_shuffle_backward",
    "pixel_unshuffle", "pixel_unshuffle_forward", "pixel_unshuffle_backward",
    "conv_transpose1d", "conv_transpose1d_forward", "conv_transpose1d_backward",
    "adaptive_avg_pool1d", "adaptive_avg_pool1d_forward", "adaptive_avg_pool1d_backward",
    "adaptive_max_pool1d", "adaptive_max_pool1d_forward", "adaptive_max_pool1d_backward",
]
