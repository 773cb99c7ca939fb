"""The values a user's parameter receives: the mode as ``'train'``/``'test'`` or a bool, an
int or a tuple as the layer's default suggests, and option dicts that answer to the layer's
own key names."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import names

EMPTY = inspect.Parameter.empty


class ModeStr(str):
    """'train' or 'test' that also equals the other spellings of its mode ('eval', ...)."""
    TRAIN = {"train", "training", "fit", "trn"}
    EVAL = {"test", "eval", "evaluation", "inference", "predict", "val", "valid",
            "validation", "infer", "testing", "deploy"}

    def __new__(cls, train: bool) -> "ModeStr":
        s = super().__new__(cls, "train" if train else "test")
        s.train = train
        return s

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return other.lower() in (self.TRAIN if self.train else self.EVAL)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = str.__hash__


class OptionDict(dict):
    """An option dict that answers to the layer's own key names (``'pad'`` for padding,
    ``'mode'`` 'train'/'test') and records which options were read and what was written."""

    def __init__(self, values: dict[str, Any], roles: set[str], forms: "Forms") -> None:
        super().__init__(values)
        self._roles, self._forms = roles, forms
        self.read: set[str] = set()
        self.keys: dict[str, str] = {}        # role -> the key the layer read it by
        self.written: dict[str, Any] = {}

    def _resolve(self, key: Any) -> tuple[bool, Any]:
        if not isinstance(key, str):
            return False, None
        if dict.__contains__(self, key) and key not in self.written:
            self.read.add(key)
            return True, self._forms.value(key, dict.__getitem__(self, key), key)
        if key in self.written:
            return True, self.written[key]
        m = names.match(key, {r for r in self._roles if dict.__contains__(self, r)})
        if m is None:
            return False, None
        self.read.add(m.role)
        self.keys.setdefault(m.role, key)
        v = dict.__getitem__(self, m.role)
        if m.index is not None and isinstance(v, (tuple, list)):
            v = v[m.index]
        return True, self._forms.transform(m, v, key)

    def __getitem__(self, key: Any) -> Any:
        ok, v = self._resolve(key)
        if not ok:
            raise KeyError(key)
        return v

    def get(self, key: Any, default: Any = None) -> Any:
        ok, v = self._resolve(key)
        return v if ok else default

    def __contains__(self, key: object) -> bool:
        return self._resolve(key)[0]

    def setdefault(self, key: Any, default: Any = None) -> Any:
        ok, v = self._resolve(key)
        if ok:
            return v
        self[key] = default
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        self.written[key] = value

    def pop(self, key: Any, *default: Any) -> Any:
        ok, v = self._resolve(key)
        if ok:
            return v
        if default:
            return default[0]
        raise KeyError(key)

    def role_writes(self) -> dict[str, Any]:
        """Written keys resolved to roles (``bn_param['running_mean'] = ...``)."""
        out = {}
        for k, v in self.written.items():
            m = names.match(k, self._roles) if isinstance(k, str) else None
            if m is not None and m.index is None:
                out[m.role] = v
        return out


# Options with one value per spatial axis (kernel_shape=(3, 3), not input_shape=(5,)).
SPATIAL_ROLES = ("kernel_size", "stride", "padding", "dilation", "output_padding")


@dataclass
class Forms:
    """How a value reaches one user parameter: int or tuple, bool or mode string."""
    defaults: dict[str, Any] = field(default_factory=dict)    # user param -> default
    spatial: int = 2                                          # length of tuple options

    def value(self, param: str, v: Any, role: str) -> Any:
        d = self.defaults.get(param, EMPTY)
        if role in ("training", "use_input_stats"):
            if isinstance(d, str) or param in ("mode", "phase"):
                return ModeStr(bool(v))
            return bool(v)
        if isinstance(d, bool) and not isinstance(v, (bool, np.bool_)):
            return v is not None                   # bias=True/False for an array role
        if isinstance(v, (tuple, list)) and len(v) > 0 and not isinstance(d, (tuple, list)):
            if all(x == v[0] for x in v) and not isinstance(v[0], (tuple, list)) \
                    and not (param.endswith("shape") and role in SPATIAL_ROLES):
                return v[0]
            return tuple(v)
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and (
                isinstance(d, (tuple, list)) or param.endswith("shape")):
            n = len(d) if isinstance(d, (tuple, list)) and d else (
                1 if param.endswith("shape") and role not in SPATIAL_ROLES else self.spatial)
            return (int(v),) * n
        return v

    def transform(self, m: names.Match, v: Any, param: str) -> Any:
        if m.inverted:
            if m.role in ("training", "use_input_stats"):
                return self.value(param, not v, m.role)
            return None if v is None else 1.0 - v
        if m.index is not None:
            if isinstance(v, (tuple, list)):
                return v[m.index]
            return v
        return self.value(param, v, m.role)
