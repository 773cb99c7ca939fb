"""The drop-in check on layers written as tutorials, courses and the source article write
them: each convention has a correct layer that passes and a wrong one that fails with the
right hint (the layers live in ``parity_tests/examples/``)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from parity_tests.check import MappingError, check_layer

EX = Path(__file__).resolve().parents[1] / "examples"
SEED, COURSE, TUT = EX / "seed_article.py", EX / "course_layers.py", EX / "tutorial_layers.py"


def _failing_tensors(r) -> set[str]:
    return {row.tensor.partition("@")[0] for row in r.rows if not row.passed}


def _hinted(r, text: str) -> bool:
    return any(text in h for h in r.hints)


# ----------------------------------------------------------------------------- functions
def test_forward_only_conv_function_values_match_but_output_is_float64():
    """The article's conv2d: np.zeros without dtype makes float64 from float32 input."""
    r = check_layer(f"{SEED}:conv2d", "torch.nn.functional.conv2d", only="k3_s2_p1_b")
    assert r.forward_only and "forward only: no gradient checked" in r.summary()
    assert r.mapping == {"weight": "w", "bias": "b"}
    assert "x=input, w=weight, b=bias, stride, padding" in r.summary()
    by_dtype = {d: [x.passed for x in r.results if x.dtype == d] for d in ("float32", "float64")}
    assert by_dtype["float64"] and all(by_dtype["float64"])
    assert by_dtype["float32"] and not any(by_dtype["float32"])
    assert _hinted(r, "float64 for a float32 input") and _hinted(r, "match torch's once cast")
    assert not any(row.tensor.startswith("grad_") for row in r.rows)


def test_forward_only_pooling_function_lists_what_it_cannot_express():
    r = check_layer(f"{SEED}:max_pooling", torch.nn.MaxPool2d)
    assert r.passed, r.summary()
    for option in ("padding", "dilation", "ceil_mode", "return_indices", "tuple kernel_size"):
        assert option in r.uncovered(), r.uncovered()
    kinds = {c.kind for c in torch_cases("MaxPool2d", {x.case for x in r.results})}
    assert {"ties", "nan"} <= kinds             # ties and NaN run without return_indices


def torch_cases(spec_name: str, ids: set[str]):
    from parity_tests.specs import get_spec
    return [c for c in get_spec(spec_name).cases if c.id in ids]


def test_forward_only_batch_norm_function_is_train_mode_only():
    r = check_layer(f"{SEED}:batch_norm", "torch.nn.BatchNorm2d", dtypes=["float64"])
    assert r.passed, r.summary()
    assert r.mapping == {"weight": "gamma", "bias": "beta"}
    assert "eval mode" in r.uncovered()
    assert {x.mode for x in r.results} == {"train"}


def test_forward_only_dropout_divides_by_zero_at_p_equal_1():
    r = check_layer(f"{SEED}:dropout", "torch.nn.functional.dropout")
    assert not r.passed
    assert {x.case for x in r.failures} == {"p1.0_x3x7"}
    assert _hinted(r, "divides by 1 - p = 0")
    assert any(row.tensor == "mask_keep_fraction" and row.passed for row in r.rows)


# ----------------------------------------------------------------------------- function pairs
def test_pair_found_by_name_with_options_from_a_dict():
    r = check_layer(f"{COURSE}:conv_forward_naive", torch.nn.Conv2d, only="_s2_", dtypes=["float64"])
    assert r.passed and not r.forward_only, r.summary()
    assert {"grad_input", "grad_weight", "grad_bias"} <= {q for q in r.verdicts()}
    assert "conv_param=dict" in r.summary()
    assert {"groups", "tuple dilation", "padding='valid'"} <= set(r.uncovered())


def test_pair_conv_backward_that_crops_with_minus_pad_fails_at_padding_0():
    r = check_layer(f"{COURSE}:buggy_conv_forward_naive,buggy_conv_backward_naive",
                    torch.nn.Conv2d, only="_p0_", dtypes=["float32"])
    assert not r.passed and _failing_tensors(r) == {"grad_input"}
    assert _hinted(r, "empty at padding 0")


def test_pair_affine_with_transposed_weight_is_mapped_and_printed():
    r = check_layer(f"{COURSE}:affine_forward", "torch.nn.Linear")
    assert r.passed, r.summary()
    assert r.mapping["weight"] == "w.T"
    assert "1-D input" in r.uncovered() and "3-D input" in r.uncovered()


def test_pair_batch_norm_mode_and_running_statistics_through_bn_param():
    r = check_layer(f"{COURSE}:batchnorm_forward", torch.nn.BatchNorm1d, dtypes=["float64"])
    assert r.passed, r.summary()
    assert {x.mode for x in r.results} == {"train", "eval"}
    assert {"running_mean", "running_var"} <= {q for q in r.verdicts()}
    assert r.mapping["running_mean"] == "bn_param['running_mean']"


def test_pair_batch_norm_other_momentum_convention_is_named():
    r = check_layer(f"{COURSE}:buggy_batchnorm_forward", torch.nn.BatchNorm1d, only="x8x5",
                    dtypes=["float64"])
    assert not r.passed
    assert _hinted(r, "momentum 0.9 instead of 0.1")
    assert "output" not in _failing_tensors(r)


def test_pair_spatial_batch_norm_backward_dividing_by_n_is_named():
    good = check_layer(f"{COURSE}:spatial_batchnorm_forward", torch.nn.BatchNorm2d,
                       only="x4x3x5x5", dtypes=["float32"])
    assert good.passed, good.summary()
    bad = check_layer(f"{COURSE}:buggy_spatial_batchnorm_forward", torch.nn.BatchNorm2d,
                      only="x4x3x5x5", dtypes=["float32"])
    assert "grad_input" in _failing_tensors(bad)
    assert _hinted(bad, "divides by N = 4 (the batch) instead of N*H*W = 100")


def test_pair_max_pool_backward_to_every_tied_maximum_fails_on_ties():
    good = check_layer(f"{COURSE}:max_pool_forward_naive", torch.nn.MaxPool2d)
    assert good.passed, good.summary()
    bad = check_layer(f"{COURSE}:buggy_max_pool_forward_naive", torch.nn.MaxPool2d)
    assert {c.kind for c in torch_cases("MaxPool2d", {x.case for x in bad.failures})} == {"ties", "nan"}
    assert _hinted(bad, "every tied maximum")


def test_pair_dropout_with_the_keep_probability_is_named():
    r = check_layer(f"{COURSE}:dropout_forward", torch.nn.Dropout, only="p0.1")
    assert not r.passed
    assert _hinted(r, "keep and drop probability swapped")
    mask = [row for row in r.rows if row.tensor == "mask_keep_fraction"]
    assert mask and not any(row.passed for row in mask)


# ----------------------------------------------------------------------------- classes
def test_class_storing_output_and_dinputs_with_n_inputs_n_neurons():
    r = check_layer(f"{TUT}:Layer_Dense", torch.nn.Linear)
    assert r.passed, r.summary()
    assert r.mapping == {"weight": "weights.T", "bias": "biases.reshape(3)"}


def test_class_gradient_mean_instead_of_sum_is_named_and_only_for_that_tensor():
    r = check_layer(f"{TUT}:BuggyLayer_Dense", torch.nn.Linear)
    assert _failing_tensors(r) == {"grad_bias"}
    assert _hinted(r, "a mean instead of a sum")
    assert all("grad_bias" in h for h in r.hints)          # never for a tensor that passed


def test_class_taking_its_arrays_in_the_constructor():
    for name, ref, only in (("Affine", torch.nn.Linear, None),
                            ("Convolution", torch.nn.Conv2d, "_s2_"),
                            ("Pooling", torch.nn.MaxPool2d, None)):
        r = check_layer(f"{TUT}:{name}", ref, only=only, dtypes=["float64"])
        assert r.passed, r.summary()
    assert check_layer(f"{TUT}:Affine", torch.nn.Linear).mapping["weight"] == "W.T"


def test_class_with_parameter_dicts_and_gradients_returned_as_a_tuple():
    r = check_layer(f"{TUT}:ConvLayer", torch.nn.Conv2d, only="_s2_", dtypes=["float32"])
    assert r.passed, r.summary()
    assert r.mapping == {"weight": "params['W']", "bias": "params['b']"}
    bad = check_layer(f"{TUT}:BuggyConvLayer", torch.nn.Conv2d, only="k3_s2", dtypes=["float32"])
    assert "output" in _failing_tensors(bad)
    assert _hinted(bad, "kernel flipped")


def test_class_creating_channels_last_filters_at_the_first_call():
    r = check_layer(f"{TUT}:ChannelsLastConv", torch.nn.Conv2d, layout="NHWC", only="k3_s2",
                    dtypes=["float64"])
    assert r.passed, r.summary()
    assert r.mapping["weight"] == "kernel.transpose(3, 2, 0, 1)"


def test_class_with_column_vectors_applying_its_own_update():
    r = check_layer(f"{TUT}:ColumnDense", torch.nn.Linear, layout="CN")
    assert r.passed, r.summary()
    assert any("learning_rate" in n for n in r.notes)
    assert r.mapping == {"weight": "weights", "bias": "bias.reshape(3)"}


def test_explicit_param_map_and_a_wrong_one():
    r = check_layer(f"{TUT}:Layer_Dense", torch.nn.Linear, param_map={"weight": "weights.T"},
                    only="in5_out3", dtypes=["float64"])
    assert r.passed and r.mapping["weight"] == "weights.T"
    with pytest.raises(MappingError, match="no such array"):
        check_layer(f"{TUT}:Layer_Dense", torch.nn.Linear, param_map={"weight": "V"})


def test_mode_as_a_forward_argument_and_non_inverted_dropout():
    r = check_layer(f"{TUT}:Dropout", torch.nn.Dropout, only="p0.3")
    assert {x.mode for x in r.results} == {"train", "eval"}       # train_flg drives the mode
    assert not r.passed and _hinted(r, "non-inverted dropout")


def test_random_layer_checked_through_its_recovered_mask():
    assert check_layer(f"{TUT}:InvertedDropout", torch.nn.Dropout).passed
    r = check_layer(f"{TUT}:Layer_Dropout", torch.nn.Dropout)
    assert {x.case for x in r.failures} == {"p1.0_x3x7"}
    assert _hinted(r, "divides by 1 - p = 0")


def test_book_batch_norm_names_momentum_and_eps():
    r = check_layer(f"{TUT}:BatchNormalization", torch.nn.BatchNorm1d, only="x8x5_mom0.1",
                    dtypes=["float32"])
    assert _hinted(r, "momentum 0.9 instead of 0.1") and _hinted(r, "uses another eps")


def test_article_fully_connected_layer_as_written():
    r = check_layer(f"{SEED}:FullyConnectedLayer", torch.nn.Linear)
    assert r.passed, r.summary()
    assert r.mapping["weight"] == "weights.T"
    assert any("learning_rate" in n for n in r.notes)
    nc = {tuple(x.reasons): x.exception for x in r.not_covered}
    assert nc[("3-D input",)].startswith("NumPy backward raised ValueError")


def test_loss_whose_backward_takes_no_upstream_gradient():
    r = check_layer(f"{TUT}:MeanSquaredError", torch.nn.MSELoss)
    assert r.passed, r.summary()
    assert {"reduction='none'", "reduction='sum'"} <= set(r.uncovered())
    assert any("no gradient for its target" in n for n in r.notes)
    assert all(row.tensor != "grad_input1" for row in r.rows)
