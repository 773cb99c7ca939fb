"""Networks with their sources' module names and a width knob so tests stay small: the
classic ones (LeNet-5, AlexNet, VGG, NiN, GoogLeNet, ResNet, MobileNetV2) and ConvNeXt,
EfficientNet-B0, U-Net and a YOLOv8-style detector."""
from .alexnet import AlexNet
from .convnext import CNBlockConfig, ConvNeXt, convnext_tiny
from .efficientnet import EfficientNet, MBConvConfig, efficientnet_b0
from .googlenet import GoogLeNet, GoogLeNetOutputs
from .lenet import LeNet5
from .mobilenet_v2 import MobileNetV2
from .nin import NiN
from .resnet import ResNet, resnet18
from .unet import UNet
from .vgg import VGG, make_layers, vgg11
from .yolo import YOLO, yolov8

__all__: list[str] = ["ResNet", "resnet18", "LeNet5", "AlexNet", "VGG", "make_layers", "vgg11",
                      "NiN", "MobileNetV2", "GoogLeNet", "GoogLeNetOutputs", "ConvNeXt",
                      "CNBlockConfig", "convnext_tiny", "EfficientNet", "MBConvConfig",
                      "efficientnet_b0", "UNet", "YOLO", "yolov8"]
