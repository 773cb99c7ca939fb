"""The drop-in check on layers written as courses, books and repositories write them, beyond
``test_check.py``'s conventions: each test names the convention and the verdict it must get
(the layers live in ``parity_tests/examples/deeplearning_ai.py`` and ``from_scratch.py``)."""
from __future__ import annotations

from pathlib import Path

from parity_tests.check import check_layer, main

EX = Path(__file__).resolve().parents[1] / "examples"
DLAI, SCRATCH = EX / "deeplearning_ai.py", EX / "from_scratch.py"


def _hinted(r, text: str) -> bool:
    return any(text in h for h in r.hints)


# ----------------------------------------------------------------------------- deeplearning.ai
def test_channels_last_conv_with_hparameters_and_block_bias_passes():
    """W (f, f, C_prev, C), b (1, 1, 1, C), options in ``hparameters``: the dict is read, the
    bias tried as a broadcastable block, and a 1x1-channel first case (where every axis
    order gives the same kernel) does not fix the layout for the cases after it."""
    r = check_layer(f"{DLAI}:conv_forward", "torch.nn.Conv2d", layout="NHWC",
                    only="_s2_p2_b1_c8to16", dtypes=["float64"])
    assert r.passed, r.summary()
    assert "hparameters=dict" in r.arguments
    assert r.mapping["weight"] == "W.transpose(3, 2, 0, 1)"
    assert r.mapping["bias"] == "b.reshape(16)"
    assert {"grad_weight", "grad_bias"} <= set(r.verdicts())
    r = check_layer(f"{DLAI}:conv_forward", "torch.nn.Conv2d", layout="NHWC",
                    only="k3_s1_p", dtypes=["float64"])
    assert r.passed and len(r.results) >= 3, r.summary()


def test_channels_last_conv_backward_keeping_the_last_example_fails_on_dw():
    r = check_layer(f"{DLAI}:wrong_conv_forward,wrong_conv_backward", "torch.nn.Conv2d",
                    layout="NHWC", only="_s2_p1_b4_c3to8", dtypes=["float64"])
    assert not r.passed
    assert {q for q, v in r.verdicts().items() if not v.passed} == {"grad_weight"}


def test_pooling_mode_max_is_not_a_train_flag():
    r = check_layer(f"{DLAI}:pool_forward", "torch.nn.MaxPool2d", layout="NHWC",
                    only="hw8x8", dtypes=["float64"])
    assert "mode=training" not in r.arguments and "hparameters=dict" in r.arguments
    assert r.verdicts()["output"].passed and r.verdicts()["output"].runs >= 4
    # the dict is read before the 3-D input raises: the rank is blamed, not the options
    assert "stride" not in r.uncovered()
    for res in r.results:
        if res.case.endswith("_nan"):
            continue
        assert res.passed, res.failure_report()


def test_nan_failure_of_a_strided_pool_does_not_blame_the_stride():
    r = check_layer(f"{DLAI}:pool_forward", "torch.nn.MaxPool2d", layout="NHWC",
                    only="k2_s2_p0_b2_hw8x8_nan", dtypes=["float64"])
    assert not r.passed and _hinted(r, "NaN")
    assert not _hinted(r, "with stride"), r.hints


def test_pooling_mask_on_every_tie_fails_with_the_ties_hint():
    r = check_layer(f"{DLAI}:wrong_pool_forward,wrong_pool_backward", "torch.nn.MaxPool2d",
                    layout="NHWC", only="_ties", dtypes=["float64"])
    assert not r.passed and _hinted(r, "every tied maximum")


# ----------------------------------------------------------------------------- from scratch
def test_ml_from_scratch_dense_gets_its_optimizer_and_passes():
    r = check_layer(f"{SCRATCH}:MLFSDense", "torch.nn.Linear", dtypes=["float64"])
    assert r.passed, r.summary()
    assert {"grad_weight", "grad_bias"} <= set(r.verdicts())
    assert any("initialize(optimizer)" in n for n in r.notes)


def test_sigmoid_storing_a_numpy_scalar_for_a_0d_input_passes():
    r = check_layer(f"{SCRATCH}:Activation_Sigmoid", "torch.nn.Sigmoid", dtypes=["float32"])
    assert r.passed, r.summary()
    assert any("scalar" in x.case for x in r.results)


def test_loss_backward_given_its_own_output():
    r = check_layer(f"{SCRATCH}:Activation_Softmax_Loss_CategoricalCrossentropy",
                    "torch.nn.CrossEntropyLoss", dtypes=["float64"], only="x5x1_redmean")
    assert r.verdicts()["grad_input"].passed, r.summary()       # (the loss clips at 1e-7)
    assert not any(x.error for x in r.results)
    assert any("forward's 'output'" in n for n in r.notes)


def test_gradient_stored_transposed_to_its_weight_is_named():
    r = check_layer(f"{SCRATCH}:TransposedGradLinear", "torch.nn.Linear",
                    only="in5_out3_x10x5", dtypes=["float64"])
    assert not r.passed
    assert _hinted(r, "grad_weight: the layer's gradient has shape (3, 5) but its array has "
                      "shape (5, 3): transposed")


def test_batch_norm_returning_its_running_statistics():
    """d2l: ``return Y, moving_mean, moving_var``; gamma, beta and the statistics (1, C, 1, 1)."""
    r = check_layer(f"{SCRATCH}:batch_norm", "torch.nn.BatchNorm2d", dtypes=["float64"],
                    only="x4x3x5x5")
    assert r.passed, r.summary()
    assert {"running_mean", "running_var"} <= set(r.verdicts())
    assert r.mapping["running_mean"] == "moving_mean.reshape(3)"


def test_training_only_backward_and_empty_batch_are_not_covered():
    """CS231n batch norm: no cache in test mode, 1 / N on an empty batch."""
    r = check_layer(f"{SCRATCH}:batchnorm_forward", "torch.nn.BatchNorm1d")
    assert r.passed, r.summary()
    assert {"eval-mode gradients", "empty input"} <= set(r.uncovered())
    assert any(x.mode == "eval" for x in r.results)          # the eval forward still runs
    assert "eval-mode gradients: raised" in r.summary()


def test_loss_returning_loss_and_dx_is_not_forward_only():
    r = check_layer(f"{SCRATCH}:softmax_loss", "torch.nn.functional.cross_entropy",
                    dtypes=["float64"])
    assert r.passed and not r.forward_only, r.summary()
    assert "grad_input" in r.verdicts()
    assert "target=prob" in r.uncovered()


def test_inplace_cases_run_torch_on_a_copy():
    r = check_layer(f"{SCRATCH}:leaky_relu_forward", "torch.nn.LeakyReLU", only="inplace")
    assert r.passed and r.results, r.summary()


def test_uneven_kernel_with_default_stride_is_a_tuple_stride():
    r = check_layer(f"{SCRATCH}:avg_pool_forward", "torch.nn.AvgPool2d", dtypes=["float64"])
    assert r.passed, r.summary()
    assert "stride=None with a tuple kernel_size" in r.uncovered()


def test_generated_mode_says_why_integer_inputs_cannot_be_drawn(capsys):
    code = main([f"{SCRATCH}:softmax_loss", "--ref", "torch.nn.Embedding", "--input-shape",
                 "4,5", "--kwargs", "num_embeddings=10,embedding_dim=3"])
    err = capsys.readouterr()
    text = (err.out + err.err).strip()
    assert code == 2 and "integer indices" in text and "Traceback" not in text
    assert len(text.splitlines()) == 1


# ----------------------------------------------------------------------------- CS231n fast layers
FAST = EX / "cs231n_fast.py"


def test_cases_the_layer_refuses_with_an_assert_are_not_covered():
    r = check_layer(f"{FAST}:conv_forward_im2col", "torch.nn.Conv2d", dtypes=["float64"],
                    only="k3_s2")
    assert r.passed, r.summary()
    assert "refused by the layer (height does not work)" in r.uncovered()
    assert not any("AssertionError" in x.error for x in r.results)


def test_failures_confined_to_one_feature_are_named():
    r = check_layer(f"{FAST}:square_avg_pool_forward", "torch.nn.AvgPool2d", dtypes=["float64"])
    assert not r.passed
    assert r.hints[0].startswith("every failing case has tuple kernel_size"), r.hints
    assert _hinted(r, "one kernel size used for both axes")
    assert not _hinted(r, "padding off by one")


# ----------------------------------------------------------------------------- numpy-ml style
NPML = EX / "numpy_ml_style.py"


def test_kernel_shape_is_given_as_a_tuple_and_dict_parameters_created_lazily():
    r = check_layer(f"{NPML}:Conv2D", "torch.nn.Conv2d", layout="NHWC", only="k3_s2",
                    dtypes=["float64"])
    assert r.passed and len(r.results) >= 4, r.summary()
    assert r.mapping["weight"] == "parameters['W'].transpose(3, 2, 0, 1)"


def test_running_statistics_in_an_option_dict_attribute_are_compared():
    r = check_layer(f"{NPML}:BatchNorm", "torch.nn.BatchNorm1d", dtypes=["float64"],
                    only="x8x5")
    assert r.passed, r.summary()
    assert r.mapping["running_var"] == "bn_param['running_var']"
    assert r.verdicts()["running_var"].runs >= 2


def test_batch_norm_normalising_with_the_unbiased_variance_is_named():
    r = check_layer(f"{NPML}:unbiased_batchnorm_forward", "torch.nn.BatchNorm1d",
                    dtypes=["float64"], only="x8x5", modes=["train"])
    assert not r.passed
    assert _hinted(r, "normalising with the unbiased variance (divided by n - 1 = 7)")


def test_padding_taken_as_a_string_only_leaves_numeric_padding_uncovered():
    r = check_layer(f"{NPML}:KerasConv2D", "torch.nn.Conv2d", layout="NHWC", dtypes=["float64"])
    assert r.passed, r.summary()
    assert "numeric padding (the layer takes padding as a string)" in r.uncovered()
    assert any("same" in x.case for x in r.results)          # padding='same' still runs


def test_a_forward_raising_on_every_case_says_how_it_was_called():
    """A channels-last layer checked without --layout: every forward raises."""
    r = check_layer(f"{NPML}:KerasConv2D", "torch.nn.Conv2d", dtypes=["float64"], only="k3_s1")
    assert not r.passed                                   # NCHW given to an NHWC layer
    assert r.hints and r.hints[0].startswith("every case raised in the forward"), r.hints
    assert "--layout NHWC" in r.hints[0]


def test_bias_gradient_averaged_over_batch_and_length_is_named():
    r = check_layer(f"{SCRATCH}:Conv1DBiasMean", "torch.nn.Conv1d", dtypes=["float64"],
                    only="k1_s1_p0_b1_c1to1_L9")
    assert not r.passed
    assert _hinted(r, "grad_bias is torch's times 0.111111: divided by 9 = N times the spatial "
                      "size"), r.hints
    assert check_layer(f"{SCRATCH}:Conv1D", "torch.nn.Conv1d", dtypes=["float64"]).passed


def test_loss_gradient_taking_the_prediction_first_is_not_given_an_upstream_gradient():
    r = check_layer(f"{SCRATCH}:mse_loss,mse_loss_grad", "torch.nn.MSELoss", dtypes=["float64"])
    assert r.passed and "grad_input" in r.verdicts(), r.summary()


def test_a_layout_that_names_no_axes_order_exits_2(capsys):
    code = main([f"{SCRATCH}:Conv1D", "--ref", "torch.nn.Conv1d", "--layout", "XYZ"])
    text = "".join(capsys.readouterr()).strip()
    assert code == 2 and "--layout XYZ: give the order of the input's axes" in text
    assert len(text.splitlines()) == 1
