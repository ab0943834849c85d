"""A compact InceptionV1 (GoogLeNet) for 28x28 grayscale images such as Fashion-MNIST.

Summit was demonstrated on InceptionV1; this network keeps its building blocks and layer
names (``mixed3a`` ... ``mixed4b``, torchvision's code structure) at a size that trains on a
CPU in minutes and whose attribution graphs stay readable (64-128 channels per mixed layer).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BasicConv2d(nn.Module):
    """Conv without bias, batch norm, ReLU: torchvision's GoogLeNet unit."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, padding: int = 0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)), inplace=True)


class Inception(nn.Module):
    """Four parallel branches (1x1, 3x3, 5x5, pool) concatenated along channels.

    The third branch is a true 5x5 as in the paper (torchvision uses a 3x3 there).
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int,
                 ch5x5red: int, ch5x5: int, pool_proj: int):
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, kernel_size=1)
        self.branch2 = nn.Sequential(
            BasicConv2d(in_channels, ch3x3red, kernel_size=1),
            BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1),
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(in_channels, ch5x5red, kernel_size=1),
            BasicConv2d(ch5x5red, ch5x5, kernel_size=5, padding=2),
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
            BasicConv2d(in_channels, pool_proj, kernel_size=1),
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


# Branch widths (ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj) at width=1.0: roughly
# GoogLeNet's mixed3a..mixed4b divided by 4, in multiples of 8 (faster CPU kernels), so each
# mixed layer has 64-128 channels.
MIXED3A = (16, 24, 32, 8, 8, 8)     # 64 channels, 14x14
MIXED3B = (32, 32, 48, 8, 24, 16)   # 120 channels, 14x14
MIXED4A = (48, 24, 48, 8, 16, 16)   # 128 channels, 7x7
MIXED4B = (40, 32, 56, 8, 16, 16)   # 128 channels, 7x7


class DemoInception(nn.Module):
    """Stem, mixed3a/3b at 14x14, pool, mixed4a/4b at 7x7, global average pool, classifier.

    The stem pools after its first conv (as GoogLeNet does) rather than after both: at 28x28 a
    second conv would cost as much as all mixed layers together on a CPU.
    """

    PRIMARY_LAYERS = ("mixed3a", "mixed3b", "mixed4a", "mixed4b")

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: float = 1.0):
        super().__init__()

        def w(*channels: int) -> list[int]:
            return [max(1, round(c * width)) for c in channels]

        stem1, stem2 = w(16, 32)
        self.conv1 = BasicConv2d(in_channels, stem1, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(2, stride=2)
        self.conv2 = BasicConv2d(stem1, stem2, kernel_size=3, padding=1)
        self.mixed3a = Inception(stem2, *w(*MIXED3A))
        self.mixed3b = Inception(self.mixed3a.out_channels, *w(*MIXED3B))
        self.maxpool4 = nn.MaxPool2d(2, stride=2)
        self.mixed4a = Inception(self.mixed3b.out_channels, *w(*MIXED4A))
        self.mixed4b = Inception(self.mixed4a.out_channels, *w(*MIXED4B))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(self.mixed4b.out_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv2(self.maxpool1(self.conv1(x)))
        x = self.mixed3b(self.mixed3a(x))
        x = self.mixed4b(self.mixed4a(self.maxpool4(x)))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))
