"""The names people give the arguments, arrays and gradients of a layer, and torch's name
for each (the *role*).

A user name is bound to a role only when the reference actually has that role: ``p`` is the
padding of a convolution but the drop probability of a dropout, ``alpha`` the slope of a
LeakyReLU but the ``alpha`` of an ELU. Some names carry a transform: ``keep_prob`` is
``1 - p``, ``is_test`` is ``not training``; some name one component of a pair:
``pool_height`` is ``kernel_size[0]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# role -> names seen in tutorials, courses and repositories (exact role names always match).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "input": ("x", "X", "inp", "inputs", "input_data", "input_tensor", "in_data", "data", "a",
              "A", "A_prev", "a_prev", "z", "Z", "img", "image", "images", "imgs", "x_in",
              "feature_map", "feature_maps", "fmap", "activation", "activations", "values",
              "tensor", "arr", "array", "batch", "x_input", "in_x", "logits", "scores",
              "y_pred", "pred", "preds", "predictions", "prediction", "yhat", "y_hat",
              "outputs", "probs", "p_pred"),
    "target": ("y", "Y", "y_true", "targets", "labels", "label", "t", "T", "truth",
               "ground_truth", "gt", "true", "y_target", "classes"),
    "indices": ("idx", "index", "argmax", "switches", "max_indices", "pool_indices"),
    "weight": ("w", "W", "weights", "kernel", "kernels", "filters", "filter", "W1", "w1",
               "theta", "gamma", "scale", "g", "Wx", "K", "weight_matrix"),
    "bias": ("b", "B", "biases", "bias_", "beta", "shift", "offset", "b1", "intercept"),
    "running_mean": ("moving_mean", "running_mu", "mean", "mu", "rm", "pop_mean",
                     "population_mean", "avg_mean", "ema_mean", "global_mean", "run_mean",
                     "mean_running", "moving_avg", "running_avg", "mu_running", "moving_mu"),
    "running_var": ("moving_var", "moving_variance", "running_variance", "var", "variance",
                    "sigma2", "sigma_sq", "rv", "pop_var", "population_var", "avg_var",
                    "ema_var", "global_var", "run_var", "var_running"),
    "num_batches_tracked": ("n_batches", "num_batches", "batch_count", "n_steps", "step_count"),
    "stride": ("strides", "s", "S", "stride_size", "stride_len"),
    "padding": ("pad", "pads", "P", "pad_size", "padding_size", "zero_padding", "p", "zero_pad"),
    "dilation": ("dilation_rate", "dilations", "rate", "dilate"),
    "groups": ("group", "n_groups", "num_groups", "G"),
    "kernel_size": ("pool_size", "filter_size", "k", "ksize", "kernel", "window",
                    "window_size", "pool", "f", "field", "size", "field_size", "kernel_shape",
                    "pool_shape", "filter_shape", "receptive_field", "kernel_dim", "filter",
                    "kernel_sz", "pool_sz", "K"),
    "ceil_mode": ("ceil", "use_ceil"),
    "count_include_pad": ("include_pad", "count_pad"),
    "return_indices": ("return_index", "return_mask", "return_argmax", "with_indices"),
    "p": ("rate", "drop_rate", "dropout_rate", "drop_prob", "dropout_prob", "prob", "dropout",
          "ratio", "dropout_ratio", "drop", "p_drop", "drop_p", "probability", "drop_ratio"),
    "eps": ("epsilon", "eps_", "EPS", "e"),
    "momentum": ("decay", "moving_average_fraction", "mom", "bn_momentum", "avg_factor"),
    "in_channels": ("in_ch", "in_c", "c_in", "cin", "C_in", "input_channels", "in_chans",
                    "n_in", "nin", "in_planes", "inplanes", "channels_in", "input_depth",
                    "in_depth", "num_in_channels", "input_channel", "in_channel",
                    "inp_channels", "n_channels_in", "channels", "C", "n_channels",
                    "num_channels", "in_dim", "input_dim"),
    "out_channels": ("out_ch", "out_c", "c_out", "cout", "C_out", "output_channels",
                     "out_chans", "n_out", "nout", "planes", "out_planes", "num_filters",
                     "n_filters", "nb_filters", "filters", "filter_num", "channels_out",
                     "output_depth", "out_depth", "depth", "num_kernels", "n_kernels",
                     "out_channel", "output_channel", "F", "FN", "out_dim", "output_dim"),
    "in_features": ("input_size", "input_dim", "n_inputs", "in_dim", "fan_in", "nin", "n_in",
                    "in_size", "input_shape", "num_inputs", "input_units", "in_units",
                    "input_features", "n_input", "input_nodes", "n_x", "D", "d_in", "dim_in",
                    "inputs_size", "in_feats", "n_features", "num_features", "input_neurons"),
    "out_features": ("output_size", "output_dim", "n_neurons", "n_outputs", "out_dim",
                     "fan_out", "nout", "n_out", "out_size", "units", "num_outputs",
                     "output_units", "n_units", "neurons", "output_features", "n_output",
                     "output_nodes", "hidden_size", "hidden_dim", "n_hidden", "num_units",
                     "M", "d_out", "dim_out", "out_feats", "num_neurons"),
    "num_features": ("n_features", "num_channels", "channels", "n_channels", "features",
                     "feature_dim", "dim", "D", "C", "n", "input_dim", "in_channels",
                     "num_feats", "n_feats", "size", "depth", "nf"),
    "training": ("train", "train_flg", "train_flag", "is_training", "training_mode", "mode",
                 "phase", "is_train", "train_mode", "trainable_mode", "is_test", "test",
                 "eval", "inference", "deterministic", "evaluation", "use_running_average",
                 "use_running_stats", "predict"),
    "negative_slope": ("alpha", "slope", "leak", "leakiness", "a", "neg_slope", "leaky_slope",
                       "leaky_alpha"),
    "dim": ("axis",),
    "normalized_shape": ("shape", "normalized_dims", "norm_shape", "features", "dim",
                         "d_model", "hidden_size", "embed_dim"),
    "num_groups": ("groups", "G", "n_groups", "group", "ngroups"),
    "min_val": ("min", "low", "lower", "minimum", "min_value", "lo"),
    "max_val": ("max", "high", "upper", "maximum", "max_value", "hi"),
    "output_size": ("out_size", "output_shape", "size", "target_size", "out_shape"),
    "threshold": ("thresh", "thr"),
    "approximate": ("approx", "approximation"),
    "num_parameters": ("num_params", "n_params", "channels", "num_channels", "n_channels"),
    "init": ("initial", "init_value", "alpha_init"),
}

# Names whose value is the role's transformed: keep probability, test flags.
INVERTED: dict[str, tuple[str, ...]] = {
    "p": ("keep_prob", "keep_rate", "keep", "p_keep", "retain_prob", "keep_probability",
          "keep_ratio"),
    "training": ("is_test", "test", "eval", "inference", "deterministic", "evaluation",
                 "use_running_average", "use_running_stats", "predict"),
}

# (role, index) for names of one component of a pair (height first, as torch).
COMPONENTS: dict[str, tuple[str, int]] = {}
for _role, _names in {
    ("kernel_size", 0): ("pool_height", "pool_h", "kh", "kH", "k_h", "kernel_h", "kernel_height",
                         "filter_height", "filter_h", "HH", "fh", "FH", "window_h", "size_h",
                         "pool_rows", "ksize_h"),
    ("kernel_size", 1): ("pool_width", "pool_w", "kw", "kW", "k_w", "kernel_w", "kernel_width",
                         "filter_width", "filter_w", "WW", "fw", "FW", "window_w", "size_w",
                         "pool_cols", "ksize_w"),
    ("stride", 0): ("stride_h", "stride_height", "sh", "s_h", "stride_y", "stride_rows",
                    "stride_r"),
    ("stride", 1): ("stride_w", "stride_width", "sw", "s_w", "stride_x", "stride_cols",
                    "stride_c"),
    ("padding", 0): ("pad_h", "padding_h", "ph", "pad_height", "pad_y", "pad_rows"),
    ("padding", 1): ("pad_w", "padding_w", "pw", "pad_width", "pad_x", "pad_cols"),
}.items():
    for _n in _names:
        COMPONENTS[_n] = _role

# Upstream-gradient parameter names of a backward, and the cache a forward returned.
GRAD_OUTPUT = ("dout", "dy", "dY", "grad", "grad_output", "grad_out", "delta", "dvalues",
               "d_out", "dL_dy", "dA", "dZ", "dz", "da", "output_gradient", "out_grad",
               "upstream_grad", "dLdy", "top_diff", "gy", "error", "d_output", "doutput",
               "gradient", "grads", "dL", "deltas", "dH", "dh", "d", "dvalue", "g",
               "output_error", "accum_grad", "dupstream", "ct", "cotangent", "g_out")
# A random source a constructor needs for its initial values: given one (values replaced).
RANDOM_ARGS = ("rng", "random_state", "rs", "np_random", "generator", "random_generator",
               "seed", "random_seed", "init_seed", "prng")
FUNCTION_CTX = ("ctx", "context")      # autograd.Function style: forward(ctx, x, w)
CACHE = ("cache", "ctx", "saved", "cache_", "caches", "memory", "state", "stash", "aux")
LEARNING_RATE = ("learning_rate", "lr", "eta", "alpha", "step_size", "learningRate",
                 "learning_rate_", "rate", "l_rate", "lr_")

# Option dicts: CS231n's conv_param/pool_param/bn_param/dropout_param and friends.
OPTION_DICT = re.compile(r"^(.*_param|.*_params|params|param|config|cfg|options|opts|.*hparams|"
                         r".*hyperparams|.*hparameters|.*hyperparameters|settings|kwargs_dict|"
                         r"args|conf|.*_config|.*_cfg)$")

# Where a plain class keeps its parameters (dict attributes) and their gradients.
PARAM_DICTS = ("params", "parameters", "weights", "param", "variables", "trainable_params",
               "_params", "_parameters", "weights_dict", "layer_params")
GRAD_DICTS = ("grads", "gradients", "grad", "dparams", "d_params", "param_grads", "_grads",
              "derivatives", "grads_dict", "dweights", "d")
# How the gradient of array P is named: dP, grad_P, P_grad ...
GRAD_PATTERNS = ("d{}", "d_{}", "grad_{}", "{}_grad", "dL_d{}", "grad{}", "{}_gradient",
                 "{}_gradients", "delta_{}", "g_{}", "{}grad", "d{}s", "dL_d_{}", "dl_d{}",
                 "grad_{}s")
# The input gradient a backward stores instead of returning it, the output a forward stores.
INPUT_GRAD_ATTRS = ("dinputs", "dinput", "dx", "dX", "d_input", "d_inputs", "input_grad",
                    "grad_input", "grad_inputs", "dA_prev", "dinp", "dL_dx", "input_gradient",
                    "delta_prev", "dx_")
OUTPUT_ATTRS = ("output", "out", "outputs", "y", "Y", "A", "a", "activation", "activations",
                "result", "z_out", "out_")
# What a forward keeps for its backward: never a parameter, whatever its shape.
CACHED = ("x", "X", "inputs", "input", "inp", "input_data", "A_prev", "a_prev", "x_in",
          "in_data", "last_input", "prev_input", "output", "out", "outputs", "result", "mask",
          "xhat", "x_hat", "x_norm", "x_centered", "xmu", "dinputs", "dx", "dX", "cache")
FORWARD_NAMES = ("forward", "forward_pass", "forward_propagation", "forward_prop", "fprop",
                 "feed_forward", "feedforward", "call", "__call__", "propagate_forward",
                 "fwd", "compute", "apply")
BACKWARD_NAMES = ("backward", "backward_pass", "backward_propagation", "backward_prop",
                  "backprop", "bprop", "back_propagation", "propagate_backward", "bwd",
                  "gradient", "grad")
# Methods a framework calls between construction and the first forward (ML-From-Scratch:
# set_input_shape(shape), then initialize(optimizer)), and their arguments.
SETUP_SHAPE = ("set_input_shape",)
SETUP_NAMES = ("initialize", "initialise", "init", "setup", "init_params", "init_weights",
               "initialize_parameters", "init_parameters")
OPTIMIZER_ARGS = ("optimizer", "opt", "optim", "optimiser", "optimizer_")

# Attributes and methods through which a class learns train/eval mode.
MODE_ATTRS = ("training", "is_training", "train_mode", "is_train", "train_flag", "train_flg",
              "mode", "phase")          # not ``trainable``: frozen weights (Keras, ML-From-Scratch)

# Options that only change the running statistics (irrelevant when none are compared),
# and those that also change eval mode.
BUFFER_ONLY_OPTIONS = {"momentum": False, "track_running_stats": True}
# torch arguments that never change the numbers.
INERT_OPTIONS = ("inplace", "device", "dtype", "_stacklevel")
# Options the shapes of the parameter arrays already express.
SHAPE_OPTIONS = ("in_channels", "out_channels", "in_features", "out_features", "num_features",
                 "num_channels", "num_parameters", "normalized_shape", "kernel_size")
# What an absent torch parameter amounts to (bias=False, affine=False).
NEUTRAL = {"bias": 0.0, "weight": 1.0}


@dataclass(frozen=True)
class Match:
    """How a user name reaches a role: ``index`` picks a component, ``inverted`` negates
    (flags) or complements (probabilities)."""
    role: str
    how: str                 # 'name', 'synonym', 'component'
    index: int | None = None
    inverted: bool = False


def _simple(name: str) -> str:
    return name.lstrip("_").rstrip("_")


def match(name: str, roles: "set[str] | dict", prefer: tuple[str, ...] = ()) -> Match | None:
    """The role ``name`` stands for among ``roles`` (None when it matches none).

    ``prefer``: roles to try first when a name is a synonym of several (a constructor's
    ``filters`` is a channel count, a function's ``filters`` an array)."""
    if name in roles:
        return Match(name, "name")
    base = _simple(name)
    if base in roles:
        return Match(base, "name")
    hits = [r for r, names in SYNONYMS.items() if r in roles and (name in names or base in names)]
    inv = [r for r, names in INVERTED.items() if r in roles and (name in names or base in names)]
    if hits:
        hits.sort(key=lambda r: (r not in prefer, prefer.index(r) if r in prefer else 0))
        return Match(hits[0], "synonym", inverted=hits[0] in inv)
    if inv:
        return Match(inv[0], "synonym", inverted=True)
    comp = COMPONENTS.get(name) or COMPONENTS.get(base)
    if comp and comp[0] in roles:
        return Match(comp[0], "component", index=comp[1])
    low = base.lower()
    for r in roles:                       # case-insensitive last resort: Stride, Padding
        if r.lower() == low:
            return Match(r, "name")
    return None


def grad_names(name: str) -> list[str]:
    """Attribute names under which the gradient of array ``name`` may be stored."""
    out = [p.format(name) for p in GRAD_PATTERNS]
    low = name[:1].lower() + name[1:]
    if low != name:
        out += [p.format(low) for p in GRAD_PATTERNS]
    return out
