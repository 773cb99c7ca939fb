"""Train the digits LeNet in numpy_layers and in torch side by side and compare the losses.

    python scripts/train_digits.py [--steps 400] [--dtype float64] [--seed 0]
        [--optimizer sgd|adam] [--lr 0.05] [--batch-size 32] [--plot PATH] [--json PATH]

Both nets start from the same weights and see the same minibatches (parity_tests/training.py).
Prints the held-out accuracy and the largest relative loss difference; a progress bar goes
to stderr. Exits non-zero when the NumPy model's accuracy is below --min-accuracy.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parity_tests.training import TrainConfig, plot, train  # noqa: E402


def _bar(step: int, steps: int, loss_np: float, loss_t: float) -> None:
    if step % max(1, steps // 100) and step != steps:      # redraw about 100 times
        return
    width = 30
    done = width * step // steps
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {step}/{steps} "
                     f"loss numpy {loss_np:.4f} torch {loss_t:.4f}")
    if step == steps:
        sys.stderr.write("\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    d = TrainConfig()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=d.steps)
    ap.add_argument("--dtype", choices=["float32", "float64"], default=d.dtype)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default=d.optimizer)
    ap.add_argument("--lr", type=float, default=None,
                    help=f"learning rate (default {d.lr} for sgd, 0.01 for adam)")
    ap.add_argument("--batch-size", type=int, default=d.batch_size)
    ap.add_argument("--plot", metavar="PATH", help="write a PNG of both loss curves")
    ap.add_argument("--json", metavar="PATH", help="write both loss curves and accuracies")
    ap.add_argument("--min-accuracy", type=float, default=0.0)
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    a = ap.parse_args(argv)
    lr = a.lr if a.lr is not None else (d.lr if a.optimizer == "sgd" else 0.01)
    cfg = TrainConfig(steps=a.steps, batch_size=a.batch_size, dtype=a.dtype, seed=a.seed,
                      optimizer=a.optimizer, lr=lr)
    res = train(cfg, progress=None if a.quiet else _bar)
    print(f"digits {cfg.optimizer} {cfg.dtype}, {cfg.steps} steps of {cfg.batch_size} "
          f"({res.n_train} train / {res.n_test} test)")
    print(f"held-out accuracy: numpy {res.accuracy_numpy:.4f}, torch {res.accuracy_torch:.4f}")
    print(f"max |loss_np - loss_torch| / |loss_torch| over the steps: "
          f"{res.max_rel_loss_diff:.3g}")
    print(f"time: numpy {res.seconds_numpy:.2f} s, torch {res.seconds_torch:.2f} s")
    if a.json:
        Path(a.json).write_text(json.dumps(res.to_json(), indent=1))
    if a.plot:
        plot(res, a.plot)
    return 0 if res.accuracy_numpy >= a.min_accuracy else 1


if __name__ == "__main__":
    sys.exit(main())
