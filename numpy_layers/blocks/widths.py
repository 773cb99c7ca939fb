"""``make_divisible``: torchvision's channel rounding for width multipliers (MobileNetV2,
EfficientNet's MBConv and stages)."""
from __future__ import annotations


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """Round ``v`` to the nearest multiple of ``divisor`` (at least ``min_value``, default
    ``divisor``), never below 90% of ``v`` (torchvision's ``_make_divisible``)."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v
