"""Stateful layers mirroring ``torch.nn`` (NCHW layout, torch's names and defaults)."""
from .activation import (ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, Mish,
                         PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softplus, Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .channel_shuffle import ChannelShuffle
from .container import Sequential
from .conv import Conv2d
from .conv1d import Conv1d
from .conv_transpose import ConvTranspose2d
from .conv_transpose1d import ConvTranspose1d
from .dropout import Dropout, Dropout2d
from .flatten import Flatten
from .group_norm import GroupNorm
from .instance_norm import InstanceNorm2d
from .layer_norm import LayerNorm
from .linear import Linear
from .local_response_norm import LocalResponseNorm
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .module import Module, no_grad
from .padding import ConstantPad2d, ReflectionPad2d, ReplicationPad2d, ZeroPad2d
from .adaptive_pool import AdaptiveAvgPool2d, AdaptiveMaxPool2d
from .adaptive_pool1d import AdaptiveAvgPool1d, AdaptiveMaxPool1d
from .pixel_shuffle import PixelShuffle, PixelUnshuffle
from .pooling import AvgPool2d, MaxPool2d
from .pooling1d import AvgPool1d, MaxPool1d
from .shape import Identity, Unflatten
from .unpool import MaxUnpool2d
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .softmax import LogSoftmax, Softmax
from .stochastic_depth import StochasticDepth

__all__ = [
    "Conv1d", "ConvTranspose2d", "ConvTranspose1d",
    "ChannelShuffle",
    "Module", "no_grad", "Conv2d", "MaxPool2d", "AvgPool2d", "Dropout", "Linear",
    "BatchNorm2d", "ReLU", "Flatten", "Sequential",
    "L1Loss", "MSELoss", "SmoothL1Loss", "NLLLoss", "CrossEntropyLoss", "BCELoss",
    "BCEWithLogitsLoss",
    "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
    "Hardswish", "Hardsigmoid", "Hardtanh", "Softplus", "Softmax", "LogSoftmax",
    "LayerNorm", "GroupNorm", "LocalResponseNorm", "InstanceNorm2d", "Dropout2d",
    "BatchNorm1d", "ZeroPad2d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "Identity", "Unflatten",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d",
    "MaxPool1d", "AvgPool1d",
    "MaxUnpool2d",
    "PixelShuffle", "PixelUnshuffle", "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
    "StochasticDepth",
]
