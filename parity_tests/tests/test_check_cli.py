"""``python -m parity_tests check``: exit codes, one-line errors for bad input, binding files,
generated cases for a reference without a spec, ``--ref gradcheck``, and the README's
examples run as printed."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from parity_tests.check import check_layer, main, parse_kv

ROOT = Path(__file__).resolve().parents[2]
EX = Path(__file__).resolve().parents[1] / "examples"
README = ROOT / "README.md"

USER = '''
import numpy as np


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


class Float32Only:
    """Raises on float64 input of every rank: a failure, not something 'not covered'."""

    def forward(self, x):
        if x.dtype != np.float32:
            raise TypeError("float32 only")
        self.x = x
        return np.maximum(x, 0)

    def backward(self, dy):
        return np.where(self.x <= 0, 0, dy).astype(dy.dtype)


class Swish:
    """No torch.nn twin with a beta: checked by finite differences."""

    def __init__(self, beta=1.0):
        self.beta = beta

    def forward(self, x):
        self.x = x
        self.s = 1 / (1 + np.exp(-self.beta * x))
        return x * self.s

    def backward(self, dy):
        return dy * (self.s + self.beta * self.x * self.s * (1 - self.s))


class WrongSwish(Swish):
    def backward(self, dy):
        return dy * self.s                      # forgets the derivative of s


class ScaledTanh:
    """A parameter with its gradient: checked by finite differences too."""

    def __init__(self, n):
        self.a = np.linspace(0.5, 1.5, n)

    def forward(self, x):
        self.x = x
        return np.tanh(self.a * x)

    def backward(self, dy):
        t = np.tanh(self.a * self.x)
        self.da = (dy * (1 - t ** 2) * self.x).sum(axis=0)
        return dy * (1 - t ** 2) * self.a


def no_arguments():
    return None


def needs_something(x, foo):
    return x


def no_input(n=3):
    return n


class StarForward:
    def forward(self, *inputs):
        self.x = inputs[0]
        return np.maximum(inputs[0], 0)

    def backward(self, dy):
        return np.where(self.x <= 0, 0, dy).astype(dy.dtype)
'''


@pytest.fixture(scope="module")
def user(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("user") / "my_layers.py"
    path.write_text(USER)
    return path


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parity_tests", "check", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


# ----------------------------------------------------------------------------- exit codes
def test_exit_0_with_not_covered_cases_and_1_on_a_failure():
    ok = _cli(f"{EX / 'seed_article.py'}:FullyConnectedLayer", "--ref", "torch.nn.Linear")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines()[0].startswith(
        "check FullyConnectedLayer vs torch.nn.Linear: PASS on 16 of 20 cases; not covered:")
    bad = _cli(f"{EX / 'seed_article.py'}:dropout", "--ref", "torch.nn.functional.dropout",
               "--dtype", "float64")
    assert bad.returncode == 1 and "FAIL" in bad.stdout.splitlines()[0]
    assert "-k p1.0_x3x7 --dtype float64 --mode train" in bad.stdout      # the reproduction


def test_a_raise_within_a_feature_that_otherwise_runs_is_a_failure(user):
    r = check_layer(f"{user}:Float32Only", torch.nn.ReLU)
    assert not r.passed and not r.not_covered
    assert all(x.dtype == "float64" for x in r.failures)


@pytest.mark.parametrize("args, message", [
    (["nowhere.py:Conv", "--ref", "torch.nn.Conv2d"], "no file nowhere.py"),
    (["{user}:Nope", "--ref", "torch.nn.Conv2d"], "has no name 'Nope' (it defines"),
    (["{user}:MyHardtanh", "--ref", "torch.nn.Conv9d"], "torch has no such name"),
    (["{user}:MyHardtanh", "--ref", "numpy.zeros"], "give a torch.nn class"),
    (["{user}:MyHardtanh", "--ref", "torch.nn.init"], "torch.nn.init"),
    (["{user}:no_arguments", "--ref", "torch.nn.ReLU"], "takes no argument"),
    (["{user}:needs_something", "--ref", "torch.nn.ReLU"], "cannot fill the required argument 'foo'"),
    (["{user}:MyHardtanh", "--ref", "torch.nn.Softsign"], "has no parity spec"),
    (["{user}:no_input", "--ref", "torch.nn.ReLU"], "no argument takes the input array"),
    (["{user}:MyHardtanh"], "--ref"),
    (["{user}:MyHardtanh", "--ref", "torch.nn.ReLU", "--bogus"], "unrecognized arguments"),
    (["{user}:MyHardtanh", "--ref", "torch.nn.ReLU", "--param-map", "weight"], "expected name=value"),
])
def test_bad_input_exits_2_with_one_line(user, args, message, capsys):
    code = main([a.format(user=user) for a in args])      # raises nothing: no traceback
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_bad_input_from_the_shell_is_one_line_too(user):
    out = _cli(f"{user}:Nope", "--ref", "torch.nn.Conv2d")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "MyHardtanh" in out.stderr


def test_forward_taking_star_args(user):
    assert check_layer(f"{user}:StarForward", torch.nn.ReLU).passed


def test_binding_file_states_the_mapping(tmp_path):
    binding = tmp_path / "binding.toml"
    binding.write_text('layout = "CN"\n[param_map]\nweight = "weights"\n')
    out = _cli(f"{EX / 'tutorial_layers.py'}:ColumnDense", "--ref", "torch.nn.Linear",
               "--binding", str(binding), "-k", "in5_out3")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "weight <- weights" in out.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"colour": "red"}')
    out = _cli(f"{EX / 'tutorial_layers.py'}:ColumnDense", "--ref", "torch.nn.Linear",
               "--binding", str(bad))
    assert out.returncode == 2 and "unknown keys ['colour']" in out.stderr


def test_constructor_values_torch_has_no_name_for(tmp_path):
    path = tmp_path / "layer.py"
    path.write_text("import numpy as np\n\nclass Act:\n    def __init__(self, kind):\n"
                    "        self.kind = kind\n    def forward(self, x):\n        self.x = x\n"
                    "        return np.maximum(x, 0) if self.kind == 'relu' else x\n"
                    "    def backward(self, dy):\n        return np.where(self.x <= 0, 0, dy)"
                    ".astype(dy.dtype)\n")
    out = _cli(f"{path}:Act", "--ref", "torch.nn.ReLU")
    assert out.returncode == 2 and "--init kind=<value>" in out.stderr
    out = _cli(f"{path}:Act", "--ref", "torch.nn.ReLU", "--init", "kind='relu'")
    assert out.returncode == 0, out.stdout + out.stderr


def test_helpers():
    assert parse_kv("in_channels=3,kernel_size=(3,3),padding_mode=zeros") == {
        "in_channels": 3, "kernel_size": (3, 3), "padding_mode": "zeros"}


# ----------------------------------------------------------------------------- generated cases
def test_generated_cases_for_a_reference_without_spec(user):
    r = check_layer(f"{user}:MyHardtanh", torch.nn.Hardtanh, input_shape=(2, 3, 8), examples=10)
    assert r.passed, r.summary()
    assert "hypothesis" in r.source and len({x.case for x in r.results}) >= 3
    assert {x.mode for x in r.results} == {"train"}        # torch's Hardtanh has no mode


def test_generated_failure_is_shrunk_and_reproduced(user):
    r = check_layer(f"{user}:LowerBoundHardtanh", "torch.nn.Hardtanh", input_shape=(4, 3, 8),
                    examples=30)
    assert not r.passed and r.results[0].passed     # the default min_val hides the bug
    case_id = r.first_failure.case
    assert "min_val" in case_id
    shape = tuple(int(n) for n in re.search(r"x(\d+(?:x\d+)*)", case_id).group(1).split("x"))
    assert np.prod(shape) < 4 * 3 * 8, case_id
    assert "--examples 0" in r.reproduction and "--kwargs" in r.reproduction
    line = r.reproduction.splitlines()[0].split(" check ", 1)[1]
    import shlex
    assert main(shlex.split(line)) == 1


def test_generated_mode_takes_float_defaults_not_exact_in_float32_and_varies_given_kwargs():
    from parity_tests.check.explore import param_strategies
    strategies = param_strategies(torch.nn.LayerNorm, {"normalized_shape": 8, "eps": 1e-5})
    assert "eps" in strategies                        # 1e-5 is not a float32: no error
    from hypothesis import given, settings

    @settings(max_examples=5, database=None)
    @given(strategies["eps"])
    def draws(eps):
        assert isinstance(eps, float)
    draws()
    r = check_layer("numpy_layers:LayerNorm", torch.nn.LayerNorm, kwargs={"normalized_shape": 8},
                    input_shape=(3, 8), examples=6)
    assert r.passed, r.summary()
    assert len({x.case for x in r.results}) > 1


# ----------------------------------------------------------------------------- gradcheck
def test_gradcheck_for_a_layer_with_no_torch_twin(user):
    good = check_layer(f"{user}:Swish", "gradcheck", input_shape=(3, 4), kwargs={"beta": 1.5})
    assert good.passed, good.summary()
    assert {r.rule for r in good.rows} == {"gradcheck"}
    bad = check_layer(f"{user}:WrongSwish", "gradcheck", input_shape=(3, 4), kwargs={"beta": 1.5})
    assert not bad.passed and "finite differences" in bad.first_failure.failure_report()
    param = check_layer(f"{user}:ScaledTanh", "gradcheck", input_shape=(5, 4), kwargs={"n": 4})
    assert param.passed and any(r.tensor.startswith("grad_a@") for r in param.rows)
    out = _cli(f"{user}:WrongSwish", "--ref", "gradcheck", "--input-shape", "3,4")
    assert out.returncode == 1, out.stdout + out.stderr


# ----------------------------------------------------------------------------- the README
def _section(text: str, heading: str) -> str:
    assert heading in text, f"README.md lost its '{heading}' section"
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("heading", ["## Checking your own layer", "## The seed article"])
def test_readme_commands_print_what_the_readme_shows(tmp_path, heading):
    """Every ``sh`` block followed by a ``text`` block runs as printed and prints it."""
    section = _section(README.read_text(), heading)
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    for lang, body in blocks:
        if lang == "python" and re.match(r"# (\S+\.py)", body):
            (tmp_path / re.match(r"# (\S+\.py)", body).group(1)).write_text(body)
    pairs = [(a[1], b[1]) for a, b in zip(blocks, blocks[1:]) if a[0] == "sh" and b[0] == "text"]
    assert pairs, f"no command with its output under {heading}"
    mask = lambda s: re.sub(r"\d[\d.e+-]*", "#", s).rstrip()          # noqa: E731
    for cmd, expected in pairs:
        argv = cmd.strip().split()
        assert argv[:4] == ["python", "-m", "parity_tests", "check"]
        argv = [str(ROOT / a) if a.startswith("parity_tests/examples/") else a for a in argv[4:]]
        out = _cli(*argv, cwd=tmp_path)
        got = [mask(s) for s in out.stdout.splitlines()]
        for line in expected.strip().splitlines():
            assert mask(line) in got, f"{line!r} not printed:\n{out.stdout}{out.stderr}"
