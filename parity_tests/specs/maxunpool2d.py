"""MaxUnpool2d: indices from a real MaxPool2d (same kernel, stride, padding) of a random
source; default output size and output_size given as (H, W), a list, or (N, C, H, W);
stride-1 pools whose windows share a winner give repeated indices; the values are the
pool's own outputs, so a repeated index always carries one value (torch documents the
order of repeated writes as nondeterministic, and its float32 and float64 kernels differ
there); batched and unbatched. The indices stay int64 in both twins; their gradient is None."""
from __future__ import annotations

import numpy as np
import torch

import numpy_layers as nl
from parity_tests.harness.spec import Case, ParitySpec, case_id, unique

_CTOR = ("kernel_size", "stride", "padding")


def _case(k, s=None, p=0, src=(2, 3, 8, 8), out=None) -> Case:
    cid = case_id(k=k, s=s, p=p, src=src, out=out, outlist=isinstance(out, list))
    with torch.no_grad():
        pooled = tuple(torch.nn.functional.max_pool2d(torch.zeros(src), k, s, p).shape)
    params = dict(kernel_size=k, stride=s, padding=p, source=src, output_size=out)
    return Case(cid, params, (pooled, pooled))


def _cases() -> list[Case]:
    return unique([
        _case(2), _case(2, src=(2, 3, 9, 7), out=(9, 7)), _case(2, src=(1, 2, 9, 7), out=(1, 2, 9, 7)),
        _case(3, 2, 1, src=(2, 3, 7, 7)), _case(3, 2, 1, src=(2, 3, 8, 8), out=[8, 8]),
        _case(3, 1, 1, src=(2, 3, 6, 6)), _case((2, 3), (2, 1), (1, 1), src=(2, 2, 7, 8), out=(7, 8)),
        _case(3, 3, src=(1, 4, 10, 11), out=(10, 11)), _case(2, 1, src=(3, 5, 6)),
        _case(2, src=(3, 9, 9), out=(9, 9)), _case(2, src=(4, 16, 32, 32)),
    ])


def _make_inputs(case: Case, rng: np.random.Generator) -> list:
    """Values (float64) and indices (int64): a max pool of a random source."""
    src = torch.from_numpy(rng.standard_normal(case.params["source"]))
    val, idx = torch.nn.functional.max_pool2d(src, case.params["kernel_size"], case.params["stride"],
                                            case.params["padding"], return_indices=True)
    return [val.numpy(), idx.numpy()]


def _with_size(module, case: Case):
    """Both twins carry the case's output_size for their forward hook."""
    module.parity_output_size = case.params["output_size"]
    return module


def _forward(module, xs: list, *_):
    return module(*xs, output_size=module.parity_output_size)


SPEC = ParitySpec(
    name="MaxUnpool2d",
    torch_module=lambda c: _with_size(torch.nn.MaxUnpool2d(**{k: c.params[k] for k in _CTOR}), c),
    numpy_module=lambda c, dt: _with_size(nl.MaxUnpool2d(**{k: c.params[k] for k in _CTOR}), c),
    cases=_cases(),
    make_inputs=_make_inputs,
    torch_forward=_forward,
    numpy_forward=_forward,
    description="2-D max unpooling",
    options={"kernel_size": "2, 3, (2,3)", "stride": "default, 1, 2, (2,1), 3",
             "padding": "0, 1, (1,1)", "output_size": "default, (H,W), [H,W], (N,C,H,W)",
             "indices": "from MaxPool2d, repeated (stride 1)", "input": "batched, unbatched"},
)
