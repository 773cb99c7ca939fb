"""torch float32 in other orderings: the same maths (values agree with the main run to
float32 rounding), each run from the main module's state, and the thread count restored."""
from __future__ import annotations

import copy

import numpy as np
import torch

from parity_tests.harness.orderings import ORDERINGS, Orderings, ordering_names
from parity_tests.harness.spec import Case


def _net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1, bias=False),
                               torch.nn.BatchNorm2d(8),
                               torch.nn.ReLU(), torch.nn.Conv2d(8, 4, 3, stride=2)).train()


def test_every_ordering_computes_what_the_main_run_computes():
    main = _net()
    others = Orderings(main, tuple(ORDERINGS))
    state = {k: v.clone() for k, v in main.state_dict().items()}
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 9)).astype(np.float32)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    y = main(xt)
    dy = np.random.default_rng(2).standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(torch.from_numpy(dy))
    threads = torch.get_num_threads()
    runs = others.forward(state, [x], lambda m, xs: (m(*xs),), ["output"])
    others.backward([dy], [0])
    assert torch.get_num_threads() == threads
    want = {"output": y.detach().numpy(), "grad_input": xt.grad.numpy(),
            "1.running_mean": main[1].running_mean.numpy(),
            **{f"grad_{k}": p.grad.numpy() for k, p in main.named_parameters()}}
    assert len(runs) == len(ORDERINGS)
    for got in runs:
        for k, v in want.items():
            scale = float(np.abs(v).max())
            assert np.allclose(got[k], v, rtol=0, atol=1e-5 * scale), k
    # Each forward starts from the state it is given, not from the twin's last one.
    again = others.forward(state, [x], lambda m, xs: (m(*xs),), ["output"])
    for a, b in zip(runs, again):
        np.testing.assert_array_equal(a["1.running_mean"], b["1.running_mean"])


def test_channels_last_only_where_an_input_is_4d():
    img = Case("c", {}, ((2, 3, 4, 4),))
    seq = Case("s", {}, ((2, 3, 4),))
    assert "channels_last" in ordering_names(img)
    assert "channels_last" not in ordering_names(seq) and ordering_names(seq)


def test_twins_do_not_share_the_main_modules_parameters():
    main = _net()
    others = Orderings(main)
    before = copy.deepcopy(main.state_dict())
    for _, _, _, m in others.runs:
        with torch.no_grad():
            for p in m.parameters():
                p.add_(1.0)
    for k, v in main.state_dict().items():
        assert torch.equal(v, before[k])


def _mlp_records(model: torch.nn.Module, x: np.ndarray) -> list:
    from parity_tests.harness import ambiguity
    rec = ambiguity.recorder()
    with torch.no_grad(), rec:
        model(torch.from_numpy(x))
    return rec.records


def test_an_ordering_on_another_side_of_a_kink_is_pinned_to_the_truths_side():
    torch.manual_seed(0)
    main = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    x = np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32)
    truth = _mlp_records(copy.deepcopy(main).double(), x.astype(np.float64))
    kind, pre, kinks = truth[0]
    i = int(pre.abs().argmax())
    flipped = pre.clone().flatten()
    flipped[i] = -flipped[i]                 # the truth says: the other side of the kink
    truth[0] = (kind, flipped.reshape(pre.shape), kinks)
    others = Orderings(main, ("threads2",))
    state = {k: v.clone() for k, v in main.state_dict().items()}
    plain = others.forward(state, [x], lambda m, xs: (m(*xs),), ["output"])[0]["output"]
    got = others.forward(state, [x], lambda m, xs: (m(*xs),), ["output"], truth)
    assert others.pinned == ["threads2"] and others.flipped == [] and len(got) == 1
    assert not np.allclose(got[0]["output"], plain)      # the pin changed that ReLU's output
    others.backward([np.ones((3, 2), np.float32)], [0])
    assert np.isfinite(got[0]["grad_0.weight"]).all()


def test_a_pooling_window_won_elsewhere_leaves_the_ordering_out():
    from parity_tests.harness import ambiguity
    main = torch.nn.Sequential(torch.nn.MaxPool2d(2))
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    truth = _mlp_records(copy.deepcopy(main).double(), x.astype(np.float64))
    kind, pre, params = truth[0]
    swapped = pre.clone()
    swapped[0, 0, 0, 0] = 100.0              # the truth's first window has another winner
    truth[0] = (kind, swapped, params)
    assert ambiguity.kink_pins(truth, _mlp_records(main, x)) is None
    assert ambiguity.branch_flips(truth, _mlp_records(main, x)) == 1
    others = Orderings(main, ("threads2",))
    state = {k: v.clone() for k, v in main.state_dict().items()}
    assert others.forward(state, [x], lambda m, xs: (m(*xs),), ["output"], truth) == []
    assert others.flipped == ["threads2"]


class _Flat(torch.nn.Module):
    """x.view of a conv output: raises for channels_last, as some user code does."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).view(x.shape[0], -1)


def test_an_ordering_torch_cannot_run_the_module_in_is_dropped():
    torch.manual_seed(0)
    main = _Flat()
    others = Orderings(main, tuple(ORDERINGS))
    state = {k: v.clone() for k, v in main.state_dict().items()}
    x = np.random.default_rng(4).standard_normal((2, 2, 5, 5)).astype(np.float32)
    for _ in range(2):                                   # and stays dropped
        runs = others.forward(state, [x], lambda m, xs: (m(*xs),), ["output"])
        others.backward([np.ones((2, 27), np.float32)], [0])
        assert len(runs) == 1 and "grad_conv.weight" in runs[0]
    assert [r[0] for r in others.runs] == ["threads2"]
