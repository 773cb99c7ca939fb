"""``SGD``, ``Adam`` and ``AdamW`` with torch's exact update rules (its single-tensor CPU path).

API: an optimiser takes what holds the parameters *and* their gradients, the Module:

    opt = SGD(model, lr=0.1, momentum=0.9)            # or a list of Modules
    opt = Adam([{"params": model.features, "lr": 1e-4}, {"params": model.classifier}])
    ...; loss.backward(); model.backward(dlogits); opt.step(); opt.zero_grad()

``step()`` reads each parameter's gradient from its module (``named_grads``) and updates the
parameter array IN PLACE, so the model (and anything holding the array) sees the new values.
A parameter whose gradient is None is skipped, as in torch. Parameters shared by several
modules are optimised once. ``param_groups`` is a list of dicts, options editable between
steps (``opt.param_groups[0]["lr"] = 0.01``); ``group["params"]`` lists ``ParamRef``s (the
module, the name, the dotted name), which stay valid after ``model.load_state_dict``.
``state_dict()`` is torch's layout: ``{"state": {index: {...}}, "param_groups": [{..., "params":
[index, ...]}]}`` with ``momentum_buffer`` (SGD), ``step``/``exp_avg``/``exp_avg_sq``/
``max_exp_avg_sq`` (Adam), so torch's optimiser state can be compared or loaded.

Arithmetic follows torch in the parameter's dtype (float32 stays float32): hyper-parameters
are Python floats cast to that dtype where torch casts them (``alpha``, ``value``, ``lerp``
weight); bias corrections are computed in double, as torch does with ``step.item()``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from .modules.module import Module


@dataclass(frozen=True)
class ParamRef:
    """One parameter: ``module._parameters[name]``, called ``qualname`` in the model."""
    module: Module
    name: str
    qualname: str

    @property
    def value(self) -> np.ndarray:
        return self.module._parameters[self.name]

    @property
    def grad(self) -> np.ndarray | None:
        return self.module._grads.get(self.name)


def _refs(params: Any, where: str) -> list[ParamRef]:
    """A Module or an iterable of Modules -> its parameters, in ``named_parameters`` order."""
    mods = [params] if isinstance(params, Module) else list(params)
    if not mods or not all(isinstance(m, Module) for m in mods):
        raise TypeError(f"{where}: expected params to be a Module, a list of Modules or a list "
                        f"of dicts with a 'params' Module, got {type(params).__name__}")
    out: list[ParamRef] = []
    for i, root in enumerate(mods):
        for prefix, m in root.named_modules(str(i) if len(mods) > 1 else ""):
            for name, p in m._parameters.items():
                if p is not None:
                    out.append(ParamRef(m, name, f"{prefix}.{name}" if prefix else name))
    return out


class Optimizer:
    """Base: parameter groups, per-parameter state, ``zero_grad`` and ``state_dict``."""

    def __init__(self, params: Any, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults = dict(defaults)
        raw = list(params) if not isinstance(params, Module) else [params]
        groups = raw if raw and all(isinstance(g, dict) for g in raw) else [{"params": raw}]
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[ParamRef, dict[str, Any]] = {}
        seen: set[int] = set()
        for g in groups:
            unknown = set(g) - set(defaults) - {"params"}
            if unknown:
                raise ValueError(f"{name}: unknown options {sorted(unknown)} in a param group")
            refs = [r for r in _refs(g["params"], name) if id(r.value) not in seen]
            seen.update(id(r.value) for r in refs)
            self.param_groups.append({**self.defaults, **g, "params": refs})
        for g in self.param_groups:
            self._check(g)

    def _check(self, group: dict[str, Any]) -> None:
        for key in ("lr", "weight_decay", "eps", "momentum"):
            if key in group and group[key] < 0.0:
                raise ValueError(f"{type(self).__name__}: Invalid {key} value: {group[key]}")

    def _params(self) -> Iterator[ParamRef]:
        for g in self.param_groups:
            yield from g["params"]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Gradients to None (torch's default) or to zeros, in the modules."""
        for r in self._params():
            if r.grad is not None:
                r.module._grads[r.name] = None if set_to_none else np.zeros_like(r.value)

    def step(self) -> None:
        for group in self.param_groups:
            for ref in group["params"]:
                g = ref.grad
                if g is None:
                    continue
                if g.shape != ref.value.shape:
                    raise ValueError(f"{type(self).__name__}.step: gradient of {ref.qualname} "
                                     f"has shape {g.shape}, the parameter {ref.value.shape}")
                p = ref.value
                p[...] = self._update(p, g.astype(p.dtype, copy=False),
                                      self.state.setdefault(ref, {}), group)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """torch's layout; parameters are numbered in group order from 0."""
        index = {r: i for i, r in enumerate(self._params())}
        state = {index[r]: {k: (v.copy() if isinstance(v, np.ndarray) else v)
                            for k, v in s.items()} for r, s in self.state.items() if s}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[r] for r in g["params"]]} for g in self.param_groups]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Options and per-parameter state from ``state_dict()`` (or torch's, as arrays)."""
        refs = list(self._params())
        groups = state_dict["param_groups"]
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(f"{type(self).__name__}.load_state_dict: parameter groups differ "
                             f"in size from this optimiser's")
        for mine, theirs in zip(self.param_groups, groups):
            mine.update({k: v for k, v in theirs.items() if k in self.defaults})
        self.state = {}
        for i, s in state_dict["state"].items():
            p = refs[int(i)].value
            self.state[refs[int(i)]] = {
                k: (float(np.asarray(v)) if k == "step" else np.array(v, dtype=p.dtype))
                for k, v in s.items()}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(g.items()) if k != "params"]
        return "\n".join(lines + [")"])


class SGD(Optimizer):
    """Stochastic gradient descent, torch.optim.SGD's rule: weight decay added to the
    gradient, momentum buffer = the first step's gradient (a copy), then
    ``buf = momentum * buf + (1 - dampening) * grad``; nesterov uses ``grad + momentum * buf``."""

    def __init__(self, params: Any, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        t = p.dtype.type
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + t(group["weight_decay"]) * p
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= t(momentum)
                buf += t(1 - group["dampening"]) * g
            g = g + t(momentum) * buf if group["nesterov"] else buf
        return p + t(-group["lr"]) * g


class Adam(Optimizer):
    """Adam, torch.optim.Adam's rule: ``exp_avg.lerp_(grad, 1 - beta1)``,
    ``exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad**2`` (or its running max with
    amsgrad), ``denom = sqrt(v) / sqrt(1 - beta2**t) + eps`` (eps added after the bias
    correction), ``param -= lr / (1 - beta1**t) * exp_avg / denom``. Weight decay is added to
    the gradient (L2), or, with ``decoupled_weight_decay`` (AdamW), ``param *= 1 - lr * wd``
    first. ``Adam(..., decoupled_weight_decay=True)`` is AdamW, as in torch."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"{type(self).__name__}: Invalid beta parameter at index {i}: {b}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=bool(decoupled_weight_decay)))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any],
                group: dict[str, Any]) -> np.ndarray:
        t = p.dtype.type
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], \
            group["weight_decay"]
        if not state:
            state.update(step=0.0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1.0
        if group["maximize"]:
            g = -g
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p = p * t(1 - lr * wd)
            else:
                g = g + t(wd) * p
        m, v = state["exp_avg"], state["exp_avg_sq"]
        w = t(1 - beta1)                    # torch's CPU lerp: two formulas around 0.5
        m[...] = m + w * (g - m) if w < 0.5 else g - (g - m) * (t(1) - w)
        v *= t(beta2)
        v += t(1 - beta2) * g * g
        step = state["step"]
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v) / t(bias_correction2_sqrt) + t(eps)
        return p + t(-(lr / bias_correction1)) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW): ``param *= 1 - lr * weight_decay``
    before the Adam step; default ``weight_decay=1e-2``."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "ParamRef"]
