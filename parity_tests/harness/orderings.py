"""Torch float32 run again in other valid summation orders: the yardstick of a float32 row.

A float32 row passes when NumPy's error against the float64 truth is within ``RATIO`` times
torch float32's error (see tolerance.py). One torch run is one sample of a random rounding
error; the same torch, on the same numbers, computes another sample with another thread
count or memory layout. ``Orderings`` keeps a twin of the torch float32 module per ordering,
runs it on the same inputs, state and output gradients as the main torch run, and returns
what it computed; the harness takes the largest error of all these runs as torch's error.
A run counts only on the float64 truth's branches: one that resolved an internal kink to the
other side runs again with those kink inputs pinned to the truth's side
(``ambiguity.kink_pins``); one whose max-pooling winners differ is left out.
"""
from __future__ import annotations

import contextlib
import copy
from typing import Any, Callable

import numpy as np

from . import ambiguity

# Name -> (threads, memory format): every one is torch float32 doing the same maths.
ORDERINGS: dict[str, tuple[int, str]] = {"threads2": (2, "contiguous"),
                                         "channels_last": (1, "channels_last")}


PIN_ROUNDS = 3      # forwards with kink inputs pinned to the truth's side, before giving up


def ordering_names(case: Any) -> tuple[str, ...]:
    """The orderings that compute something new for ``case``: channels_last only where an
    input is 4-D (NCHW), the only layout it changes."""
    four_d = any(len(s) == 4 for s in getattr(case, "input_shapes", ()))
    return tuple(n for n, (_, fmt) in ORDERINGS.items() if fmt != "channels_last" or four_d)


def _layout(torch: Any, x: Any, fmt: str) -> Any:
    if fmt == "channels_last" and x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    return x


class Orderings:
    """Twins of a torch float32 module, one per ordering in ``names``."""

    def __init__(self, t32: Any, names: tuple[str, ...] = tuple(ORDERINGS)) -> None:
        import torch
        self.runs = []
        for name in names:
            threads, fmt = ORDERINGS[name]
            m = copy.deepcopy(t32)
            if fmt == "channels_last":
                m = m.to(memory_format=torch.channels_last)
            self.runs.append((name, threads, fmt, m))

    def forward(self, state: dict[str, Any], xs: list[np.ndarray],
                call: Callable[[Any, list], tuple], output_names: list[str],
                truth: list | None = None) -> list[dict[str, np.ndarray]]:
        """Each twin, set to ``state`` (the main module's state before its forward), runs
        ``call(module, inputs)``: one dict per ordering of its outputs and buffers. Given
        ``truth`` (the float64 forward's ``ambiguity.recorder`` records), an ordering that
        resolved an internal kink or pooling window to another side than the truth is left
        out (its error is no rounding but another branch), as are its gradients. An ordering
        torch cannot run the module in (an exception) is dropped for good (``failed``)."""
        import torch
        self._graphs, out = [], []
        self.flipped, self.pinned, self.failed = [], [], []
        for run in list(self.runs):
            oname, _, _, m = run
            try:
                xt, ys, rec, pins = self._pinned(torch, run, state, xs, call, truth)
            except Exception:   # noqa: BLE001 - a layout the module cannot run in (x.view of
                self.runs.remove(run)   # channels_last, NLLLoss's backward): not an ordering
                self.failed.append(oname)
                continue
            if truth is not None and ambiguity.branch_flips(truth, rec.records):
                self.flipped.append(oname)
                continue
            if pins:
                self.pinned.append(oname)
            got = {name: y.detach().numpy().copy() for name, y in zip(output_names, ys)}
            got.update({k: b.detach().numpy().copy() for k, b in m.named_buffers()})
            self._graphs.append((run, (xt, ys, got)))
            out.append(got)
        return out

    def _pinned(self, torch: Any, run: tuple, state: dict, xs: list, call: Callable,
                truth: list | None) -> tuple:
        """One forward of ``run``, again with flipped kink inputs set to the truth's side
        (up to PIN_ROUNDS times): ``(inputs, outputs, recorder, pins)``."""
        _, threads, fmt, m = run
        pins: dict | None = {}
        for _ in range(PIN_ROUNDS + 1):
            xt, ys, rec = self._forward(torch, threads, fmt, m, state, xs, call, truth, pins)
            if truth is None or not ambiguity.branch_flips(truth, rec.records):
                break
            more = ambiguity.kink_pins(truth, rec.records)
            if more is None:
                break
            pins = {i: (pins[i][0] | mk, torch.where(mk, v, pins[i][1])) if i in pins
                    else (mk, v) for i, (mk, v) in {**pins, **more}.items()}
        return xt, ys, rec, pins

    @staticmethod
    def _forward(torch: Any, threads: int, fmt: str, m: Any, state: dict, xs: list,
                 call: Callable, truth: list | None, pins: dict | None) -> tuple:
        with _threads(torch, threads), torch.no_grad():
            for k, v in m.state_dict().items():
                v.copy_(state[k])
        xt = [_layout(torch, torch.from_numpy(x.copy()), fmt) for x in xs]
        xt = [t.requires_grad_(True) if t.is_floating_point() else t for t in xt]
        rec = ambiguity.recorder(pins) if truth is not None else contextlib.nullcontext()
        with _threads(torch, threads), rec:
            ys = call(m, xt)
        return xt, ys, rec

    def backward(self, dys: list[np.ndarray], back: list[int]) -> None:
        """Back-propagates ``dys`` from the outputs ``back`` of the last forward and adds
        ``grad_input<i>`` and ``grad_<param>`` (accumulated over steps, as the main module's
        are) to the dicts that forward returned."""
        import torch
        for run, (xt, ys, got) in self._graphs:
            _, threads, fmt, m = run
            try:
                with _threads(torch, threads):
                    torch.autograd.backward([ys[i] for i in back],
                                            [_layout(torch, torch.from_numpy(d.copy()), fmt)
                                             for d in dys])
            except Exception:   # noqa: BLE001 - see forward: no gradients from this ordering
                self.runs.remove(run)
                self.failed.append(run[0])
                continue
            for i, x in enumerate(xt):
                if x.grad is not None:
                    got["grad_input" if len(xt) == 1 else f"grad_input{i}"] = x.grad.numpy().copy()
            got.update({f"grad_{k}": p.grad.numpy().copy() for k, p in m.named_parameters()
                        if p.grad is not None})
        self._graphs = []


class _threads:
    """Context: torch runs with ``n`` threads, then as before."""

    def __init__(self, torch: Any, n: int) -> None:
        self.torch, self.n = torch, n

    def __enter__(self) -> None:
        self.before = self.torch.get_num_threads()
        self.torch.set_num_threads(self.n)

    def __exit__(self, *exc: Any) -> None:
        self.torch.set_num_threads(self.before)
