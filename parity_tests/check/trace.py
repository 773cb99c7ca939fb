"""What a user layer saw and returned, step by step: the hints replay it in torch."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Step:
    """One forward (and its backward) as the runner drove it, in torch's layout."""
    inputs: list
    kwargs: dict
    output: Any = None
    dy: np.ndarray | None = None
    dx: Any = None
    grads: dict = field(default_factory=dict)
    buffers: dict = field(default_factory=dict)


@dataclass
class Trace:
    initial: dict = field(default_factory=dict)     # torch name -> array loaded before step 1
    steps: list = field(default_factory=list)


def copy_value(v: Any) -> Any:
    """A deep enough copy of arrays and tuples of arrays."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, (tuple, list)):
        return type(v)(copy_value(i) for i in v)
    return v
