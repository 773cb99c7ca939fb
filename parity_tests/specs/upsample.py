"""Upsample (and UpsamplingNearest2d / UpsamplingBilinear2d) against torch.nn: every mode on
its ranks (nearest and nearest-exact on 3-D, 4-D and 5-D; linear, bilinear, bicubic,
trilinear; area), ``size`` and ``scale_factor`` (integer, non-integer, below 1, one per
axis), align_corners both ways, recompute_scale_factor, an axis left at its size (torch's
copy shortcuts). ``Interpolate``: ``F.interpolate`` in a custom forward converted through
torch.fx, with the functional-only ``antialias`` (bilinear, bicubic, lanczos)."""
from __future__ import annotations

import math
import zlib

import torch
import torch.nn.functional as F

import numpy_layers as nl
from parity_tests.harness.spec import Case, ErrorInput, ParitySpec, case_id, ones, unique

_SHAPES = {3: (2, 3, 7), 4: (2, 3, 5, 6), 5: (1, 2, 3, 4, 5)}


def _case(mode, rank=4, size=None, sf=None, ac=None, rc=None, shape=None, aa=False,
          cls="Upsample") -> Case:
    shape = shape or _SHAPES[rank]
    cid = case_id(m=mode, size=size, sf=sf, ac=ac, rc=rc, aa=aa, x=shape,
                  cls=None if cls == "Upsample" else cls)
    params = dict(size=size, scale_factor=sf, mode=mode, align_corners=ac,
                  recompute_scale_factor=rc)
    if aa:
        params["antialias"] = True
    if cls != "Upsample":
        params = dict(size=size, scale_factor=sf, cls=cls)
    return Case(cid, params, (shape,))


def _cases() -> list[Case]:
    out = []
    for mode in ("nearest", "nearest-exact"):
        out += [_case(mode, sf=2), _case(mode, sf=1.5), _case(mode, sf=2.3), _case(mode, sf=0.5),
                _case(mode, sf=0.7, rc=True), _case(mode, size=(9, 4)), _case(mode, size=(5, 12)),
                _case(mode, sf=(1.3, 2.0)), _case(mode, rank=3, sf=2.5), _case(mode, rank=3, size=4),
                _case(mode, rank=5, sf=(2, 1.5, 0.6)), _case(mode, size=(10, 12), shape=(1, 2, 5, 6))]
    for ac in (False, True):
        out += [_case("bilinear", sf=2, ac=ac), _case("bilinear", sf=1.7, ac=ac),
                _case("bilinear", sf=0.6, ac=ac), _case("bilinear", size=(11, 4), ac=ac),
                _case("bilinear", size=(5, 9), ac=ac), _case("bilinear", sf=(1.0, 2.5), ac=ac),
                _case("bilinear", sf=2.2, ac=ac, rc=True), _case("linear", rank=3, sf=2.4, ac=ac),
                _case("linear", rank=3, size=3, ac=ac), _case("trilinear", rank=5, sf=1.6, ac=ac),
                _case("bicubic", sf=2, ac=ac), _case("bicubic", sf=1.3, ac=ac),
                _case("bicubic", size=(3, 10), ac=ac), _case("bicubic", size=(5, 6), ac=ac),
                _case("bicubic", sf=(1.3, 0.9), ac=ac, shape=(2, 3, 3, 8))]
    out += [_case("bilinear", size=(1, 1)), _case("bilinear", size=(1, 7), ac=True),
            _case("nearest", sf=4, shape=(2, 8, 20, 20)), _case("bilinear", sf=2, shape=(2, 8, 16, 16), ac=True)]
    out += [_case("area", size=(3, 4)), _case("area", sf=0.5), _case("area", size=(7, 9)),
            _case("area", rank=3, size=3), _case("area", rank=3, sf=1.5),
            _case("area", rank=5, size=(2, 5, 3)), _case("area", rank=5, sf=(1.5, 0.5, 1.0))]
    out += [_case(None, sf=2, cls="UpsamplingNearest2d"), _case(None, size=(7, 9), cls="UpsamplingNearest2d"),
            _case(None, sf=2, cls="UpsamplingBilinear2d"), _case(None, size=(4, 9), cls="UpsamplingBilinear2d")]
    return unique(out)


def _aa_cases() -> list[Case]:
    out = []
    for mode in ("bilinear", "bicubic"):
        for ac in (False, True):
            out += [_case(mode, sf=0.5, ac=ac, aa=True), _case(mode, size=(3, 4), ac=ac, aa=True),
                    _case(mode, sf=(0.4, 1.5), ac=ac, aa=True, shape=(2, 3, 11, 6)),
                    _case(mode, size=(9, 4), ac=ac, aa=True, shape=(2, 2, 9, 13))]
    out += [_case("lanczos", sf=0.5, aa=True, shape=(2, 3, 12, 10)),
            _case("lanczos", size=(6, 15), aa=True), _case("lanczos", sf=(1.4, 0.3), aa=True,
                                                            shape=(1, 2, 6, 17))]
    return out + [c for c in _cases() if c.params.get("mode") not in (None, "area")][::5]


def _ctor(case: Case) -> dict:
    return {k: v for k, v in case.params.items() if k != "cls"}


def _torch_module(case: Case) -> torch.nn.Module:
    cls = case.params.get("cls", "Upsample")
    return getattr(torch.nn, cls)(**_ctor(case))


def _numpy_module(case: Case, dtype):
    if zlib.crc32(case.id.encode()) % 2:
        return nl.from_torch(_torch_module(case))
    return getattr(nl, case.params.get("cls", "Upsample"))(**_ctor(case))


class Interpolate(torch.nn.Module):
    """``F.interpolate`` with fixed options in a custom forward (a call_function in fx)."""

    def __init__(self, **options) -> None:
        super().__init__()
        self.options = options

    def forward(self, x):
        return F.interpolate(x, **self.options) * 1.0


def _taps(n: int, m: int) -> int:
    """Inputs read by one output (a generous bound: antialias widens with the downscale)."""
    return 6 * max(1, math.ceil(n / m)) + 1


def _reduction(case: Case, tensor: str) -> int:
    shape = case.input_shapes[0]
    x = torch.zeros(shape)
    out = _torch_module(case)(x).shape if "cls" in case.params or "antialias" not in case.params \
        else F.interpolate(x, **_ctor(case)).shape
    k = 1
    for n, m in zip(shape[2:], out[2:]):
        k *= _taps(n, m) * (1 if tensor == "output" else max(1, math.ceil(m / n)))
    return k


_OPTIONS = {"mode": "nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area",
            "size": "int, one per axis, an axis unchanged", "scale_factor":
            "2, 4, 1.5, 1.7, 2.3, 0.5, 0.6, 0.7, one per axis", "align_corners": "None, False, True",
            "recompute_scale_factor": "None, True", "input": "3-D, 4-D, 5-D",
            "classes": "Upsample, UpsamplingNearest2d, UpsamplingBilinear2d; constructor, from_torch"}

_ERROR_INPUTS = [
    ErrorInput("upsample_size_and_scale", dict(size=4, scale_factor=2), ones(1, 1, 2, 2),
               "only one"),
    ErrorInput("upsample_no_size", {}, ones(1, 1, 2, 2), "either"),
    ErrorInput("upsample_bilinear_3d", dict(scale_factor=2, mode="bilinear"), ones(1, 1, 4),
               "4D"),
    ErrorInput("upsample_nearest_align", dict(scale_factor=2, align_corners=True),
               ones(1, 1, 2, 2), "align_corners"),
    ErrorInput("upsample_to_nothing", dict(scale_factor=0.1), ones(1, 1, 4, 4),
               "greater than 0"),
    ErrorInput("upsample_mode", dict(scale_factor=2, mode="cubic"), ones(1, 1, 4, 4), "modes"),
    ErrorInput("upsample_2d_input", dict(scale_factor=2), ones(4, 4), "2D"),
]

SPECS = [
    ParitySpec(
        name="Upsample",
        torch_module=_torch_module,
        numpy_module=_numpy_module,
        error_inputs=_ERROR_INPUTS,
        cases=_cases(),
        reduction=_reduction,
        description="resizing: nearest, nearest-exact, (bi/tri)linear, bicubic, area",
        options=_OPTIONS,
    ),
    ParitySpec(
        name="Interpolate",
        torch_module=lambda c: Interpolate(**_ctor(c)),
        numpy_module="from_torch",
        cases=_aa_cases(),
        reduction=_reduction,
        description="F.interpolate in a traced forward, incl. antialias and lanczos",
        options={"antialias": "bilinear, bicubic (align_corners both ways), lanczos",
                 "size / scale_factor": "downscale 0.25 to 0.5, mixed up and down, an axis kept",
                 "other modes": "every 5th Upsample case"},
    ),
]
