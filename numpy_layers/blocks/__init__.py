"""Structures built from ``numpy_layers.modules`` (the classic ones and ConvNeXt's, U-Net's
and YOLOv8's), each with forward and backward.

Children carry the names of their torch/torchvision twins, so state_dict keys match.
"""
from .basic_block import BasicBlock
from .bottleneck import Bottleneck
from .conv_norm_act import Conv2dNormActivation
from .convnext import CNBlock, LayerNorm2d, Permute
from .inception import BasicConv2d, Inception, InceptionAux
from .inverted_residual import InvertedResidual
from .channel_shuffle_unit import ShuffleNetV2Block
from .dense import DenseBlock, DenseLayer, Transition
from .depthwise_separable import DepthwiseSeparableConv
from .fire import Fire
from .ghost import GhostModule
from .mbconv import MBConv
from .nin_block import NiNBlock
from .squeeze_excitation import SqueezeExcitation
from .unet import DoubleConv, Down, OutConv, Up
from .vgg_block import VGGBlock
from .yolo import C2f, C3, SPPF, Concat, Detect  # Conv, Bottleneck: numpy_layers.blocks.yolo

__all__ = ["Conv2dNormActivation", "BasicBlock", "Bottleneck", "InvertedResidual", "BasicConv2d",
           "Inception", "InceptionAux",
           "VGGBlock", "NiNBlock", "DepthwiseSeparableConv", "SqueezeExcitation", "MBConv",
           "GhostModule", "Fire", "DenseLayer", "DenseBlock", "Transition", "ShuffleNetV2Block",
           "CNBlock", "LayerNorm2d", "Permute", "DoubleConv", "Down", "Up", "OutConv",
           "C2f", "C3", "SPPF", "Concat", "Detect"]
