"""A YOLOv8-style detector against its torch twin (ultralytics' module code, yolov8 table,
parse_model and _predict_once) at small widths: Conv-BN-SiLU, C2f (or C3) stages, SPPF,
nearest upsampling, concatenation with saved maps, the Detect head's three scales. Every
scale gets a random gradient (grad_all_outputs), compared as P3/P4/P5 and through the input
gradient, every parameter gradient by name and the BN buffers. Also converted by
``from_torch`` (YOLOFx: ultralytics' ``list(x.chunk(2, 1))`` in C2f and its shared SiLU).
The standard size (yolov8n on 1x3x640x640) runs in test_models_standard.py.

Inputs give the deepest training BatchNorms at least 16 values per channel."""
from __future__ import annotations

from numpy_layers.models.yolo import YOLO
from parity_tests.harness.spec import Case, case_id
from parity_tests.specs._modern_common import depth_terms, structure_specs
from parity_tests.twins import yolo as twin


def _case(csp="C2f", width=1 / 16, depth=0.33, nc=4, reg_max=16, b=4, hw=64, steps=1) -> Case:
    return Case(case_id(csp=csp, w=f"{width:g}", d=depth, nc=nc, reg=reg_max, b=b, hw=hw,
                        steps=steps if steps > 1 else None),
                dict(nc=nc, depth=depth, width=width, csp=csp, reg_max=reg_max),
                ((b, 3, hw, hw),), steps=steps)


_CASES = [_case(depth=0.67), _case("C3", width=1 / 8, nc=3, reg_max=4, b=2, hw=96, steps=2)]


def _reduction(c: Case, tensor: str):
    n, _, h, w = c.input_shapes[0]
    return depth_terms(max(64 * 9, n * h * w // 4), 40)


SPECS = structure_specs(
    "YOLO", lambda c: twin.DetectionModel(**c.params), lambda c, dt: YOLO(**c.params, dtype=dt),
    _CASES, _CASES[:1], _reduction,
    "YOLOv8-style detector: C2f/C3 backbone and neck, SPPF, upsample + concat, 3-scale head",
    {"csp": "C2f, C3", "width": "1/16, 1/8", "depth": "0.33, 0.67 (1 or 2 bottlenecks)",
     "nc": "3, 4", "reg_max": "4, 16", "input": "4x3x64x64, 2x3x96x96",
     "outputs": "P3, P4, P5, each with a gradient", "steps": "1, 2", "mode": "train, eval"},
    output_names=("P3", "P4", "P5"), grad_all_outputs=True,
)
