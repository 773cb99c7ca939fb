"""Layouts: how a user's array stores a torch tensor when only the order of axes or unit
axes differ (``W`` as (in, out), ``b`` as (1, out), HWIO filters, NHWC input).

A ``Layout`` maps a torch-layout array to the user's (``to_user``) and back (``to_torch``);
``describe(name)`` prints it as an expression (``W.T``, ``b.reshape(3)``). ``--param-map``
accepts the same expressions: ``weight=W.T``, ``weight=params['W'].transpose(2,3,1,0)``.
"""
from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Layout:
    """``perm``: user axis i is torch axis perm[i] (after dropping unit axes); ``shape``: the
    user's shape (unit axes included), None when it is just the permuted torch shape."""
    perm: tuple[int, ...] | None = None
    shape: tuple[int, ...] | None = None

    @property
    def identity(self) -> bool:
        return (self.perm is None or self.perm == tuple(range(len(self.perm)))) and self.shape is None

    def to_user(self, a: np.ndarray) -> np.ndarray:
        out = a if self.perm is None else np.transpose(a, self.perm)
        if self.shape is not None:
            out = out.reshape(self.shape)
        return np.ascontiguousarray(out) if not self.identity else out

    def to_torch(self, a: np.ndarray, torch_shape: tuple[int, ...]) -> np.ndarray:
        if not isinstance(a, np.ndarray):
            return a
        out = a
        if self.perm is not None:
            permuted = tuple(torch_shape[i] for i in self.perm)
            if out.size == int(np.prod(permuted)) and out.shape != permuted:
                out = out.reshape(permuted)
            if out.shape == permuted:
                out = np.transpose(out, np.argsort(self.perm))
        elif self.shape is not None and out.size == int(np.prod(torch_shape)):
            out = out.reshape(torch_shape)
        return out

    def describe(self, name: str, torch_shape: tuple[int, ...] = ()) -> str:
        """torch's tensor as an expression of the user's array: 'W.T', 'b.reshape(3)'."""
        text = name
        if self.perm is not None and self.perm != tuple(range(len(self.perm))):
            if self.shape is not None:
                permuted = tuple(torch_shape[i] for i in self.perm) if torch_shape else ()
                text += f".reshape{permuted}" if permuted else ".reshape(...)"
            inv = _inverse(self.perm)
            text += ".T" if len(self.perm) == 2 else f".transpose{inv}"
        elif self.shape is not None:
            dims = ", ".join(map(str, torch_shape)) if torch_shape else "..."
            text += f".reshape({dims})"
        return text


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argsort(perm))


IDENTITY = Layout()

# Conventions seen in the wild for 2-D, 3-D and 4-D weights, most common first:
# (out, in) vs (in, out); (O, I, K) vs (K, I, O); OIHW vs HWIO (TF/Keras) vs OHWI.
KNOWN_PERMS = {
    2: [(0, 1), (1, 0)],
    3: [(0, 1, 2), (2, 1, 0), (0, 2, 1)],
    4: [(0, 1, 2, 3), (2, 3, 1, 0), (0, 2, 3, 1), (1, 0, 2, 3), (2, 3, 0, 1)],
}


def unit_shapes() -> list[tuple[int, ...]]:
    """How a bias or scale of length n is kept when not as (n,): b (1, n) of a dense layer,
    (n, 1) of column vectors, (1, 1, 1, n) channels-last, (1, n, 1, 1) channels-first."""
    return [(1, -1), (-1, 1), (1, 1, 1, -1), (1, -1, 1, 1)]      # -1: n, whatever the case


def candidates(torch_shape: tuple[int, ...], user_shape: tuple[int, ...] | None) -> list[Layout]:
    """Layouts under which an array of ``user_shape`` stores a ``torch_shape`` tensor (all
    known conventions when ``user_shape`` is None: an array the layer has not shown yet)."""
    torch_shape = tuple(torch_shape)
    core = [i for i, n in enumerate(torch_shape) if n != 1] if user_shape is not None else None
    out: list[Layout] = []
    perms = KNOWN_PERMS.get(len(torch_shape), [tuple(range(len(torch_shape)))])
    for perm in perms:
        permuted = tuple(torch_shape[i] for i in perm)
        lay = Layout(None if perm == tuple(range(len(perm))) else perm)
        if user_shape is None:
            if lay not in out:
                out.append(lay)
            continue
        if permuted == tuple(user_shape):
            out.append(lay)
        elif _drop_units(permuted) == _drop_units(user_shape) and core is not None:
            out.append(Layout(lay.perm, tuple(user_shape)))
    if user_shape is None and len(torch_shape) == 1:   # a vector kept as a row, column or
        out += [Layout(None, s) for s in unit_shapes()]   # broadcastable block
    if user_shape is not None and not out and int(np.prod(torch_shape)) == int(np.prod(user_shape)) \
            and _drop_units(torch_shape) == _drop_units(user_shape):
        out.append(Layout(None, tuple(user_shape)))
    # exact permutations before unit-axis reshapes; identical layouts once
    out.sort(key=lambda lay: lay.shape is not None)
    seen, uniq = set(), []
    for lay in out:
        key = (lay.perm, lay.shape)
        if key not in seen:
            seen.add(key)
            uniq.append(lay)
    return uniq


def _drop_units(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for n in shape if n != 1)


def same_under(layouts: list[Layout], torch_shape: tuple[int, ...]) -> bool:
    """Whether several layouts give the user the same shape (a square matrix: ambiguous)."""
    shapes = {tuple(lay.to_user(np.empty(torch_shape)).shape) for lay in layouts}
    return len(shapes) < len(layouts)


def settles(chosen: Layout, layouts: list[Layout], torch_shape: tuple[int, ...]) -> bool:
    """Whether a case of this shape tells ``chosen`` from the other layouts: it does not
    when another gives the very same array (a (1, 1, 1, 1) kernel under any axis order)."""
    probe = np.arange(int(np.prod(torch_shape))).reshape(torch_shape)
    mine = chosen.to_user(probe)
    return not any(lay != chosen and lay.to_user(probe).shape == mine.shape
                   and np.array_equal(lay.to_user(probe), mine) for lay in layouts)


MAX_COMBOS = 64


def plausible(alternatives: dict, shapes: dict) -> list[tuple]:
    """Layout combinations, those that keep same-shaped tensors alike first (gamma, beta
    and the running statistics all (1, C, 1, 1)), at most MAX_COMBOS."""
    keys = list(alternatives)

    def mixed(combo: tuple) -> int:
        by_shape: dict = {}
        for t, lay in zip(keys, combo):
            by_shape.setdefault(tuple(shapes.get(t, ())), set()).add(lay)
        return sum(len(v) - 1 for v in by_shape.values())
    combos = list(itertools.product(*alternatives.values()))
    return sorted(combos, key=mixed)[:MAX_COMBOS]


# ----------------------------------------------------------------------------- expressions
_EXPR = re.compile(r"""^\s*(?P<path>[A-Za-z_]\w*(?:\s*\[\s*(?:'[^']*'|"[^"]*"|\d+)\s*\]|\.[A-Za-z_]\w*)*?)
                       (?P<ops>(?:\.T|\.transpose\([^)]*\)|\.permute\([^)]*\)|\.reshape\([^)]*\))*)\s*$""",
                   re.X)


@dataclass(frozen=True)
class Expr:
    """``--param-map`` right-hand side: an access path and an optional layout."""
    path: tuple[str, ...]        # ('params', 'W') for params['W'] or params.W
    perm: tuple[int, ...] | None
    reshape: bool

    def text(self) -> str:
        return self.path[0] + "".join(f"[{p!r}]" for p in self.path[1:])


def parse_expr(text: str) -> Expr:
    """'W' / 'W.T' / "params['W'].transpose(3,2,0,1)" / 'self.W' -> Expr."""
    m = _EXPR.match(text)
    if not m:
        raise ValueError(f"--param-map: cannot read {text!r}; write an attribute name, "
                         f"optionally with .T or .transpose(...), e.g. weight=W.T")
    path = re.findall(r"""\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\]|([A-Za-z_]\w*)""",
                      m.group("path"))
    parts = tuple(next(x for x in p if x) for p in path)
    if parts and parts[0] == "self":
        parts = parts[1:]
    perm = None
    reshape = False
    for op in re.findall(r"\.T|\.transpose\([^)]*\)|\.permute\([^)]*\)|\.reshape\([^)]*\)",
                         m.group("ops")):
        if op == ".T":
            perm = "T"
        elif op.startswith(".reshape"):
            reshape = True
        else:
            args = op[op.index("(") + 1:-1]
            perm = tuple(int(v) for v in ast.literal_eval(f"({args},)")) if args.strip() else "T"
    return Expr(parts, perm if perm != "T" else (-1,), reshape)


def expr_layout(expr: Expr, torch_shape: tuple[int, ...],
                user_shape: tuple[int, ...] | None) -> Layout:
    """The layout an expression states. ``W.T`` means torch's tensor is W transposed, so the
    user stores torch's transposed; ``W.transpose(p)`` = torch means user = torch.transpose(p^-1)."""
    n = len(torch_shape)
    if expr.perm is None:
        perm = None
    elif expr.perm == (-1,):
        perm = tuple(reversed(range(n)))
    else:
        perm = _inverse(expr.perm)
    lay = Layout(perm)
    if user_shape is not None:
        got = lay.to_user(np.empty(torch_shape)).shape
        if tuple(got) != tuple(user_shape):
            if int(np.prod(got)) == int(np.prod(user_shape)):
                lay = Layout(perm, tuple(user_shape))
            else:
                raise ValueError(f"--param-map {expr.text()}: the layer's array has shape "
                                 f"{tuple(user_shape)}, torch's tensor {tuple(torch_shape)} "
                                 f"does not become that under this layout")
    return lay


def all_perms(n: int) -> list[tuple[int, ...]]:
    return list(itertools.permutations(range(n)))


# ----------------------------------------------------------------------------- input layouts
def check_layout(spec: str | None) -> str | None:
    """``--layout`` as given, or a ValueError saying what it takes."""
    if not spec:
        return spec
    s = spec.upper()
    if s == "CHANNELS_LAST" or (re.fullmatch(r"[NCDHWL]+", s) and len(set(s)) == len(s)
                                and "C" in s):
        return spec
    raise ValueError(f"--layout {spec}: give the order of the input's axes with N (batch), "
                     f"C (channels) and D, H, W or L, e.g. NHWC, NLC, CN")



def input_layout(spec: str | None, rank: int) -> Layout:
    """``--layout NHWC`` (or NLC, NC...) for an input of ``rank`` dims: torch's layout is
    N, C, then the spatial axes; a letter string names the user's order."""
    if not spec or rank < 2:
        return IDENTITY
    spec = spec.upper().replace("L", "W")
    torch_letters = "NC" + "DHW"[3 - (rank - 2):] if rank <= 5 else None
    if torch_letters is None or len(spec) != rank or sorted(spec) != sorted(torch_letters):
        if rank == 4 and spec in ("NHWC", "CHANNELS_LAST"):
            spec = "NHWC"
        elif spec in ("NHWC", "CHANNELS_LAST") and rank >= 3:
            spec = "N" + torch_letters[2:] + "C"
        else:
            return IDENTITY
    perm = tuple(torch_letters.index(ch) for ch in spec)
    return Layout(perm)
