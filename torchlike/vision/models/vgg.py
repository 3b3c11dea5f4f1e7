"""VGG-11/16 (with and without batch norm) and AlexNet, with torchvision's module names."""
from __future__ import annotations

from ... import nn
from ...ops.shape import flatten
from ._api import Weights, WeightsEnum, fetch_state, handle_legacy, load_weights, override_num_classes

__all__ = ["VGG", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "AlexNet", "alexnet", "VGG11_Weights",
           "VGG11_BN_Weights", "VGG16_Weights", "VGG16_BN_Weights", "AlexNet_Weights"]

_CFGS = {"A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
         "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]}


def make_layers(cfg, batch_norm=False):
    layers, in_channels = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            conv = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
            layers += [conv, nn.BatchNorm2d(v), nn.ReLU(inplace=True)] if batch_norm else [conv, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
                                        nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
                                        nn.Linear(4096, num_classes))
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


class VGG11_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights("vgg11-8a719046.pth")
    DEFAULT = IMAGENET1K_V1


class VGG11_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights("vgg11_bn-6002323d.pth")
    DEFAULT = IMAGENET1K_V1


class VGG16_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights("vgg16-397923af.pth")
    DEFAULT = IMAGENET1K_V1


class VGG16_BN_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights("vgg16_bn-6c64b313.pth")
    DEFAULT = IMAGENET1K_V1


def _vgg(cfg, bn, weights_cls, weights, pretrained, progress, kwargs):
    weights = weights_cls.verify(handle_legacy(weights, pretrained, weights_cls.IMAGENET1K_V1))
    if weights is not None:
        kwargs["init_weights"] = False
    override_num_classes(kwargs, weights)
    state = fetch_state(weights, progress)
    model = VGG(make_layers(_CFGS[cfg], batch_norm=bn), **kwargs)
    load_weights(model, state, progress)
    return model


def vgg11(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("A", False, VGG11_Weights, weights, pretrained, progress, kwargs)


def vgg11_bn(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("A", True, VGG11_BN_Weights, weights, pretrained, progress, kwargs)


def vgg16(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("D", False, VGG16_Weights, weights, pretrained, progress, kwargs)


def vgg16_bn(*, weights=None, progress=True, pretrained=False, **kwargs):
    return _vgg("D", True, VGG16_BN_Weights, weights, pretrained, progress, kwargs)


class AlexNet(nn.Module):
    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        x = flatten(self.avgpool(self.features(x)), 1)
        return self.classifier(x)


class AlexNet_Weights(WeightsEnum):
    IMAGENET1K_V1 = Weights("alexnet-owt-7be5be79.pth")
    DEFAULT = IMAGENET1K_V1


def alexnet(*, weights=None, progress=True, pretrained=False, **kwargs):
    weights = AlexNet_Weights.verify(handle_legacy(weights, pretrained, AlexNet_Weights.IMAGENET1K_V1))
    override_num_classes(kwargs, weights)
    state = fetch_state(weights, progress)
    model = AlexNet(**kwargs)
    load_weights(model, state, progress)
    return model
