"""Training parity on sklearn's 8x8 digits: a small LeNet built in numpy_layers and in torch
from the SAME initial weights, fed the SAME minibatches, optimised by numpy_layers.optim and
torch.optim with the same options; the two loss curves are compared step by step.

Used by ``scripts/train_digits.py`` (CLI, JSON, plot) and ``parity_tests/tests/test_training.py``.
The data ships with scikit-learn (no download).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

import numpy_layers as nl
from numpy_layers import optim


@dataclass
class TrainConfig:
    """What both runs share. ``optimizer``: 'sgd' (momentum) or 'adam'."""
    steps: int = 400
    batch_size: int = 32
    dtype: str = "float64"
    seed: int = 0
    optimizer: str = "sgd"
    lr: float = 0.05
    momentum: float = 0.9
    test_fraction: float = 0.25


@dataclass
class TrainResult:
    config: dict[str, Any]
    loss_numpy: list[float]
    loss_torch: list[float]
    accuracy_numpy: float
    accuracy_torch: float
    max_rel_loss_diff: float          # max over steps of |loss_np - loss_t| / |loss_t|
    seconds_numpy: float
    seconds_torch: float
    n_train: int
    n_test: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Every field, plus the keys the HTML report's loss plot reads (``steps``,
        ``numpy_loss``, ``torch_loss``, ``dtype``)."""
        d = asdict(self)
        d.update(steps=list(range(1, len(self.loss_numpy) + 1)), numpy_loss=self.loss_numpy,
                 torch_loss=self.loss_torch, dtype=self.config.get("dtype"))
        return d


def load_digits_split(seed: int = 0, test_fraction: float = 0.25
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """-> x_train (N, 1, 8, 8) float64 in [0, 1], y_train (N,) int64, x_test, y_test: a
    seeded shuffle, the last ``test_fraction`` held out."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images / 16.0).reshape(-1, 1, 8, 8)              # (1797, 1, 8, 8)
    y = d.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(len(y) * test_fraction))
    tr, te = order[:-n_test], order[-n_test:]
    return x[tr], y[tr], x[te], y[te]


def torch_lenet(dtype: str = "float64", seed: int = 0) -> Any:
    """LeNet for 8x8: conv 1->6 k3 p1 (8x8), pool (4x4), conv 6->16 k3 p1 (4x4; padded,
    else 8x8 digits shrink to 1x1), pool (2x2), then 64 -> 32 -> 10. Weights drawn by torch's
    default init under ``seed``."""
    import torch
    from torch import nn
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),      # (N, 6, 4, 4)
        nn.Conv2d(6, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),     # (N, 16, 2, 2)
        nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))  # (N, 10)
    return net.double() if dtype == "float64" else net.float()


def minibatches(n: int, batch_size: int, steps: int, seed: int) -> list[np.ndarray]:
    """``steps`` index arrays: a fresh seeded permutation per epoch, cut into batches."""
    rng = np.random.default_rng(seed + 1)
    out: list[np.ndarray] = []
    while len(out) < steps:
        perm = rng.permutation(n)
        out += [perm[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]
    return out[:steps]


def _optimizers(config: TrainConfig, tnet: Any, nnet: nl.Module) -> tuple[Any, Any]:
    import torch
    if config.optimizer == "sgd":
        kw = dict(lr=config.lr, momentum=config.momentum)
        return torch.optim.SGD(tnet.parameters(), **kw), optim.SGD(nnet, **kw)
    if config.optimizer == "adam":
        return torch.optim.Adam(tnet.parameters(), lr=config.lr), optim.Adam(nnet, lr=config.lr)
    raise ValueError(f"train: optimizer must be 'sgd' or 'adam', got {config.optimizer!r}")


def accuracy(net: nl.Module, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``x`` (N, 1, 8, 8) classified as ``y`` by the NumPy net in eval mode."""
    net.eval()
    with nl.no_grad():
        pred = net(x).argmax(axis=1)
    net.train()
    return float(np.mean(pred == y))


def train(config: TrainConfig,
          progress: Callable[[int, int, float, float], None] | None = None) -> TrainResult:
    """Train both twins side by side; ``progress(step, steps, loss_np, loss_torch)`` after
    each step."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)          # tiny ops: a second OpenMP thread only spins
    try:
        return _train(config, progress)
    finally:
        torch.set_num_threads(threads)


def _train(config: TrainConfig,
           progress: Callable[[int, int, float, float], None] | None) -> TrainResult:
    import torch
    dt = np.dtype(config.dtype)
    xtr, ytr, xte, yte = load_digits_split(config.seed, config.test_fraction)
    xtr, xte = xtr.astype(dt), xte.astype(dt)
    tnet = torch_lenet(config.dtype, config.seed)
    nnet = nl.from_torch(tnet)                     # same initial weights
    topt, nopt = _optimizers(config, tnet, nnet)
    tloss_fn, nloss_fn = torch.nn.CrossEntropyLoss(), nl.CrossEntropyLoss()
    losses_n: list[float] = []
    losses_t: list[float] = []
    secs_n = secs_t = 0.0
    batches = minibatches(len(ytr), config.batch_size, config.steps, config.seed)
    for step, idx in enumerate(batches):
        xb, yb = xtr[idx], ytr[idx]                # (B, 1, 8, 8), (B,)
        t0 = time.perf_counter()
        topt.zero_grad()
        loss_t = tloss_fn(tnet(torch.from_numpy(xb)), torch.from_numpy(yb))
        loss_t.backward()
        topt.step()
        t1 = time.perf_counter()
        nopt.zero_grad()
        loss_n = nloss_fn(nnet(xb), yb)
        nnet.backward(nloss_fn.backward()[0])
        nopt.step()
        t2 = time.perf_counter()
        secs_t, secs_n = secs_t + t1 - t0, secs_n + t2 - t1
        losses_t.append(float(loss_t.item()))
        losses_n.append(float(loss_n))
        if progress is not None:
            progress(step + 1, len(batches), losses_n[-1], losses_t[-1])
    lt, ln = np.array(losses_t), np.array(losses_n)
    with torch.no_grad():
        tnet.eval()
        acc_t = float((tnet(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean())
    return TrainResult(
        config=asdict(config), loss_numpy=losses_n, loss_torch=losses_t,
        accuracy_numpy=accuracy(nnet, xte, yte), accuracy_torch=acc_t,
        max_rel_loss_diff=float(np.max(np.abs(ln - lt) / np.abs(lt))) if len(lt) else 0.0,
        seconds_numpy=secs_n, seconds_torch=secs_t, n_train=len(ytr), n_test=len(yte))


def plot(result: TrainResult, path: str) -> None:
    """PNG of both loss curves and their relative difference (the report's figure)."""
    from .harness.plots import save, training_figure
    save(training_figure(result.to_json()), path)


__all__ = ["TrainConfig", "TrainResult", "load_digits_split", "torch_lenet", "minibatches",
           "accuracy", "train", "plot"]
