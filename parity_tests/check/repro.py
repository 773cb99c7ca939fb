"""The command and the Python call that rerun exactly one failing case."""
from __future__ import annotations

from typing import Sequence


def reproduction(where: str, ref_label: str, param_map: dict[str, str] | None, *,
                 only: str | None = None, kwargs: dict | None = None,
                 input_shape: Sequence[int] | None = None, dtype: str, mode: str,
                 args: dict | None = None, init: dict | None = None,
                 layout: str | None = None) -> str:
    """A command and a Python snippet that rerun exactly one failing case."""
    cli = f"python -m parity_tests check {where} --ref {ref_label}"
    py = ["from parity_tests.check import check_layer", f"r = check_layer({where!r}, {ref_label!r},"]
    kw = [f"dtypes=[{dtype!r}]", f"modes=[{mode!r}]"]
    for flag, name, value in (("--param-map", "param_map", param_map), ("--arg", "args", args),
                              ("--init", "init", init)):
        if value:
            cli += f" {flag} " + ",".join(f"{k}={v}" for k, v in value.items())
            kw.append(f"{name}={value!r}")
    if layout:
        cli += f" --layout {layout}"
        kw.append(f"layout={layout!r}")
    if only is not None:
        cli += f" -k {only}"
        kw.append(f"only={only!r}")
    if input_shape is not None:
        cli += " --input-shape " + ",".join(map(str, input_shape)) + " --examples 0"
        kw += [f"input_shape={tuple(input_shape)!r}", "examples=0"]
        if kwargs:
            cli += " --kwargs " + ",".join(f"{k}={v!r}" for k, v in kwargs.items())
        kw.append(f"kwargs={dict(kwargs or {})!r}")
    cli += f" --dtype {dtype} --mode {mode}"
    py.append("                " + ", ".join(kw) + ")")
    py.append("print(r.summary())")
    return cli + "\n" + "\n".join(py)
