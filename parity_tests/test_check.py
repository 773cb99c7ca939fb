"""``check_layer`` and ``python -m parity_tests check`` on layers written outside the package."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from parity_tests.check import MappingError, check_layer, load_object, main, parse_kv

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

USER_LAYERS = '''
import numpy as np


class NaiveConv2d:
    """Plain attributes W, b and gradients dW, db; a loop over the kernel taps."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
        self.stride = stride if isinstance(stride, int) else stride[0]
        self.padding = padding if isinstance(padding, int) else padding[0]
        self.W = np.zeros((out_channels, in_channels, k, k), np.float32)
        self.b = np.zeros(out_channels, np.float32) if bias else None

    def _taps(self, hp, wp, ho, wo):
        s, k = self.stride, self.W.shape[2]
        for i in range(k):
            for j in range(k):
                yield i, j, (slice(None), slice(None), slice(i, i + s * (ho - 1) + 1, s),
                             slice(j, j + s * (wo - 1) + 1, s))

    def _kernel(self):
        return self.W

    def forward(self, x):
        p, k, s = self.padding, self.W.shape[2], self.stride
        self.xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        ho = (self.xp.shape[2] - k) // s + 1
        wo = (self.xp.shape[3] - k) // s + 1
        w = self._kernel()
        y = np.zeros((x.shape[0], w.shape[0], ho, wo), x.dtype)
        for i, j, win in self._taps(*self.xp.shape[2:], ho, wo):
            y += np.einsum("nchw,oc->nohw", self.xp[win], w[:, :, i, j])
        return y if self.b is None else y + self.b[:, None, None]

    def backward(self, dy):
        p = self.padding
        w = self._kernel()
        dxp = np.zeros_like(self.xp)
        self.dW = np.zeros_like(self.W)
        for i, j, win in self._taps(*self.xp.shape[2:], *dy.shape[2:]):
            dxp[win] += np.einsum("nohw,oc->nchw", dy, w[:, :, i, j])
            self.dW[:, :, i, j] = np.einsum("nohw,nchw->oc", dy, self.xp[win])
        if self.b is not None:
            self.db = dy.sum(axis=(0, 2, 3))
        return dxp[:, :, p:dxp.shape[2] - p, p:dxp.shape[3] - p]


class FlippedConv2d(NaiveConv2d):
    """A true convolution: the kernel is flipped (torch cross-correlates)."""

    def _kernel(self):
        return self.W[:, :, ::-1, ::-1]


class MyReLU:
    def forward(self, x):
        self.x = x
        return np.maximum(x, 0)

    def backward(self, dy):
        return np.where(self.x <= 0, dy.dtype.type(0), dy)   # NaN passes, as torch


class MyHardtanh:
    def __init__(self, min_val=-1.0, max_val=1.0):
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        self.x = x
        return np.clip(x, x.dtype.type(self.min_val), x.dtype.type(self.max_val))

    def backward(self, dy):
        return dy * ((self.x > self.min_val) & (self.x < self.max_val))


class LowerBoundHardtanh(MyHardtanh):
    """Bug: the gradient uses the default lower bound -1 whatever min_val is."""

    def backward(self, dy):
        return dy * ((self.x > -1.0) & (self.x < self.max_val))


class MyBatchNorm:
    """Four (C,) arrays with non-torch names: the mapping needs --param-map."""

    def __init__(self, num_features):
        self.gamma = np.ones(num_features, np.float32)
        self.beta = np.zeros(num_features, np.float32)
        self.mu = np.zeros(num_features, np.float32)
        self.sigma2 = np.ones(num_features, np.float32)
'''

CONV_CASES = "k3_s2_p1_b"         # Conv2d spec cases: kernel 3, stride 2, padding 1, no dilation


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("user") / "my_layers.py"
    path.write_text(USER_LAYERS)
    return path


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parity_tests.check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_correct_user_conv_passes_with_shape_mapping(layers):
    r = check_layer(f"{layers}:NaiveConv2d", torch.nn.Conv2d, only=CONV_CASES)
    assert r.passed, r.summary()
    assert r.mapping == {"weight": "W", "bias": "b"}          # unique shapes
    assert len(r.results) >= 4 and {x.dtype for x in r.results} == {"float32", "float64"}
    v = r.verdicts()
    assert {"output", "grad_input", "grad_weight", "grad_bias"} <= set(v)
    assert all(x.passed for x in v.values())
    assert "PASS" in repr(r) and "<table>" in r._repr_html_()
    # the rows are the report's rows: one per tensor, with the tolerance applied
    assert all(row.rule and row.tolerance is not None for row in r.rows if row.tensor == "output")


def test_param_map_is_used(layers):
    r = check_layer(f"{layers}:NaiveConv2d", "torch.nn.Conv2d", only=CONV_CASES,
                    param_map={"weight": "W", "bias": "b"}, dtypes=["float64"])
    assert r.passed and r.mapping == {"weight": "W", "bias": "b"}
    with pytest.raises(MappingError, match="no array attribute 'V'"):
        check_layer(f"{layers}:NaiveConv2d", "torch.nn.Conv2d", only=CONV_CASES,
                    param_map={"weight": "V"})


def test_buggy_conv_fails_with_hint_via_cli(layers):
    out = _cli(f"{layers}:FlippedConv2d", "--ref", "torch.nn.Conv2d", "-k", CONV_CASES)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "FAIL" in out.stdout.splitlines()[0]
    assert re.search(r"output\s+FAIL", out.stdout)
    assert "hint: output matches torch with the kernel flipped" in out.stdout
    assert "first failure: Conv2d[" in out.stdout and "worst at index" in out.stdout
    assert "--dtype" in out.stdout and "check_layer(" in out.stdout     # reproduction


def test_correct_relu_passes_the_whole_spec_via_cli(layers):
    out = _cli(f"{layers}:MyReLU", "--ref", "torch.nn.ReLU")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASS" in out.stdout.splitlines()[0]
    wrapper = subprocess.run([sys.executable, "scripts/check_layer.py", f"{layers}:MyReLU",
                              "--ref", "torch.nn.ReLU", "--dtype", "float64"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert wrapper.returncode == 0 and "PASS" in wrapper.stdout, wrapper.stdout + wrapper.stderr


def test_ambiguous_mapping_lists_candidates(layers):
    with pytest.raises(MappingError) as err:
        check_layer(f"{layers}:MyBatchNorm", torch.nn.BatchNorm2d)
    msg = str(err.value)
    assert "ambiguous" in msg and all(n in msg for n in ("gamma", "beta", "mu", "sigma2"))
    out = _cli(f"{layers}:MyBatchNorm", "--ref", "torch.nn.BatchNorm2d")
    assert out.returncode == 2 and "ambiguous" in out.stderr and "--param-map" in out.stderr


def test_missing_parameter_is_reported(layers):
    with pytest.raises(MappingError, match=r"no array for torch's weight \(3, 5\); candidates: none"):
        check_layer(f"{layers}:MyReLU", torch.nn.Linear, only="in5_out3_x10x5")
    with pytest.raises(MappingError, match="transpose"):     # a transposed weight is named
        _transposed_linear()


def _transposed_linear():
    class WT:
        def __init__(self, in_features, out_features, bias=True):
            self.weight = np.zeros((in_features, out_features), np.float32)
            self.bias = np.zeros(out_features, np.float32)
    return check_layer(WT, torch.nn.Linear, only="in5_out3_x10x5")


def test_module_without_spec_generated_cases_pass(layers):
    r = check_layer(f"{layers}:MyHardtanh", torch.nn.Hardtanh, input_shape=(2, 3, 8),
                    examples=10)
    assert r.passed, r.summary()
    assert "hypothesis" in r.source
    configs = {x.case for x in r.results}
    assert len(configs) >= 3                        # the given one and drawn ones
    assert {x.mode for x in r.results} == {"train", "eval"}


def test_module_without_spec_failure_is_shrunk(layers):
    r = check_layer(f"{layers}:LowerBoundHardtanh", "torch.nn.Hardtanh", input_shape=(4, 3, 8),
                    examples=30)
    assert not r.passed
    first = r.first_failure
    case_id = first.case
    # the default configuration passes (the bug needs min_val != -1), the shrunk one is small
    assert r.results[0].passed
    shape = tuple(int(n) for n in re.search(r"x(\d+(?:x\d+)*)", case_id).group(1).split("x"))
    assert np.prod(shape) < 4 * 3 * 8, case_id
    assert "min_val" in case_id
    assert "--examples 0" in r.reproduction and "--kwargs" in r.reproduction
    if not first.error:        # (a 1-element all-zero reference can make compare raise)
        assert any("grad_input" in h for h in r.hints), r.summary()
    # the reproduction reruns exactly the failing configuration and still fails
    line = r.reproduction.splitlines()[0].split(" check ", 1)[1]
    assert main(shlex.split(line)) == 1


def test_helpers():
    assert parse_kv("in_channels=3,kernel_size=(3,3),padding_mode=zeros") == {
        "in_channels": 3, "kernel_size": (3, 3), "padding_mode": "zeros"}
    assert load_object("torch.nn.Conv2d") is torch.nn.Conv2d
    with pytest.raises(ValueError, match="input_shape"):
        check_layer(object, torch.nn.Softsign)


def _section(text: str, heading: str = "## Checking your own layer") -> str | None:
    if heading not in text:
        return None
    rest = text.split(heading, 1)[1]
    return rest.split("\n## ", 1)[0]


def test_readme_worked_example(tmp_path):
    """The README's worked example runs as printed and prints what it shows."""
    section = _section(README.read_text())
    if section is None:
        pytest.skip("README.md has no 'Checking your own layer' section")
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    code = [b for lang, b in blocks if lang == "python"]
    shell = [b for lang, b in blocks if lang in ("sh", "console")]
    shown = [b for lang, b in blocks if lang == "text"]
    assert code and shell and shown
    name = re.match(r"# (\S+\.py)", code[0]).group(1)
    (tmp_path / name).write_text(code[0])
    mask = lambda s: re.sub(r"\d[\d.e+-]*", "#", s).rstrip()          # noqa: E731
    for cmd, expected in zip(shell, shown):
        argv = cmd.strip().split()
        assert argv[:4] == ["python", "-m", "parity_tests", "check"]
        out = _cli(*argv[4:], cwd=tmp_path)
        got = [mask(s) for s in out.stdout.splitlines()]
        for line in expected.strip().splitlines():
            assert mask(line) in got, f"{line!r} not printed:\n{out.stdout}{out.stderr}"
