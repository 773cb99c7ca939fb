"""The drop-in check on layer styles beyond ``test_check_wild.py``'s (the layers live in
``parity_tests/examples/styles_more.py``): each test names the style and the verdict it must
get."""
from __future__ import annotations

from pathlib import Path

from parity_tests.check import check_layer, main

STYLES = Path(__file__).resolve().parents[1] / "examples" / "styles_more.py"
F64 = ["float64"]


def _failing(r) -> set[str]:
    return {q for q, v in r.verdicts().items() if not v.passed}


def _hinted(r, text: str) -> bool:
    return any(text in h for h in r.hints)


def test_function_style_with_a_ctx_passes_and_its_transposed_dw_fails(capsys):
    """Static forward(ctx, x, w, b) / backward(ctx, grad): the ctx is made, saved arrays
    reach the backward, the returned (dx, dw, db) follow the forward's arguments."""
    assert main([f"{STYLES}:LinearFunction", "--ref", "torch.nn.Linear", "--dtype", "float64",
                 "-k", "in5_out3"]) == 0
    assert "PASS" in capsys.readouterr().out.splitlines()[0]
    r = check_layer(f"{STYLES}:BadLinearFunction", "torch.nn.Linear", dtypes=F64, only="in5_out3")
    assert _failing(r) == {"grad_weight"} and _hinted(r, "transposed")


def test_call_forward_and_backprop_with_w_in_out_pass():
    r = check_layer(f"{STYLES}:CallDense", "torch.nn.Linear", dtypes=F64, only="in5_out3")
    assert r.passed and r.mapping["weight"] == "W.T", r.summary()
    assert {"grad_weight", "grad_bias"} <= set(r.verdicts())


def test_parameter_objects_with_data_and_grad_are_found():
    """params['W'] a Param(data, grad): its .data is the weight, its .grad the gradient;
    the stored input self.x is never taken for a parameter of the same shape."""
    r = check_layer(f"{STYLES}:ParamDense", "torch.nn.Linear", dtypes=F64)
    assert r.passed, r.summary()
    assert r.mapping == {"weight": "params['W'].data", "bias": "params['b'].data"}
    assert {"grad_weight", "grad_bias"} <= set(r.verdicts())


def test_params_and_grads_lists_written_in_place():
    """self.params = [W, b], self.grads = [zeros_like(W), ...]: found by index; when W turns
    out to be (in, out), the gradient array made from it takes that shape too."""
    r = check_layer(f"{STYLES}:MatMulAffine", "torch.nn.Linear", dtypes=F64)
    assert r.passed, r.summary()
    assert r.mapping == {"weight": "params[0].T", "bias": "params[1]"}
    assert {"grad_weight", "grad_bias"} <= set(r.verdicts())


def test_a_required_rng_argument_gets_a_generator():
    """Dense(n_in, n_out, rng): rng is given a Generator, not a size or an array."""
    r = check_layer(f"{STYLES}:RngDense", "torch.nn.Linear", dtypes=F64, only="in5_out3")
    assert r.passed and r.mapping["weight"] == "W.T", r.summary()
    assert {"grad_weight", "grad_bias"} <= set(r.verdicts())


def test_bprop_storing_a_mean_bias_gradient_fails_with_the_mean_hint():
    r = check_layer(f"{STYLES}:GradsDense", "torch.nn.Linear", dtypes=F64, only="in5_out3")
    assert _failing(r) == {"grad_bias"} and _hinted(r, "mean instead of a sum")


def test_running_stats_found_in_another_order_fail_only_on_the_biased_variance():
    """var_running is found by name before mu_running by shape: the order the arrays are
    found in is no failure; the biased running variance is."""
    r = check_layer(f"{STYLES}:MuRunningBN", "torch.nn.BatchNorm1d", dtypes=F64,
                    only="x8x5_mom0.1")
    assert r.mapping["running_mean"] == "mu_running"
    assert _failing(r) == {"running_var"}, r.summary()
    assert _hinted(r, "biased batch variance")


def test_gradients_returned_as_dw_db_dx_are_read_by_shape():
    """The order is settled by the cases where shapes tell it apart, and kept for a case
    where every shape is (1, 1)."""
    for target in ("SwappedLinear", "dense_forward"):
        r = check_layer(f"{STYLES}:{target}", "torch.nn.Linear", dtypes=F64)
        assert r.passed, r.summary()
        assert any("in1_out1_x1x1" == x.case for x in r.results)
        assert {"grad_input", "grad_weight", "grad_bias"} <= set(r.verdicts())


def test_nested_python_lists_are_one_output():
    r = check_layer(f"{STYLES}:relu_list", "torch.nn.ReLU", dtypes=["float32"])
    assert r.passed and r.verdicts()["output"].runs >= 1, r.summary()


def test_a_layer_computing_in_its_input_fails_inputs_intact(capsys):
    assert main([f"{STYLES}:sigmoid_inplace", "--ref", "torch.nn.Sigmoid", "--dtype",
                 "float64", "-k", "x2x3x5x5"]) == 1
    out = capsys.readouterr().out
    assert "inputs intact       FAIL" in out and "work on a copy" in out
    assert "output              PASS" in out


def test_jax_style_params_dict_and_grad_partner():
    """affine(params, x) finds affine_grad(params, x, g) by its suffix; params['w'] is
    (in, out) (the other layout tried when the first raises before 'b' is read); the
    returned ({'w': dw, 'b': db}, dx) is read by name; bias=False holds params['b'] at 0."""
    r = check_layer(f"{STYLES}:affine", "torch.nn.Linear", dtypes=F64)
    assert r.passed, r.summary()
    assert r.mapping == {"weight": "params['w'].T", "bias": "params['b']"}
    assert {"grad_weight", "grad_bias"} <= set(r.verdicts())
    assert any(x.case.endswith("_nobias") for x in r.results)
    r = check_layer(f"{STYLES}:bad_affine", "torch.nn.Linear", dtypes=F64, only="in5_out3")
    assert _failing(r) == {"grad_weight"} and _hinted(r, "mean instead of a sum")


def test_closures_returned_by_a_factory_are_the_layer(capsys):
    """make_linear(w, b) -> (forward, backward): the closed-over arrays are the parameters;
    make_leaky_relu(alpha) -> {'forward': .., 'backward': ..} with slope 1 at 0 fails there."""
    r = check_layer(f"{STYLES}:make_linear", "torch.nn.Linear", dtypes=F64)
    assert r.passed and r.mapping == {"weight": "w", "bias": "b"}, r.summary()
    assert {"grad_input", "grad_weight", "grad_bias"} <= set(r.verdicts())
    assert main([f"{STYLES}:make_leaky_relu", "--ref", "torch.nn.LeakyReLU", "--dtype",
                 "float64", "-k", "x2x4x4x4"]) == 1
    out = capsys.readouterr().out
    assert "grad_input          FAIL" in out and "the gradient at the kink" in out


def test_softmax_axis_is_given_torchs_implicit_dim_for_dim_none():
    r = check_layer(f"{STYLES}:Softmax", "torch.nn.Softmax", dtypes=F64, only="dimNone")
    assert r.passed and len(r.results) >= 2, r.summary()


def test_dropout_backward_taking_the_returned_mask_fails_only_at_p_1():
    """forward -> (out, mask), backward(dout, mask): the returned mask reaches the backward."""
    r = check_layer(f"{STYLES}:keep_dropout_forward", "torch.nn.Dropout", dtypes=F64)
    assert {x.case for x in r.failures} == {"p1.0_x3x7"}, r.summary()
    assert r.verdicts()["grad_input"].runs >= 4 and _hinted(r, "1 - p = 0")


def test_a_function_with_a_mere_helper_and_no_input_still_exits_2(tmp_path, capsys):
    """Only inner functions that close over the factory's variables make it a factory of
    closures: a function with a plain helper and no input argument stays uncheckable."""
    f = tmp_path / "helper_only.py"
    f.write_text("def make_thing(w, b):\n    def helper(v):\n        return v * 2\n"
                 "    return helper(w) + b\n")
    assert main([f"{f}:make_thing", "--ref", "torch.nn.Linear", "-k", "in5"]) == 2
    err = capsys.readouterr().err
    assert "no argument takes the input array" in err and len(err.strip().splitlines()) == 1
