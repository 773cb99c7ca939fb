"""``check_model``: one torch model against its ``from_torch`` twin in float64 and float32,
train and eval: every output (tuples and dicts walked), the input gradients, every
parameter gradient by torch's name, and the state_dict after the step (running
statistics), under the harness's tolerance policy. Dropout masks are injected into both
sides (the same mask per module call; ``F.dropout`` calls get the same uniforms through
the graph's ``rng`` and a patched torch ``F.dropout``). The float64 twin is converted in the mode it runs
in, the float32 one in the other mode and then switched (``.train()``/``.eval()``)."""
from __future__ import annotations

import contextlib
import copy
from typing import Any, Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import numpy_layers as nl
from parity_tests.harness.compare import compare

# Terms behind one compared element for the float32 floor (and the float64 scaling): the
# widest sums of these small models (a 5x5x16 conv, a 400-wide linear, BN statistics over
# 2x16x16 values) stay below this.
REDUCTION = 512


def _flat(y: Any, name: str = "output") -> list[tuple[str, Any]]:
    """(name, tensor or array) of every tensor in a nested tuple/list/dict output."""
    if isinstance(y, (torch.Tensor, np.ndarray)):
        return [(name, y)]
    if isinstance(y, dict):
        return [r for k, v in y.items() for r in _flat(v, f"{name}.{k}")]
    if isinstance(y, (tuple, list)):
        return [r for i, v in enumerate(y) for r in _flat(v, f"{name}[{i}]")]
    return []


def _like(y: Any, seed: int, dtype: Any) -> Any:
    """A random gradient with the structure of output ``y`` (NumPy arrays)."""
    if isinstance(y, torch.Tensor):
        return np.random.default_rng(seed).standard_normal(tuple(y.shape)).astype(dtype)
    if isinstance(y, dict):
        return {k: _like(v, seed + i, dtype) for i, (k, v) in enumerate(y.items())}
    if isinstance(y, (tuple, list)):
        return type(y)(_like(v, seed + i, dtype) for i, v in enumerate(y))
    return None


def _tensors(g: Any, dtype: torch.dtype) -> Any:
    if isinstance(g, np.ndarray):
        return torch.tensor(g, dtype=dtype)
    if isinstance(g, dict):
        return {k: _tensors(v, dtype) for k, v in g.items()}
    if isinstance(g, (tuple, list)):
        return type(g)(_tensors(v, dtype) for v in g)
    return g


class _Draws:
    """Stands in for a converted graph's ``rng``: its k-th draw is the uniforms of
    ``Masks.uniform(k, ...)``, which the patched ``F.dropout`` of the torch side uses too."""

    def __init__(self, masks: "Masks") -> None:
        self.masks, self.k = masks, 0

    def random(self, shape: tuple[int, ...], dtype: Any = np.float32) -> np.ndarray:
        self.k += 1
        return self.masks.uniform(self.k - 1, tuple(shape))


class Masks:
    """One keep-mask per (dropout module, call), and one set of uniforms per functional
    dropout call, shared by every twin of a model."""

    def __init__(self) -> None:
        self.drawn: dict[tuple[str, int], np.ndarray] = {}

    def uniform(self, k: int, shape: tuple[int, ...]) -> np.ndarray:
        if ("F.dropout", k) not in self.drawn:
            self.drawn[("F.dropout", k)] = np.random.default_rng(1000 + k).random(shape, np.float32)
        return self.drawn[("F.dropout", k)]

    @contextlib.contextmanager
    def functional(self) -> Iterator[None]:
        """torch's ``F.dropout`` with the keep-masks of the graph's draws (u < 1 - p)."""
        original, count = F.dropout, [0]

        def dropout(input, p=0.5, training=True, inplace=False):
            if not training or p == 0:
                return input
            keep = self.uniform(count[0], tuple(input.shape)) < np.float32(1 - p)
            count[0] += 1
            return input * (torch.tensor(keep).to(input.dtype) / (1 - p))
        F.dropout = dropout
        try:
            yield
        finally:
            F.dropout = original

    def get(self, name: str, k: int, shape: tuple[int, ...], p: float) -> np.ndarray:
        if (name, k) not in self.drawn:
            rng = np.random.default_rng(len(self.drawn) + 100)
            self.drawn[(name, k)] = rng.random(shape) >= p
        return self.drawn[(name, k)]

    def inject(self, t: nn.Module, n: nl.Module) -> None:
        """Make torch's and the twin's dropout modules use the same masks."""
        numpy_side = dict(n.named_modules())
        for name, m in t.named_modules():
            if type(m) not in (nn.Dropout, nn.Dropout2d) or not m.training:
                continue
            count = {"torch": 0, "numpy": 0}

            def shape(x, m=m):
                return tuple(x.shape[:2]) + (1,) * (x.ndim - 2) if type(m) is nn.Dropout2d \
                    else tuple(x.shape)

            def t_fwd(x, m=m, name=name, count=count, shape=shape):
                keep = self.get(name, count["torch"], shape(x), m.p)
                count["torch"] += 1
                return x * torch.tensor(keep, dtype=x.dtype) / (1 - m.p)

            nm = numpy_side[name]

            def n_fwd(x, nm=nm, name=name, count=count, shape=shape, p=m.p):
                keep = self.get(name, count["numpy"], shape(x), p)
                count["numpy"] += 1
                return type(nm).forward(nm, x, mask=keep)
            m.forward, nm.forward = t_fwd, n_fwd


def _rows(t64, t32, xs, dtype, label):
    """Convert, run both sides once (forward, backward), compare everything; the rows."""
    f32 = dtype == np.float32
    masks = Masks()
    tmods = [t64] + ([t32] if f32 else [])
    if f32:          # converted in the other mode, then switched, as a user fine-tuning does
        n = nl.from_torch(copy.deepcopy(t32).train(not t32.training)).train(t32.training)
    else:
        n = nl.from_torch(t64)
    for tm in tmods:
        masks.inject(tm, n)
    n.rng = _Draws(masks)
    outs = []
    for tm, tdt in zip(tmods, (torch.float64, torch.float32)):
        ts = [torch.tensor(x, dtype=tdt, requires_grad=True) for x in xs]
        with masks.functional():
            y = tm(*ts)
        outs.append((y, ts))
    y = n(*xs)
    seed = _like(outs[0][0], 1, dtype)
    ty = [t for _, t in _flat(outs[0][0])]
    for (yt, ts), tdt in zip(outs, (torch.float64, torch.float32)):
        torch.autograd.backward([t for _, t in _flat(yt)],
                                [t for _, t in _flat(_tensors(seed, tdt))])
    dx = n.backward(seed if len(ty) > 1 else _flat(seed)[0][1])
    dx = dx if len(xs) > 1 else (dx,)

    rows = []

    def add(name, actual, ref64, ref32):
        rows.append(compare(f"{label} {name}", actual,
                            ref64.detach().numpy() if isinstance(ref64, torch.Tensor) else ref64,
                            np.dtype(dtype), reduction=REDUCTION,
                            torch_value=None if ref32 is None else (
                                ref32.detach().numpy() if isinstance(ref32, torch.Tensor) else ref32)))
    flat_n = _flat(y)
    flat_64 = _flat(outs[0][0])
    flat_32 = _flat(outs[1][0]) if f32 else [(k, None) for k, _ in flat_64]
    assert [k for k, _ in flat_n] == [k for k, _ in flat_64], (label, flat_n, flat_64)
    for (k, a), (_, r64), (_, r32) in zip(flat_n, flat_64, flat_32):
        add(k, a, r64, r32)
    for i, g in enumerate(dx):
        add(f"grad_input{i}", g, outs[0][1][i].grad, outs[1][1][i].grad if f32 else None)
    grads = dict(n.named_grads())
    p64 = dict(t64.named_parameters())
    p32 = dict(t32.named_parameters()) if f32 else {}
    assert list(grads) == list(p64), (label, list(grads), list(p64))
    for k, p in p64.items():
        if p.grad is not None:
            add(f"grad_{k}", grads[k], p.grad, p32[k].grad if f32 else None)
        else:
            assert grads[k] is None or not np.any(grads[k]), (label, k)
    sd, sd64 = n.state_dict(), t64.state_dict()
    sd32 = t32.state_dict() if f32 else {}
    assert list(sd) == list(sd64), (label, list(sd), list(sd64))
    for k, v in sd64.items():
        add(f"state {k}", sd[k], v, sd32[k] if f32 else None)
    return rows


def check_model(make: Callable[[], nn.Module], *shapes: tuple[int, ...],
                modes: tuple[str, ...] = ("train", "eval"),
                dtypes: tuple[Any, ...] = (np.float64, np.float32), seed: int = 0) -> None:
    """``make()`` built once (seeded); each (mode, dtype) run converts a fresh copy."""
    torch.manual_seed(seed)
    base = make()
    failed = []
    for mode in modes:
        for dtype in dtypes:
            xs = [np.random.default_rng(seed + i).standard_normal(s).astype(dtype)
                  for i, s in enumerate(shapes)]
            t64 = copy.deepcopy(base).double().train(mode == "train")
            t32 = copy.deepcopy(base).float().train(mode == "train")
            label = f"{mode}/{np.dtype(dtype).name}"
            rows = _rows(t64, t32, xs, dtype, label)
            failed += [r.message for r in rows if not r.passed]
    assert not failed, "\n".join(failed)
