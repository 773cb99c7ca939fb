"""Classic networks (LeNet-5, AlexNet, VGG, NiN, GoogLeNet, ResNet, MobileNetV2) with
torchvision's module names and a width knob so tests stay small."""
from .alexnet import AlexNet
from .googlenet import GoogLeNet, GoogLeNetOutputs
from .lenet import LeNet5
from .mobilenet_v2 import MobileNetV2
from .nin import NiN
from .resnet import ResNet, resnet18
from .vgg import VGG, make_layers, vgg11

__all__: list[str] = ["ResNet", "resnet18", "LeNet5", "AlexNet", "VGG", "make_layers", "vgg11",
                      "NiN", "MobileNetV2", "GoogLeNet", "GoogLeNetOutputs"]
