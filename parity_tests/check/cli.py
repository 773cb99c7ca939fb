"""``python -m parity_tests check FILE.py:TARGET --ref REF [options]``.

Exit codes: 0 every covered case passes (and at least one ran); 1 a covered case fails;
2 the layer cannot be checked (one line saying what to give). Never a traceback for bad
input; an internal error also exits 2 with one line (``PARITY_DEBUG=1`` shows the trace).
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from pathlib import Path
from typing import Any

from .api import check_layer


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets and quotes: 'k=(3,3),p=1' -> ['k=(3,3)', 'p=1']."""
    out, depth, cur, quote = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [s.strip() for s in out + [cur] if s.strip()]


def parse_kv(text: str | None, literal: bool = True) -> dict[str, Any]:
    """'a=1,b=(3,3),c=zeros' -> {'a': 1, 'b': (3, 3), 'c': 'zeros'}."""
    out: dict[str, Any] = {}
    for item in _split_top(text or ""):
        if "=" not in item:
            raise ValueError(f"check: expected name=value, got {item!r}")
        k, v = (s.strip() for s in item.split("=", 1))
        if literal:
            try:
                v = ast.literal_eval(v)
            except (ValueError, SyntaxError):
                pass
        out[k] = v
    return out


def load_binding(path: str) -> dict[str, Any]:
    """A binding file (JSON or TOML) with any of: param_map, args, init, layout, kwargs,
    input_shape."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"check: no binding file {path}")
    text = p.read_text()
    if p.suffix == ".json":
        data = json.loads(text)
    else:
        import tomllib
        data = tomllib.loads(text)
    known = {"param_map", "args", "init", "layout", "kwargs", "input_shape"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"check: binding file {path}: unknown keys {sorted(unknown)}; "
                         f"known: {sorted(known)}")
    return data


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m parity_tests check",
                                 description="check a NumPy layer against its torch twin")
    ap.add_argument("layer", help="file.py:Class, file.py:function, file.py:fwd,bwd "
                                  "or package.module:Name")
    ap.add_argument("--ref", required=True,
                    help="torch.nn.Conv2d, torch.nn.functional.conv2d, or gradcheck")
    ap.add_argument("--param-map", default="",
                    help="torch name=the layer's array: weight=W.T,bias=b")
    ap.add_argument("--arg", default="", help="the layer's argument=torch's name: k=kernel_size")
    ap.add_argument("--init", default="", help="constructor values torch has no name for: "
                                               "activation=None")
    ap.add_argument("--binding", help="a JSON or TOML file with param_map, args, init, layout")
    ap.add_argument("--layout", help="input layout of a channels-last layer: NHWC (NLC ...)")
    ap.add_argument("--kwargs", default=None,
                    help="torch constructor arguments for generated cases: in_channels=3")
    ap.add_argument("--input-shape", default=None, help="input shape for generated cases: 2,3,8,8")
    ap.add_argument("--examples", type=int, default=20, help="generated configurations (0: one)")
    ap.add_argument("-k", dest="only", help="only spec cases whose id contains this text")
    ap.add_argument("--dtype", action="append", choices=["float32", "float64"])
    ap.add_argument("--mode", action="append", choices=["train", "eval"])
    ap.add_argument("--seed", type=int, default=0)
    return ap


class _Usage(Exception):
    pass


def _argparse(argv: list[str]) -> argparse.Namespace:
    ap = _parser()
    ap.error = lambda message: (_ for _ in ()).throw(_Usage(message))  # type: ignore
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run one check and print its summary; the exit code says the verdict."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        _parser().print_help()
        return 0
    try:
        args = _argparse(argv)
    except _Usage as e:
        print(f"check: {e} (python -m parity_tests check FILE.py:TARGET --ref REF; --help "
              f"lists the options)", file=sys.stderr)
        return 2
    label = args.layer
    try:
        binding = load_binding(args.binding) if args.binding else {}
        shape = args.input_shape if args.input_shape is not None else binding.get("input_shape")
        if isinstance(shape, str):
            shape = tuple(int(s) for s in shape.split(",") if s.strip())
        kwargs = parse_kv(args.kwargs) if args.kwargs is not None else binding.get("kwargs")
        result = check_layer(
            args.layer, args.ref,
            param_map={**binding.get("param_map", {}), **parse_kv(args.param_map, False)} or None,
            args={**binding.get("args", {}), **parse_kv(args.arg, False)} or None,
            init={**binding.get("init", {}), **parse_kv(args.init)} or None,
            layout=args.layout or binding.get("layout"), kwargs=kwargs, input_shape=shape,
            examples=args.examples, dtypes=args.dtype, modes=args.mode, only=args.only,
            seed=args.seed)
    except (ValueError, TypeError, ImportError, AttributeError, OSError, KeyError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        msg = msg if msg.startswith("check:") else f"check: cannot check {label}: {msg}"
        print(msg, file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - never a traceback for the user
        if os.environ.get("PARITY_DEBUG"):
            raise
        print(f"check: cannot check {label}: internal error {type(e).__name__}: {e} "
              f"(PARITY_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 2
    print(result.summary())
    if not result.results:
        print("check: no case could run: every case is not covered; give the options the "
              "layer lacks, or check it against another reference", file=sys.stderr)
        return 2
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
