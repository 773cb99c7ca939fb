"""The torch.nn.functional forms of the layers added with the 2019-2023 structures, called
as users call them (``numpy_layers.functional.interpolate(x, scale_factor=2, ...)``),
against torch.nn.functional on float64 inputs: forward values and unbatched inputs (the
layers' specs cover the gradients), plus Hardtanh's deprecated keyword names and
stochastic depth's function form."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numpy_layers as nl
import numpy_layers.functional as F
from parity_tests.twins.torchvision_ops import stochastic_depth as tv_stochastic_depth


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


W1 = _x(4, 3, 3, seed=1)          # conv_transpose1d weight (C_in, C_out/groups, k)
CASES = [
    ("hardtanh", (_x(2, 3, 4) * 3,), dict(min_val=-2.0, max_val=1.5)),
    ("hardtanh", (_x(7),), {}),
    ("pixel_shuffle", (_x(2, 8, 3, 3),), dict(upscale_factor=2)),
    ("pixel_shuffle", (_x(9, 2, 2),), dict(upscale_factor=3)),
    ("pixel_unshuffle", (_x(2, 2, 6, 4),), dict(downscale_factor=2)),
    ("conv_transpose1d", (_x(2, 4, 5), W1, _x(3)), dict(stride=2, padding=1, output_padding=1)),
    ("conv_transpose1d", (_x(4, 5), W1), dict(dilation=2)),
    ("conv_transpose1d", (_x(2, 4, 5), _x(4, 2, 3, seed=2)), dict(groups=2, stride=(3,))),
    ("adaptive_avg_pool1d", (_x(2, 3, 10),), dict(output_size=4)),
    ("adaptive_avg_pool1d", (_x(3, 7),), dict(output_size=(9,))),
    ("adaptive_max_pool1d", (_x(2, 3, 10),), dict(output_size=3, return_indices=True)),
    ("adaptive_max_pool1d", (_x(3, 7),), dict(output_size=2)),
    ("interpolate", (_x(2, 3, 5, 4),), dict(scale_factor=2.5, mode="bicubic", align_corners=True)),
    ("interpolate", (_x(1, 2, 9),), dict(size=4, mode="linear")),
    ("interpolate", (_x(1, 2, 3, 4, 5),), dict(scale_factor=(2, 1.5, 0.6), mode="trilinear")),
    ("interpolate", (_x(2, 3, 9, 8),), dict(size=(4, 3), mode="area")),
    ("interpolate", (_x(2, 3, 12, 9),), dict(scale_factor=0.4, mode="bilinear", antialias=True)),
    ("interpolate", (_x(2, 3, 5, 4),), dict(scale_factor=1.7, mode="nearest-exact",
                                            recompute_scale_factor=True)),
    ("upsample", (_x(1, 2, 3, 3),), dict(scale_factor=2, mode="bilinear", align_corners=False)),
    ("upsample_nearest", (_x(1, 2, 3, 3),), dict(size=(7, 5))),
    ("upsample_bilinear", (_x(1, 2, 3, 3),), dict(scale_factor=2)),
]


@pytest.mark.filterwarnings("ignore:`nn.functional.upsample")
@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_functional_matches_torch(name, args, kwargs):
    mine = getattr(F, name)(*args, **kwargs)
    theirs = getattr(TF, name)(*(torch.tensor(a) for a in args), **kwargs)
    mine = mine if isinstance(mine, tuple) else (mine,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    for a, b in zip(mine, theirs, strict=True):
        assert a.shape == tuple(b.shape) and a.dtype == b.numpy().dtype
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-12, atol=1e-12)
    assert all(np.array_equal(a, np.asarray(a)) for a in args)    # inputs untouched


def test_upsample_functions_warn_as_torch():
    with pytest.warns(UserWarning, match="nn.functional.upsample_nearest` is deprecated"):
        F.upsample_nearest(_x(1, 1, 2, 2), scale_factor=2)


def test_hardtanh_deprecated_keywords_warn_and_apply():
    with pytest.warns(FutureWarning) as record:
        m = nl.Hardtanh(min_value=-2.0, max_value=3.0)
    assert [str(w.message)[:26] for w in record] == ["keyword argument `min_valu",
                                                     "keyword argument `max_valu"]
    assert (m.min_val, m.max_val) == (-2.0, 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        t = torch.nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert repr(m) == repr(t)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(_x(3), 1.0, -1.0)
    np.testing.assert_array_equal(F.hardtanh(_x(5), 0.5, 0.5), np.full(5, 0.5))   # torch too


@pytest.mark.parametrize("mode", ["row", "batch"])
def test_stochastic_depth_function(mode):
    x = _x(6, 3, 2) + 5.0                                 # no zeros: kept rows are visible
    keep = np.array([1, 0, 1, 1, 0, 1], bool).reshape(6, 1, 1) if mode == "row" else \
        np.ones((1, 1, 1), bool)
    y = F.stochastic_depth(x, 0.4, mode, mask=keep)
    np.testing.assert_array_equal(y, x * keep / 0.6)
    np.testing.assert_array_equal(F.stochastic_depth(x, 0.4, mode, training=False), x)
    torch.manual_seed(0)
    t = tv_stochastic_depth(torch.tensor(x), 1.0, mode).numpy()
    np.testing.assert_array_equal(F.stochastic_depth(x, 1.0, mode), t)   # p=1: all dropped
