"""Deliberately wrong implementations: a text change to the reference, and what it must cost.

must_fail: tests that must lose their points. must_pass: tests (or whole
exercises, by name) that must keep them, to show the grader blames the right
function and is not just failing everything. must_say: what a failed test's own
message must hold for this mistake; named_errors: tests it makes raise, named for it all the
same. diagnosis: the id of the catalog
entry (grader.diagnosis.catalog) the grader must name for it; every catalog
entry has a mistake here, written independently of the catalog's own code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    name: str
    file: str
    diagnosis: str
    replacements: tuple[tuple[str, str], ...]
    must_fail: tuple[str, ...]
    must_pass: tuple[str, ...] = ()
    #: (test, text): a failed test whose own message must hold the text (a formula it names as wrong)
    must_say: tuple[tuple[str, str], ...] = ()
    #: tests in which the mistake makes the code raise, and which must be named for it all the same
    named_errors: tuple[str, ...] = ()


OUTPUT_DELTA = "return 2.0 * (y_hat - np.asarray(y)) * activation_prime(z, activation)"
HIDDEN_DELTA = "return (np.asarray(delta_next) @ np.asarray(W_next)) * activation_prime(z, activation)"
SGD = "return np.asarray(param) - lr * np.asarray(grad)"
LOSS = "return float(np.sum((y_hat - y) ** 2) / y_hat.shape[0])"
WEIGHT_GRADIENTS = "return delta.T @ a_prev / n, delta.mean(axis=0)"
STEP = 'new_params = {key: sgd_update(params[key], grads[key], lr) for key in ("W1", "b1", "W2", "b2")}'
#: train_step's two deltas, as the reference writes them
STEP_OUTPUT_DELTA = 'delta2 = output_delta(y_hat, Y, z2, "sigmoid")'
STEP_HIDDEN_DELTA = 'delta1 = hidden_delta(delta2, params["W2"], z1, "relu")'
#: numerical_gradient's two nudges of x[index] and the restore, as the reference writes them
NUDGES = (
    "        original = x[index]\n        try:\n            x[index] = original + eps\n"
    "            f_plus = f(x)\n            x[index] = original - eps\n            f_minus = f(x)\n"
    "        finally:\n            x[index] = original\n"
)

SIGMOID_PRIME = "    s = sigmoid(z)\n    return s * (1.0 - s)"
TANH_PRIME = "return 1.0 - np.tanh(z) ** 2"
#: the public property test that tanh' is even: its message names the forms that are not
EVEN_TANH_PRIME = "test_tanh_prime_is_even_and_at_most_one"


def sigmoid_prime_returning(name: str, diagnosis: str, returned: str) -> Mistake:
    """sigmoid_prime that still computes s = sigmoid(z) but returns the expression returned (in s):
    wrong wherever σ' is compared, while the sigmoid, tanh' and gradcheck keep their points."""
    return Mistake(
        name,
        "activations.py",
        diagnosis,
        ((SIGMOID_PRIME, f"    s = sigmoid(z)\n    return {returned}"),),
        must_fail=(
            "test_matches_reference[float64-sigmoid_prime]",
            "test_lesson_example[sigmoid' peaks at 0]",
            "test_sigmoid_prime_never_exceeds_a_quarter",
        ),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-sigmoid]",
            "test_matches_reference[float64-tanh_prime]",
        ),
    )


MISTAKES = (
    Mistake(
        "forgotten activation derivative in the output delta",
        "backprop.py",
        "output_delta_without_derivative",
        ((OUTPUT_DELTA, "return 2.0 * (y_hat - np.asarray(y))"),),
        must_fail=(
            "test_lesson_example[sigmoid neuron: delta]",
            "test_output_delta_matches_reference[float64-sigmoid]",
            "test_train_step_gradients_pass_finite_difference_check",
            "test_gradients_pass_finite_difference_check[sigmoid]",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "test_output_delta_matches_reference[float64-identity]",
            "test_lesson_example[linear model: delta]",
        ),
    ),
    Mistake(
        "the activation for its derivative in the output delta",
        "backprop.py",
        "output_delta_with_activation",
        (
            (
                OUTPUT_DELTA,
                "from activations import activate\n    return 2.0 * (y_hat - np.asarray(y)) * activate(z, activation)",
            ),
        ),
        must_fail=(
            "test_lesson_example[sigmoid neuron: delta]",
            "test_output_delta_matches_reference[float64-sigmoid]",
            "test_output_delta_matches_reference[float64-relu]",
        ),
        must_pass=("activations", "gradcheck", "test_hidden_delta_matches_reference[float64-relu]"),
    ),
    Mistake(
        "the activation for its derivative in the hidden delta",
        "backprop.py",
        "hidden_delta_with_activation",
        (
            (
                HIDDEN_DELTA,
                "from activations import activate\n    return (np.asarray(delta_next) @ np.asarray(W_next)) * "
                "activate(z, activation)",
            ),
        ),
        must_fail=(
            "test_hidden_delta_matches_reference[float64-relu]",
            "test_hidden_delta_matches_reference[float64-sigmoid]",
            "test_backprop_pieces_pass_finite_difference_check",
        ),
        must_pass=("activations", "gradcheck", "test_output_delta_matches_reference[float64-sigmoid]"),
    ),
    Mistake(
        "forgotten activation derivative in the hidden delta",
        "backprop.py",
        "hidden_delta_without_derivative",
        ((HIDDEN_DELTA, "return np.asarray(delta_next) @ np.asarray(W_next)"),),
        must_fail=(
            "test_lesson_example[hidden ReLU with z = -0.3: delta]",
            "test_hidden_delta_matches_reference[float64-relu]",
            "test_backprop_pieces_pass_finite_difference_check",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "test_hidden_delta_matches_reference[float64-identity]",
            "test_output_delta_matches_reference[float64-sigmoid]",
        ),
    ),
    Mistake(
        "ReLU'(0) taken as 1",
        "activations.py",
        "relu_prime_one_at_zero",
        (("return (z > 0).astype(z.dtype)", "return (z >= 0).astype(z.dtype)"),),
        must_fail=(
            "test_relu_prime_is_zero_at_zero_and_below",
            "test_lesson_example[ReLU'(0)]",
            "test_matches_reference[float64-relu_prime]",
            "test_output_delta_matches_reference[float64-relu]",
        ),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-sigmoid]",
            "test_sigmoid_is_stable_at_large_inputs",
        ),
    ),
    Mistake(
        "missing transpose when sending deltas back",
        "backprop.py",
        "hidden_delta_wrong_orientation",
        (
            (
                HIDDEN_DELTA,
                "return (np.asarray(delta_next) @ np.asarray(W_next).T) * activation_prime(z, activation)",
            ),
        ),
        must_fail=(
            "test_hidden_delta_matches_reference[float64-relu]",
            "test_train_step_matches_reference[8]",
            "test_matches_reference[sigmoid]",
        ),
        must_pass=("activations", "gradcheck", "test_output_delta_matches_reference[float64-sigmoid]"),
    ),
    Mistake(
        "missing 1/n of the batch average",
        "backprop.py",
        "gradients_not_averaged",
        (("return delta.T @ a_prev / n, delta.mean(axis=0)", "return delta.T @ a_prev, delta.sum(axis=0)"),),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_train_step_matches_reference[8]",
            "test_train_step_gradients_pass_finite_difference_check",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "test_train_step_matches_reference[1]",
            "test_lesson_example[ReLU neuron: gradients]",
        ),
    ),
    Mistake(
        "sign-flipped update",
        "backprop.py",
        "update_adds_gradient",
        ((SGD, "return np.asarray(param) + lr * np.asarray(grad)"),),
        must_fail=(
            "test_lesson_example[linear model: update]",
            "test_sgd_update_steps_against_the_gradient[float64]",
            "test_train_step_matches_reference[1]",
        ),
        must_pass=("activations", "gradcheck", "deep", "test_lesson_example[linear model: gradients]"),
    ),
    Mistake(
        "ReLU with np.max",
        "activations.py",
        "relu_with_np_max",
        (("    return np.maximum(z, 0.0).astype(z.dtype, copy=False)", "    return np.max(z, 0)"),),
        must_fail=("test_matches_reference[float64-relu]", "test_matches_reference[float32-relu]"),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-relu_prime]",
            "test_sigmoid_is_stable_at_large_inputs",
        ),
    ),
    Mistake(
        "tanh' squared outside",
        "activations.py",
        "tanh_prime_square_outside",
        ((TANH_PRIME, "return (1 - np.tanh(z)) ** 2"),),
        must_fail=("test_matches_reference[float64-tanh_prime]", EVEN_TANH_PRIME),
        must_pass=(
            "gradcheck",
            "test_lesson_example[tanh' peaks at 0]",
            "test_matches_reference[float64-relu]",
        ),
        must_say=((EVEN_TANH_PRIME, "(1 − tanh(z))² and"),),
    ),
    Mistake(
        "tanh' with z squared inside",
        "activations.py",
        "tanh_prime_square_inside",
        ((TANH_PRIME, "return 1.0 - np.tanh(z * z)"),),
        must_fail=(
            "test_matches_reference[float64-tanh_prime]",
            "test_matches_reference[float32-tanh_prime]",
            "test_output_delta_matches_reference[float64-tanh]",
            "test_matches_reference[tanh]",
        ),
        must_pass=(
            "gradcheck",
            "test_lesson_example[tanh' peaks at 0]",
            EVEN_TANH_PRIME,
            "test_matches_reference[float64-sigmoid_prime]",
        ),
    ),
    Mistake(
        "ReLU in place",
        "activations.py",
        "relu_in_place",
        (
            (
                "    z = as_float_array(z)\n    return np.maximum(z, 0.0).astype(z.dtype, copy=False)",
                "    z[z < 0] = 0\n    return z",
            ),
        ),  # fmt: skip
        must_fail=("test_returns_floats_and_leaves_input_alone[relu]",),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-relu_prime]",
            "test_train_step_matches_reference[8]",
        ),
        named_errors=("test_lesson_example[ReLU neuron: y_hat]", "test_matches_reference[float64-relu]"),
    ),
    Mistake(
        "inputs mutated in place",
        "backprop.py",
        "inputs_mutated",
        ((SGD, "param = np.asarray(param)\n    param -= lr * np.asarray(grad)\n    return param"),),
        must_fail=(
            "test_sgd_update_returns_a_new_array",
            "test_sgd_update_steps_against_the_gradient[float64]",
            "test_train_step_leaves_inputs_alone",
        ),
        must_pass=(
            "test_lesson_example[linear model: update]",
            "test_train_step_matches_reference[8]",
            "deep",
        ),
    ),
    Mistake(
        "the ½ convention: the factor 2 dropped",
        "backprop.py",
        "output_delta_without_two",
        ((OUTPUT_DELTA, "return 1.0 * (y_hat - np.asarray(y)) * activation_prime(z, activation)"),),
        must_fail=(
            "test_lesson_example[ReLU neuron: delta]",
            "test_train_step_gradients_pass_finite_difference_check",
        ),
        must_pass=("activations", "gradcheck", "test_lesson_example[ReLU neuron: loss]"),
    ),
    Mistake(
        "forward instead of central differences",
        "gradcheck.py",
        "forward_differences",
        (("x[index] = original - eps\n", "x[index] = original\n"), ("(2 * eps)", "eps")),
        must_fail=("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"),
        must_pass=("activations", "backprop", "deep", "test_restores_x"),
    ),
    Mistake(
        "x not restored",
        "gradcheck.py",
        "x_not_restored",
        (("        finally:\n            x[index] = original\n", "        finally:\n            pass\n"),),
        must_fail=("test_restores_x",),
        must_pass=("activations", "backprop", "deep"),
    ),
    Mistake(
        "x put back by arithmetic",
        "gradcheck.py",
        "x_restored_by_arithmetic",
        (
            (
                NUDGES,
                "        x[index] = x[index] + eps\n        f_plus = f(x)\n        x[index] = x[index] - 2 * eps\n"
                "        f_minus = f(x)\n        x[index] = x[index] + eps\n",
            ),
        ),
        must_fail=("test_restores_x",),
        must_pass=("activations", "backprop", "deep", "test_matches_exact_derivative[cubic]"),
    ),
    Mistake(
        "x_plus and x_minus as new names for x",
        "gradcheck.py",
        "minus_copy_aliases_x",
        (
            (
                NUDGES,
                "        x_plus = x\n        x_plus[index] = x_plus[index] + eps\n        f_plus = f(x_plus)\n"
                "        x_minus = x\n        x_minus[index] = x_minus[index] - eps\n        f_minus = f(x_minus)\n",
            ),
        ),
        must_fail=("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"),
        must_pass=("activations", "backprop", "deep", "test_gradient_has_the_shape_of_x"),
    ),
    Mistake(
        "numerical_gradient looping over the rows of x",
        "gradcheck.py",
        "rows_nudged_whole",
        (
            ("    for index in np.ndindex(np.shape(x)):\n", "    for index in range(len(x)):\n"),
            ("        original = x[index]\n", "        original = np.array(x[index])\n"),
        ),
        must_fail=("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"),
        must_pass=("activations", "backprop", "deep", "test_restores_x", "test_gradient_has_the_shape_of_x"),
    ),
    Mistake(
        "sigmoid as e^z / (1 + e^z)",
        "activations.py",
        "sigmoid_overflows_for_large_z",
        (
            (
                "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
                "    return np.exp(z) / (1 + np.exp(z))",
            ),
        ),
        must_fail=("test_sigmoid_is_stable_at_large_inputs", "test_matches_reference[float64-sigmoid]"),
        must_pass=(
            "test_lesson_example[sigmoid at 0]",
            "test_sigmoid_prime_never_exceeds_a_quarter",
            "gradcheck",
        ),
    ),
    Mistake(
        "sigmoid' as e^(-z) / (1 + e^(-z))^2",
        "activations.py",
        "sigmoid_prime_overflows",
        (
            (
                SIGMOID_PRIME,
                "    z = np.asarray(z)\n    return np.exp(-z) / (1 + np.exp(-z)) ** 2",
            ),
        ),
        must_fail=(
            "test_matches_reference[float64-sigmoid_prime]",
            "test_matches_reference[float32-sigmoid_prime]",
        ),
        must_pass=("test_sigmoid_prime_never_exceeds_a_quarter", "backprop", "gradcheck", "deep"),
    ),
    Mistake(
        "naive sigmoid that overflows",
        "activations.py",
        "sigmoid_overflows",
        (
            (
                "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
                "    return 1.0 / (1.0 + np.exp(-z))",
            ),
        ),
        must_fail=("test_sigmoid_is_stable_at_large_inputs",),
        must_pass=(
            "test_lesson_example[sigmoid at 0]",
            "test_matches_reference[float64-sigmoid]",
            "gradcheck",
        ),
    ),
    Mistake(
        "loss reported after the update",
        "backprop.py",
        "loss_after_update",
        (
            (
                "    return new_params, loss\n",
                "    return new_params, squared_error(forward(new_params, X)[3], Y)\n",
            ),
        ),
        must_fail=("test_train_step_reports_loss_before_update", "test_train_step_matches_reference[8]"),
        must_pass=("test_train_step_gradients_pass_finite_difference_check", "deep"),
    ),
    Mistake(
        "output activation in every layer",
        "deep.py",
        "output_activation_everywhere",
        (('a = activate(z, "sigmoid" if layer == last else activation)', 'a = activate(z, "sigmoid")'),),
        must_fail=(
            "test_chain_of_single_units_worked_by_hand[relu]",
            "test_matches_reference[relu]",
            "test_gradients_pass_finite_difference_check[relu]",
        ),
        must_pass=("activations", "backprop", "test_matches_reference[sigmoid]"),
    ),
    Mistake(
        "sigmoid' from z",
        "activations.py",
        "sigmoid_prime_from_z",
        (
            (
                SIGMOID_PRIME,
                "    z = as_float_array(z)\n    return z * (1 - z)",
            ),
        ),
        must_fail=(
            "test_matches_reference[float64-sigmoid_prime]",
            "test_sigmoid_prime_never_exceeds_a_quarter",
        ),
        must_pass=("gradcheck", "test_matches_reference[float64-sigmoid]"),
    ),
    Mistake(
        "sigmoid' returning the sigmoid",
        "activations.py",
        "sigmoid_prime_is_sigmoid",
        ((SIGMOID_PRIME, "    return sigmoid(z)"),),
        must_fail=("test_matches_reference[float64-sigmoid_prime]",),
        must_pass=("gradcheck",),
    ),
    sigmoid_prime_returning(
        "sigmoid' without its parentheses", "sigmoid_prime_without_parentheses", "s * 1 - s"
    ),
    sigmoid_prime_returning("sigmoid' by tanh's rule", "sigmoid_prime_with_tanh_rule", "1 - s**2"),
    Mistake(
        "tanh' by the sigmoid's rule",
        "activations.py",
        "tanh_prime_with_sigmoid_rule",
        ((TANH_PRIME, "t = np.tanh(z)\n    return t * (1 - t)"),),
        must_fail=("test_matches_reference[float64-tanh_prime]", EVEN_TANH_PRIME),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-sigmoid_prime]",
            "test_matches_reference[float64-relu_prime]",
        ),
        must_say=((EVEN_TANH_PRIME, "and tanh(z)(1 − tanh(z)) are not"),),
    ),
    Mistake(
        "ReLU' returning ReLU",
        "activations.py",
        "relu_prime_is_relu",
        (("return (z > 0).astype(z.dtype)", "return np.where(z > 0, z, 0.0)"),),
        must_fail=("test_matches_reference[float64-relu_prime]",),
        must_pass=("gradcheck", "test_matches_reference[float64-relu]"),
    ),
    Mistake(
        "ReLU' as the sign of z",
        "activations.py",
        "relu_prime_sign",
        (("return (z > 0).astype(z.dtype)", "return np.sign(z)"),),
        must_fail=("test_matches_reference[float64-relu_prime]", "test_relu_prime_is_zero_at_zero_and_below"),
        must_pass=("gradcheck", "test_matches_reference[float64-relu]"),
    ),
    Mistake(
        "tanh' without the square",
        "activations.py",
        "tanh_prime_without_square",
        ((TANH_PRIME, "return 1.0 - np.tanh(z)"),),
        must_fail=("test_matches_reference[float64-tanh_prime]", EVEN_TANH_PRIME),
        must_pass=("gradcheck", "test_matches_reference[float64-sigmoid_prime]"),
        must_say=((EVEN_TANH_PRIME, "; 1 − tanh(z), "),),
    ),
    Mistake(
        "a half in the loss",
        "backprop.py",
        "loss_with_half",
        ((LOSS, "return float(0.5 * np.sum((y_hat - y) ** 2) / y_hat.shape[0])"),),
        must_fail=("test_squared_error_sums_outputs_and_averages_examples[float64]",),
        must_pass=("activations", "deep", "test_train_step_gradients_pass_finite_difference_check"),
    ),
    Mistake(
        "the root of the loss",
        "backprop.py",
        "loss_root_mean_square",
        ((LOSS, "return float(np.sqrt(np.sum((y_hat - y) ** 2) / y_hat.shape[0]))"),),
        must_fail=("test_squared_error_sums_outputs_and_averages_examples[float64]",),
        must_pass=("activations", "deep", "test_train_step_gradients_pass_finite_difference_check"),
    ),
    Mistake(
        "loss summed over the examples",
        "backprop.py",
        "loss_not_averaged",
        ((LOSS, "return float(np.sum((y_hat - y) ** 2))"),),
        must_fail=("test_squared_error_sums_outputs_and_averages_examples[float64]",),
        must_pass=("activations", "deep"),
    ),
    Mistake(
        "loss averaged over the outputs",
        "backprop.py",
        "loss_averaged_over_outputs",
        ((LOSS, "return float(((y_hat - y) ** 2).mean())"),),
        must_fail=("test_squared_error_sums_outputs_and_averages_examples[float64]",),
        must_pass=("activations", "deep"),
    ),
    Mistake(
        "target minus prediction",
        "backprop.py",
        "error_sign_flipped",
        ((OUTPUT_DELTA, "return 2.0 * (np.asarray(y) - y_hat) * activation_prime(z, activation)"),),
        must_fail=(
            "test_output_delta_matches_reference[float64-sigmoid]",
            "test_train_step_matches_reference[1]",
        ),
        must_pass=("activations", "gradcheck"),
    ),
    Mistake(
        "derivative at the output",
        "backprop.py",
        "derivative_at_output",
        ((OUTPUT_DELTA, "return 2.0 * (y_hat - np.asarray(y)) * activation_prime(y_hat, activation)"),),
        must_fail=("test_output_delta_matches_reference[float64-sigmoid]",),
        must_pass=("activations", "gradcheck", "test_output_delta_matches_reference[float64-identity]"),
    ),
    Mistake(
        "sigmoid's slope in the output delta whatever the activation",
        "backprop.py",
        "output_delta_always_sigmoid",
        (
            (
                "    check_activation(activation)\n    y_hat = np.asarray(y_hat)\n    " + OUTPUT_DELTA,
                "    s = sigmoid(z)\n    return 2.0 * (y_hat - y) * s * (1.0 - s)",
            ),
        ),
        must_fail=(
            "test_output_delta_matches_reference[float64-identity]",
            "test_output_delta_matches_reference[float32-tanh]",
            "test_unknown_activation_is_rejected[output_delta]",
        ),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_output_delta_matches_reference[float64-sigmoid]",
            "test_train_step_matches_reference[8]",
        ),
    ),
    Mistake(
        "ReLU's slope in the hidden delta whatever the activation",
        "backprop.py",
        "hidden_delta_always_relu",
        ((HIDDEN_DELTA, "return (np.asarray(delta_next) @ np.asarray(W_next)) * (np.asarray(z) > 0)"),),
        must_fail=(
            "test_hidden_delta_matches_reference[float64-sigmoid]",
            "test_hidden_delta_matches_reference[float32-identity]",
            "test_matches_reference[tanh]",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "test_hidden_delta_matches_reference[float64-relu]",
            "test_train_step_matches_reference[8]",
            "test_matches_reference[relu]",
        ),
    ),
    Mistake(
        "sigmoid' in the hidden layer",
        "backprop.py",
        "hidden_derivative_of_output_activation",
        (
            (
                HIDDEN_DELTA,
                'return (np.asarray(delta_next) @ np.asarray(W_next)) * activation_prime(z, "sigmoid")',
            ),
        ),
        must_fail=(
            "test_hidden_delta_matches_reference[float64-relu]",
            "test_train_step_matches_reference[8]",
        ),
        must_pass=("activations", "gradcheck", "test_hidden_delta_matches_reference[float64-sigmoid]"),
    ),
    Mistake(
        "bias gradient summed",
        "backprop.py",
        "bias_gradient_summed",
        ((WEIGHT_GRADIENTS, "return delta.T @ a_prev / n, delta.sum(axis=0)"),),
        must_fail=("test_weight_gradients_average_over_the_batch[float64]",),
        must_pass=("activations", "gradcheck", "test_train_step_matches_reference[1]"),
    ),
    Mistake(
        "db with keepdims",
        "backprop.py",
        "bias_gradient_keeps_batch_axis",
        ((WEIGHT_GRADIENTS, "return delta.T @ a_prev / n, np.mean(delta, axis=0, keepdims=True)"),),
        must_fail=(
            "test_lesson_example[sigmoid neuron: gradients]",
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_train_step_matches_reference[1]",
        ),
        must_pass=("activations", "gradcheck", "test_lesson_example[sigmoid neuron: update]"),
    ),
    Mistake(
        "db averaged over everything",
        "backprop.py",
        "bias_gradient_mean_of_everything",
        ((WEIGHT_GRADIENTS, "return delta.T @ a_prev / n, np.mean(delta)"),),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_gradients_are_shaped_like_parameters",
            "test_train_step_matches_reference[8]",
        ),
        must_pass=("activations", "gradcheck", "test_sgd_update_steps_against_the_gradient[float64]"),
    ),
    Mistake(
        "db averaged over the units",
        "backprop.py",
        "bias_gradient_over_units",
        ((WEIGHT_GRADIENTS, "return delta.T @ a_prev / n, delta.mean(axis=1)"),),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_gradients_are_shaped_like_parameters",
            "test_train_step_matches_reference[8]",
        ),
        must_pass=("activations", "gradcheck", "test_sgd_update_steps_against_the_gradient[float64]"),
    ),
    Mistake(
        "db left at zero",
        "backprop.py",
        "bias_gradient_zero",
        ((WEIGHT_GRADIENTS, "db = np.zeros(delta.shape[1])\n    return delta.T @ a_prev / n, db"),),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_lesson_example[sigmoid neuron: gradients]",
            "test_train_step_matches_reference[8]",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "test_sgd_update_steps_against_the_gradient[float64]",
            "test_lesson_example[sigmoid neuron: delta]",
        ),
    ),
    Mistake(
        "dW transposed",
        "backprop.py",
        "weight_gradient_transposed",
        ((WEIGHT_GRADIENTS, "return a_prev.T @ delta / n, delta.mean(axis=0)"),),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_chain_of_single_units_worked_by_hand[relu]",
            "test_train_step_on_a_chain_worked_by_hand",
        ),
        must_pass=("activations", "gradcheck"),
    ),
    Mistake(
        "W2 updated before the hidden delta",
        "backprop.py",
        "output_layer_updated_first",
        (
            (
                f"    {STEP_HIDDEN_DELTA}\n",
                '    params = dict(params)\n    params["W2"] = params["W2"] - lr * (delta2.T @ a1 / len(X))\n'
                f"    {STEP_HIDDEN_DELTA}\n",
            ),
            (
                STEP,
                'new_params = {key: sgd_update(params[key], grads[key], lr) for key in ("W1", "b1", "b2")}\n'
                '    new_params["W2"] = params["W2"]',
            ),
        ),
        must_fail=(
            "test_train_step_on_a_chain_worked_by_hand",
            "test_train_step_matches_reference[8]",
            "test_train_step_gradients_pass_finite_difference_check",
        ),
        must_pass=("activations", "gradcheck", "deep", "test_train_step_leaves_inputs_alone"),
    ),
    Mistake(
        "train_step's arrays updated in place",
        "backprop.py",
        "params_updated_in_place",
        (
            (
                f"    {STEP}",
                '    for key in ("W1", "b1", "W2", "b2"):\n        params[key] -= lr * grads[key]\n    new_params = params',
            ),
        ),
        must_fail=("test_train_step_leaves_inputs_alone",),
        must_pass=(
            "activations",
            "gradcheck",
            "deep",
            "test_train_step_matches_reference[8]",
            "test_train_step_lowers_the_loss_it_reports",
            "test_sgd_update_returns_a_new_array",
        ),
    ),
    Mistake(
        "train_step's dict updated in place",
        "backprop.py",
        "params_updated_in_place",
        (
            (
                f"    {STEP}",
                "    new_params = params\n    for key in grads:\n        new_params[key] = sgd_update(params[key], grads[key], lr)",
            ),
        ),
        must_fail=("test_train_step_leaves_inputs_alone",),
        must_pass=("activations", "gradcheck", "deep", "test_train_step_matches_reference[1]"),
    ),
    Mistake(
        "biases not updated",
        "backprop.py",
        "bias_not_updated",
        (
            (
                f"    {STEP}",
                '    new_params = {key: sgd_update(params[key], grads[key], lr) for key in ("W1", "W2")}\n'
                '    new_params["b1"], new_params["b2"] = params["b1"].copy(), params["b2"].copy()',
            ),
        ),
        must_fail=("test_train_step_matches_reference[1]",),
        must_pass=("activations", "gradcheck", "deep", "test_sgd_update_steps_against_the_gradient[float64]"),
    ),
    Mistake(
        "hidden layer not updated",
        "backprop.py",
        "hidden_layer_not_updated",
        (
            (
                f"    {STEP}",
                "    new_params = dict(params)\n"
                '    new_params["W2"] = sgd_update(params["W2"], grads["W2"], lr)\n'
                '    new_params["b2"] = sgd_update(params["b2"], grads["b2"], lr)',
            ),
        ),
        must_fail=("test_train_step_matches_reference[8]", "test_train_step_on_a_chain_worked_by_hand"),
        must_pass=("activations", "gradcheck", "deep", "test_sgd_update_steps_against_the_gradient[float64]"),
    ),
    Mistake(
        "eps ignored",
        "gradcheck.py",
        "eps_ignored",
        (
            ("x[index] = original + eps", "x[index] = original + 1e-5"),
            ("x[index] = original - eps", "x[index] = original - 1e-5"),
            ("(2 * eps)", "2e-5"),
        ),
        must_fail=("test_steps_by_the_eps_it_is_given", "test_uses_the_eps_it_is_given"),
        must_pass=("activations", "backprop", "deep", "test_restores_x"),
    ),
    Mistake(
        "a step of 0.001 whatever eps is",
        "gradcheck.py",
        "eps_ignored_0.001",
        (
            ("x[index] = original + eps", "x[index] = original + 0.001"),
            ("x[index] = original - eps", "x[index] = original - 0.001"),
            ("(2 * eps)", "0.002"),
        ),
        must_fail=(
            "test_matches_exact_derivative[cubic]",
            "test_steps_by_the_eps_it_is_given",
            "test_uses_the_eps_it_is_given",
        ),
        must_pass=("activations", "backprop", "deep", "test_restores_x"),
    ),
    Mistake(
        "a hidden layer's slope at the z above it",
        "deep.py",
        "deep_hidden_slope_of_layer_above",
        (("zs[layer - 1], activation)", "zs[layer], activation)"),),
        must_fail=("test_chain_of_single_units_worked_by_hand[relu]", "test_matches_reference[sigmoid]"),
        must_pass=("activations", "backprop", "gradcheck"),
    ),
    Mistake(
        "a deep hidden delta through the weights below",
        "deep.py",
        "deep_hidden_delta_through_layer_below",
        (("hidden_delta(delta, weights[layer],", "hidden_delta(delta, weights[layer - 1],"),),
        must_fail=(
            "test_chain_of_single_units_worked_by_hand[relu]",
            "test_chain_of_single_units_worked_by_hand[sigmoid]",
        ),
        must_pass=("activations", "backprop", "gradcheck"),
        named_errors=("test_matches_reference[sigmoid]", "test_gradients_pass_finite_difference_check[relu]"),
    ),
    Mistake(
        "a deep layer's dW from its own output",
        "deep.py",
        "deep_weight_gradient_from_layer_output",
        (("weight_gradients(delta, activations[layer])", "weight_gradients(delta, activations[layer + 1])"),),
        must_fail=(
            "test_gradients_are_shaped_like_parameters",
            "test_matches_reference[sigmoid]",
            "test_chain_of_single_units_worked_by_hand[relu]",
        ),
        must_pass=("activations", "backprop", "gradcheck"),
    ),
    Mistake(
        "a deep layer's dW from the z below it",
        "deep.py",
        "deep_weight_gradient_from_pre_activation",
        (
            (
                "weight_gradients(delta, activations[layer])",
                "weight_gradients(delta, zs[layer - 1] if layer else X)",
            ),
        ),
        must_fail=(
            "test_matches_reference[sigmoid]",
            "test_matches_reference[tanh]",
            "test_chain_of_single_units_worked_by_hand[sigmoid]",
            "test_gradients_pass_finite_difference_check[sigmoid]",
        ),
        must_pass=(
            "activations",
            "backprop",
            "gradcheck",
            "test_matches_reference[identity]",
            "test_single_layer_network",
            "test_gradients_are_shaped_like_parameters",
            "test_chain_of_single_units_worked_by_hand[relu]",
        ),
    ),
    Mistake(
        "gradients of a deep network in backward order",
        "deep.py",
        "deep_gradients_last_layer_first",
        (("    return grads\n", "    return grads[::-1]\n"),),
        must_fail=(
            "test_matches_reference[sigmoid]",
            "test_gradients_are_shaped_like_parameters",
            "test_gradients_pass_finite_difference_check[relu]",
        ),
        must_pass=("activations", "backprop", "gradcheck", "test_single_layer_network"),
    ),
    Mistake(
        "deep hidden derivative at the activation",
        "deep.py",
        "deep_derivative_at_activation",
        (
            (
                "hidden_delta(delta, weights[layer], zs[layer - 1], activation)",
                "hidden_delta(delta, weights[layer], activations[layer], activation)",
            ),
        ),  # fmt: skip
        must_fail=(
            "test_chain_of_single_units_worked_by_hand[sigmoid]",
            "test_matches_reference[sigmoid]",
            "test_gradients_pass_finite_difference_check[sigmoid]",
        ),
        must_pass=(
            "activations",
            "backprop",
            "test_matches_reference[relu]",
            "test_matches_reference[identity]",
            "test_single_layer_network",
        ),
    ),
    Mistake(
        "z for one sigma in sigmoid'",
        "activations.py",
        "sigmoid_prime_half_from_z",
        (
            (
                SIGMOID_PRIME,
                "    s = sigmoid(z)\n    return s * (1.0 - as_float_array(z))",
            ),
        ),
        must_fail=(
            "test_lesson_example[sigmoid' peaks at 0]",
            "test_matches_reference[float64-sigmoid_prime]",
            "test_sigmoid_prime_never_exceeds_a_quarter",
            "test_train_step_matches_reference[8]",
        ),
        must_pass=("gradcheck", "test_matches_reference[float64-sigmoid]"),
    ),
    Mistake(
        "tanh' from z",
        "activations.py",
        "tanh_prime_from_z",
        ((TANH_PRIME, "return 1.0 - z * z"),),
        must_fail=(
            "test_matches_reference[float64-tanh_prime]",
            EVEN_TANH_PRIME,
            "test_matches_reference[tanh]",
        ),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-sigmoid_prime]",
            "test_matches_reference[relu]",
        ),
    ),
    Mistake(
        "central difference over h",
        "gradcheck.py",
        "central_difference_over_h",
        (("(f_plus - f_minus) / (2 * eps)", "(f_plus - f_minus) / eps"),),
        must_fail=("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"),
        must_pass=("activations", "backprop", "deep", "test_restores_x", "test_gradient_has_the_shape_of_x"),
    ),
    Mistake(
        "the central difference over 2, times eps",
        "gradcheck.py",
        "central_difference_times_eps",
        (("(f_plus - f_minus) / (2 * eps)", "(f_plus - f_minus) / 2 * eps"),),
        must_fail=("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"),
        must_pass=("activations", "backprop", "deep", "test_restores_x", "test_gradient_has_the_shape_of_x"),
    ),
    Mistake(
        "the central difference without its parentheses",
        "gradcheck.py",
        "central_difference_without_parentheses",
        (("(f_plus - f_minus) / (2 * eps)", "f_plus - f_minus / (2 * eps)"),),
        must_fail=("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"),
        must_pass=("activations", "backprop", "deep", "test_restores_x", "test_gradient_has_the_shape_of_x"),
    ),
    Mistake(
        "the hidden delta through W1",
        "backprop.py",
        "hidden_delta_through_W1",
        ((STEP_HIDDEN_DELTA, STEP_HIDDEN_DELTA.replace('params["W2"]', 'params["W1"]')),),
        must_fail=("test_train_step_on_a_chain_worked_by_hand", "test_train_step_matches_reference[1]"),
        must_pass=("activations", "gradcheck", "deep", "test_hidden_delta_matches_reference[float64-relu]"),
    ),
    Mistake(
        "ReLU's slope at the output of train_step",
        "backprop.py",
        "train_step_output_relu_slope",
        ((STEP_OUTPUT_DELTA, STEP_OUTPUT_DELTA.replace('"sigmoid"', "'relu'")),),
        must_fail=(
            "test_train_step_on_a_chain_worked_by_hand",
            "test_train_step_matches_reference[8]",
            "test_train_step_gradients_pass_finite_difference_check",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "deep",
            "test_output_delta_matches_reference[float64-sigmoid]",
            "test_backprop_pieces_pass_finite_difference_check",
        ),
    ),
    Mistake(
        "the sigmoid's slope in train_step's hidden delta",
        "backprop.py",
        "train_step_hidden_sigmoid_slope",
        ((STEP_HIDDEN_DELTA, STEP_HIDDEN_DELTA.replace('"relu"', "'sigmoid'")),),
        must_fail=(
            "test_train_step_on_a_chain_worked_by_hand",
            "test_train_step_matches_reference[1]",
            "test_train_step_gradients_pass_finite_difference_check",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "deep",
            "test_hidden_delta_matches_reference[float64-relu]",
            "test_backprop_pieces_pass_finite_difference_check",
        ),
    ),
    Mistake(
        "dW1 from the hidden layer's output",
        "backprop.py",
        "first_layer_gradient_from_hidden_output",
        (
            (
                'grads["W1"], grads["b1"] = weight_gradients(delta1, X)',
                'grads["W1"], grads["b1"] = weight_gradients(delta1, a1)',
            ),
        ),
        must_fail=("test_train_step_on_a_chain_worked_by_hand", "test_train_step_matches_reference[1]"),
        must_pass=(
            "activations",
            "gradcheck",
            "deep",
            "test_weight_gradients_average_over_the_batch[float64]",
        ),
    ),
    Mistake(
        "every entry nudged at once",
        "gradcheck.py",
        "every_entry_nudged",
        (
            (
                "            x[index] = original + eps\n            f_plus = f(x)\n"
                "            x[index] = original - eps\n            f_minus = f(x)\n",
                "            f_plus = f(x + eps)\n            f_minus = f(x - eps)\n",
            ),
        ),
        must_fail=("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"),
        must_pass=("activations", "backprop", "deep", "test_restores_x"),
    ),
    Mistake(
        "no learning rate in the update",
        "backprop.py",
        "update_without_learning_rate",
        ((SGD, "return np.asarray(param) - np.asarray(grad)"),),
        must_fail=(
            "test_lesson_example[linear model: update]",
            "test_sgd_update_steps_against_the_gradient[float64]",
            "test_train_step_matches_reference[8]",
        ),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_weight_gradients_average_over_the_batch[float64]",
        ),
    ),
    Mistake(
        "n counted across the units",
        "backprop.py",
        "batch_size_from_units",
        (
            ("n = delta.shape[0]", "n = len(delta[0])"),
            (WEIGHT_GRADIENTS, "return delta.T @ a_prev / n, np.sum(delta, axis=0) / n"),
        ),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_gradients_of_one_example_twice_are_that_examples",
            "test_matches_reference[relu]",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "test_output_delta_matches_reference[float64-sigmoid]",
            "test_hidden_delta_matches_reference[float64-relu]",
        ),
    ),
    Mistake(
        "dW summed, db averaged",
        "backprop.py",
        "weight_gradient_summed",
        ((WEIGHT_GRADIENTS, "return delta.T @ a_prev, delta.mean(axis=0)"),),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_train_step_matches_reference[8]",
            "test_matches_reference[sigmoid]",
        ),
        must_pass=(
            "activations",
            "gradcheck",
            "test_train_step_matches_reference[1]",
        ),
    ),
    Mistake(
        "deep output delta with the hidden activation",
        "deep.py",
        "deep_output_of_hidden_activation",
        (
            (
                'output_delta(activations[-1], Y, zs[-1], "sigmoid")',
                "output_delta(activations[-1], Y, zs[-1], activation)",
            ),
        ),
        must_fail=(
            "test_matches_reference[relu]",
            "test_matches_reference[tanh]",
            "test_chain_of_single_units_worked_by_hand[relu]",
        ),
        must_pass=("activations", "backprop", "gradcheck", "test_matches_reference[sigmoid]"),
    ),
    Mistake(
        "deep hidden_delta without the activation",
        "deep.py",
        "deep_hidden_activation_not_passed",
        (
            (
                "hidden_delta(delta, weights[layer], zs[layer - 1], activation)",
                "hidden_delta(delta, weights[layer], zs[layer - 1])",
            ),
        ),
        must_fail=(
            "test_matches_reference[sigmoid]",
            "test_sigmoid_gradients_vanish_toward_the_input",
            "test_chain_of_single_units_worked_by_hand[sigmoid]",
        ),
        must_pass=("activations", "backprop", "gradcheck", "test_matches_reference[relu]"),
    ),
    Mistake(
        "deep hidden layers with the sigmoid's slope",
        "deep.py",
        "deep_hidden_sigmoid_slope",
        (
            (
                "hidden_delta(delta, weights[layer], zs[layer - 1], activation)",
                'hidden_delta(delta, weights[layer], zs[layer - 1], "sigmoid")',
            ),
        ),
        must_fail=("test_matches_reference[relu]", "test_matches_reference[tanh]"),
        must_pass=("activations", "backprop", "gradcheck", "test_matches_reference[sigmoid]"),
    ),
    Mistake(
        "sigmoid hidden layer in the two-layer network",
        "backprop.py",
        "hidden_layer_sigmoid",
        (("    a1 = relu(z1)\n    z2", "    a1 = sigmoid(z1)\n    z2"),),
        must_fail=("test_train_step_on_a_chain_worked_by_hand", "test_train_step_matches_reference[8]"),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_output_delta_matches_reference[float64-sigmoid]",
        ),
    ),
    Mistake(
        "hidden ReLU forgotten in the two-layer forward pass",
        "backprop.py",
        "hidden_layer_linear",
        (("    a1 = relu(z1)\n    z2", "    a1 = z1\n    z2"),),
        must_fail=(
            "test_train_step_matches_reference[8]",
            "test_train_step_gradients_pass_finite_difference_check",
        ),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_hidden_delta_matches_reference[float64-relu]",
        ),
    ),
    Mistake(
        "the loss over the outputs' count",
        "backprop.py",
        "loss_divided_by_outputs",
        ((LOSS, "return float(((y_hat - y) ** 2).sum() / len(y_hat[0]))"),),
        must_fail=(
            "test_loss_sums_the_outputs_and_averages_the_examples",
            "test_train_step_on_a_chain_worked_by_hand",
        ),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_train_step_gradients_pass_finite_difference_check",
        ),
    ),
    Mistake(
        "dW2 from the inputs",
        "backprop.py",
        "output_layer_gradient_from_X",
        (("weight_gradients(delta2, a1)", "weight_gradients(delta2, np.asarray(X))"),),
        must_fail=("test_train_step_on_a_chain_worked_by_hand",),
        must_pass=("activations", "deep", "gradcheck", "test_backprop_pieces_pass_finite_difference_check"),
        named_errors=("test_train_step_matches_reference[1]",),
    ),
    Mistake(
        "dW2 from the hidden pre-activation",
        "backprop.py",
        "output_layer_gradient_from_pre_activation",
        (("weight_gradients(delta2, a1)", "weight_gradients(delta2, z1)"),),
        must_fail=(
            "test_train_step_matches_reference[8]",
            "test_train_step_gradients_pass_finite_difference_check",
        ),
        must_pass=("activations", "deep", "gradcheck", "test_train_step_on_a_chain_worked_by_hand"),
    ),
    Mistake(
        "the hidden slope at the output's z",
        "backprop.py",
        "train_step_hidden_slope_at_output",
        ((STEP_HIDDEN_DELTA, STEP_HIDDEN_DELTA.replace("z1,", "z2,")),),
        must_fail=("test_train_step_on_a_chain_worked_by_hand",),
        must_pass=("activations", "deep", "gradcheck", "test_hidden_delta_matches_reference[float64-relu]"),
        named_errors=("test_train_step_matches_reference[8]", "test_train_step_leaves_inputs_alone"),
    ),
    Mistake(
        "no biases in the two-layer forward pass",
        "backprop.py",
        "forward_without_biases",
        (
            ('@ params["W1"].T + params["b1"]', '@ params["W1"].T'),
            ('@ params["W2"].T + params["b2"]', '@ params["W2"].T'),
        ),
        must_fail=("test_train_step_matches_reference[8]", "test_train_step_on_a_chain_worked_by_hand"),
        must_pass=("activations", "deep", "gradcheck", "test_backprop_pieces_pass_finite_difference_check"),
    ),
    Mistake(
        "the hidden activation at the deep output",
        "deep.py",
        "hidden_activation_at_deep_output",
        (('a = activate(z, "sigmoid" if layer == last else activation)', "a = activate(z, activation)"),),
        must_fail=("test_matches_reference[relu]", "test_gradients_pass_finite_difference_check[relu]"),
        must_pass=("activations", "backprop", "gradcheck", "test_matches_reference[sigmoid]"),
    ),
    Mistake(
        "no biases in the deep forward pass",
        "deep.py",
        "deep_forward_without_biases",
        (("z = a @ np.asarray(W).T + b", "z = np.dot(a, np.transpose(W))"),),
        must_fail=("test_matches_reference[sigmoid]", "test_chain_of_single_units_worked_by_hand[sigmoid]"),
        must_pass=("activations", "backprop", "gradcheck"),
    ),
    Mistake(
        "mirrored sigmoid",
        "activations.py",
        "sigmoid_mirrored",
        (
            (
                "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
                "np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))",
            ),
        ),
        must_fail=(
            "test_lesson_example[sigmoid neuron: y_hat]",
            "test_matches_reference[float64-sigmoid]",
            "test_train_step_matches_reference[8]",
        ),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-sigmoid_prime]",
            "test_matches_reference[float64-relu]",
        ),
    ),
    Mistake(
        "output delta divided by n",
        "backprop.py",
        "output_delta_averaged",
        ((OUTPUT_DELTA, OUTPUT_DELTA + " / len(y_hat)"),),
        must_fail=(
            "test_output_delta_matches_reference[float64-sigmoid]",
            "test_train_step_matches_reference[8]",
            "test_matches_reference[sigmoid]",
        ),
        must_pass=("activations", "gradcheck", "test_train_step_matches_reference[1]"),
    ),
    sigmoid_prime_returning("sigmoid' with a plus: s(1 + s)", "sigmoid_prime_plus", "s * (1 + s)"),
    Mistake(
        "ReLU' with the comparison reversed",
        "activations.py",
        "relu_prime_reversed",
        (("return (z > 0).astype(z.dtype)", "return (z < 0).astype(z.dtype)"),),
        must_fail=("test_relu_prime_is_zero_at_zero_and_below", "test_matches_reference[float64-relu_prime]"),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-relu]",
            "test_matches_reference[float64-tanh_prime]",
        ),
    ),
    Mistake(
        "ReLU by np.minimum",
        "activations.py",
        "relu_with_np_minimum",
        (("return np.maximum(z, 0.0).astype(z.dtype, copy=False)", "return np.minimum(z, 0)"),),
        must_fail=("test_matches_reference[float64-relu]", "test_lesson_example[ReLU neuron: y_hat]"),
        must_pass=("gradcheck", "test_matches_reference[float64-relu_prime]"),
    ),
    Mistake(
        "tanh' with a plus: 1 + tanh²",
        "activations.py",
        "tanh_prime_plus_square",
        ((TANH_PRIME, "return 1 + np.tanh(z) ** 2"),),
        must_fail=(EVEN_TANH_PRIME, "test_matches_reference[float32-tanh_prime]"),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-sigmoid_prime]",
            "test_matches_reference[sigmoid]",
        ),
    ),
    Mistake(
        "tanh' with * for **",
        "activations.py",
        "tanh_prime_times_two",
        ((TANH_PRIME, "return 1.0 - np.tanh(z) * 2"),),
        must_fail=(EVEN_TANH_PRIME, "test_matches_reference[float64-tanh_prime]"),
        must_pass=("gradcheck", "test_matches_reference[float64-relu_prime]", "test_matches_reference[relu]"),
    ),
    Mistake(
        "the loss as the square of the summed errors",
        "backprop.py",
        "loss_square_of_the_sum",
        ((LOSS, "return float(np.sum(y_hat - y) ** 2 / y_hat.shape[0])"),),
        must_fail=(
            "test_loss_sums_the_outputs_and_averages_the_examples",
            "test_squared_error_sums_outputs_and_averages_examples[float64]",
        ),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_output_delta_matches_reference[float64-sigmoid]",
        ),
    ),
    Mistake(
        "the output delta as the loss itself",
        "backprop.py",
        "output_delta_of_the_loss",
        ((OUTPUT_DELTA, "return (y_hat - np.asarray(y)) ** 2 * activation_prime(z, activation)"),),
        must_fail=(
            "test_lesson_example[sigmoid neuron: delta]",
            "test_output_delta_matches_reference[float64-sigmoid]",
        ),
        must_pass=("activations", "gradcheck", "test_hidden_delta_matches_reference[float64-relu]"),
    ),
    Mistake(
        "n from a_prev's width",
        "backprop.py",
        "batch_size_from_inputs",
        (("n = delta.shape[0]", "n = a_prev.shape[1]"),),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_lesson_example[two-layer output: gradients]",
        ),
        must_pass=("activations", "gradcheck", "test_lesson_example[sigmoid neuron: gradients]"),
    ),
    # the other forms of three mistakes (Misconception.other_forms): n on the wrong axis, with db
    # written the other way, and the hidden layer left linear by the output layer reading z1 while
    # a1 = relu(z1) is computed
    Mistake(
        "n from a_prev's width, db its sum over n",
        "backprop.py",
        "batch_size_from_inputs",
        (
            ("n = delta.shape[0]", "n = a_prev.shape[1]"),
            (WEIGHT_GRADIENTS, "return delta.T @ a_prev / n, delta.sum(axis=0) / n"),
        ),
        must_fail=(
            "test_weight_gradients_average_over_the_batch[float64]",
            "test_lesson_example[two-layer output: gradients]",
            "test_gradients_of_one_example_twice_are_that_examples",
        ),
        must_pass=("activations", "gradcheck", "test_output_delta_matches_reference[float64-sigmoid]"),
    ),
    Mistake(
        "n counted across the units in dW, db the mean",
        "backprop.py",
        "batch_size_from_units",
        (("n = delta.shape[0]", "n = delta.shape[-1]"),),
        must_fail=("test_weight_gradients_average_over_the_batch[float64]", "test_matches_reference[relu]"),
        must_pass=("activations", "gradcheck", "test_hidden_delta_matches_reference[float64-relu]"),
    ),
    Mistake(
        "the output layer reading z1",
        "backprop.py",
        "hidden_layer_linear",
        (('z2 = a1 @ params["W2"].T + params["b2"]', 'z2 = z1 @ params["W2"].T + params["b2"]'),),
        must_fail=("test_train_step_matches_reference[8]", "test_train_step_reports_loss_before_update"),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_weight_gradients_average_over_the_batch[float64]",
        ),
    ),
    Mistake(
        "train_step giving output_delta the target first",
        "backprop.py",
        "train_step_target_first",
        ((STEP_OUTPUT_DELTA, 'delta2 = output_delta(Y, y_hat, z2, "sigmoid")'),),
        must_fail=("test_train_step_lowers_the_loss_it_reports", "test_train_step_matches_reference[8]"),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_output_delta_matches_reference[float64-sigmoid]",
        ),
    ),
    Mistake(
        "train_step taking the output slope at y_hat",
        "backprop.py",
        "train_step_output_slope_at_prediction",
        ((STEP_OUTPUT_DELTA, 'delta2 = output_delta(y_hat, Y, y_hat, "sigmoid")'),),
        must_fail=("test_train_step_on_a_chain_worked_by_hand", "test_train_step_matches_reference[1]"),
        must_pass=(
            "activations",
            "deep",
            "gradcheck",
            "test_output_delta_matches_reference[float64-sigmoid]",
        ),
    ),
    Mistake(
        "the central difference the wrong way round",
        "gradcheck.py",
        "central_difference_reversed",
        (("grad[index] = (f_plus - f_minus) / (2 * eps)", "grad[index] = (f_minus - f_plus) / (2 * eps)"),),
        must_fail=("test_matches_reference_on_random_points", "test_matches_exact_derivative[cubic]"),
        must_pass=("activations", "backprop", "deep"),
    ),
    Mistake(
        "deep output slope at the prediction",
        "deep.py",
        "deep_output_slope_at_prediction",
        (
            (
                'delta = output_delta(activations[-1], Y, zs[-1], "sigmoid")',
                'delta = output_delta(activations[-1], Y, activations[-1], "sigmoid")',
            ),
        ),
        must_fail=("test_single_layer_network", "test_matches_reference[identity]"),
        must_pass=("activations", "backprop", "gradcheck"),
    ),
    Mistake(
        "deep hidden deltas computed and dropped",
        "deep.py",
        "deep_delta_not_passed_back",
        (
            (
                "            delta = hidden_delta(delta, weights[layer], zs[layer - 1], activation)",
                "            hidden_delta(delta, weights[layer], zs[layer - 1], activation)",
            ),
        ),
        must_fail=("test_chain_of_single_units_worked_by_hand[sigmoid]", "test_matches_reference[tanh]"),
        must_pass=("activations", "backprop", "gradcheck", "test_single_layer_network"),
    ),
    Mistake(
        "deep layers' activations swapped",
        "deep.py",
        "deep_forward_activations_swapped",
        (
            (
                'a = activate(z, "sigmoid" if layer == last else activation)',
                'a = activate(z, activation if layer == last else "sigmoid")',
            ),
        ),
        must_fail=("test_matches_reference[relu]", "test_matches_reference[tanh]"),
        must_pass=("activations", "backprop", "gradcheck", "test_matches_reference[sigmoid]"),
    ),
    Mistake(
        "deep_forward appending a to zs",
        "deep.py",
        "deep_forward_outputs_kept_as_zs",
        (("        zs.append(z)\n", "        zs.append(a)\n"),),
        must_fail=("test_matches_reference[sigmoid]", "test_matches_reference[identity]"),
        must_pass=("activations", "backprop", "gradcheck"),
    ),
    Mistake(
        "deep_forward appending z to activations",
        "deep.py",
        "deep_forward_zs_kept_as_activations",
        (("        activations.append(a)\n", "        activations.append(z)\n"),),
        must_fail=("test_matches_reference[sigmoid]", "test_matches_reference[relu]"),
        must_pass=("activations", "backprop", "gradcheck"),
    ),
    sigmoid_prime_returning("sigmoid' as one minus the sigmoid", "sigmoid_prime_one_minus_sigmoid", "1 - s"),
    Mistake(
        "sigmoid' as the quotient without its square",
        "activations.py",
        "sigmoid_prime_one_minus_sigmoid",
        ((SIGMOID_PRIME, "    return np.exp(-z) / (1 + np.exp(-z))"),),
        must_fail=(
            "test_matches_reference[float64-sigmoid_prime]",
            "test_lesson_example[sigmoid neuron: sigmoid']",
            "test_output_delta_matches_reference[float64-sigmoid]",
        ),
        must_pass=(
            "gradcheck",
            "test_matches_reference[float64-sigmoid]",
            "test_matches_reference[float64-tanh_prime]",
        ),
    ),
    Mistake(
        "ReLU'(0) as a half, by np.heaviside",
        "activations.py",
        "relu_prime_half_at_zero",
        (("return (z > 0).astype(z.dtype)", "return np.heaviside(z, 0.5)"),),
        must_fail=(
            "test_lesson_example[ReLU'(0)]",
            "test_relu_prime_is_zero_at_zero_and_below",
            "test_hidden_delta_matches_reference[float64-relu]",
        ),
        must_pass=(
            "gradcheck",
            "deep",
            "test_matches_reference[float64-relu]",
            "test_lesson_example[hidden ReLU with z = -0.3]",
        ),
    ),
    Mistake(
        "tanh' as the sech, not its square",
        "activations.py",
        "tanh_prime_without_square",
        ((TANH_PRIME, "return 1.0 / np.cosh(z)"),),
        # sech is even and at most 1, as the true slope is: only the values tell them apart
        must_fail=("test_matches_reference[float64-tanh_prime]", "test_matches_reference[tanh]"),
        must_pass=("gradcheck", EVEN_TANH_PRIME, "test_lesson_example[tanh' peaks at 0]"),
    ),
    Mistake(
        "train_step's loss as the mean of every squared error",
        "backprop.py",
        "train_step_loss_written_out",
        (("loss = squared_error(y_hat, Y)", "loss = float(np.mean((y_hat - Y) ** 2))"),),
        must_fail=("test_train_step_matches_reference[1]", "test_train_step_matches_reference[8]"),
        # the parameters it returns are right: only the reported loss is off
        must_pass=(
            "activations",
            "deep",
            "test_train_step_gradients_pass_finite_difference_check",
            "test_train_step_lowers_the_loss_it_reports",
            "test_squared_error_sums_outputs_and_averages_examples[float64]",
        ),
    ),
    Mistake(
        "train_step's loss as the sum of every squared error",
        "backprop.py",
        "train_step_loss_written_out",
        (("loss = squared_error(y_hat, Y)", "loss = float(np.sum((y_hat - Y) ** 2))"),),
        must_fail=("test_train_step_on_a_chain_worked_by_hand", "test_train_step_reports_loss_before_update"),
        must_pass=("activations", "deep", "test_train_step_gradients_pass_finite_difference_check"),
    ),
    Mistake(
        "sigmoid as 1 / (1 + e^(-|z|)) for every z",
        "activations.py",
        "sigmoid_of_abs_z",
        (("    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))", "    return 1.0 / (1.0 + e)"),),
        must_fail=("test_matches_reference[float64-sigmoid]", "test_sigmoid_is_stable_at_large_inputs"),
        # the lessons' examples have z >= 0, where σ(|z|) is σ(z)
        must_pass=(
            "gradcheck",
            "test_lesson_example[sigmoid neuron: y_hat]",
            "test_lesson_example[sigmoid at 0]",
            "test_matches_reference[float64-relu]",
        ),
    ),
    Mistake(
        "train_step stepping by lr / n",
        "backprop.py",
        "train_step_lr_divided_by_n",
        ((STEP, STEP.replace("grads[key], lr)", "grads[key], lr / len(X))")),),
        must_fail=("test_train_step_matches_reference[8]", "test_train_step_on_a_chain_worked_by_hand"),
        must_pass=(
            "activations",
            "deep",
            "test_sgd_update_returns_a_new_array",
            "test_train_step_reports_loss_before_update",
        ),
    ),
    Mistake(
        "deep_gradients' loop stopping before the first layer",
        "deep.py",
        "deep_first_layer_left_out",
        (
            (
                "    for layer in reversed(range(len(weights))):",
                "    for layer in range(len(weights) - 1, 0, -1):",
            ),
        ),
        must_fail=("test_gradients_are_shaped_like_parameters", "test_matches_reference[sigmoid]"),
        must_pass=("activations", "backprop", "gradcheck"),
    ),
    Mistake(
        "the loss as the errors' norm, not squared",
        "backprop.py",
        "loss_norm_not_squared",
        ((LOSS, "return float(np.linalg.norm(y_hat - y) / y_hat.shape[0])"),),
        must_fail=(
            "test_lesson_example[linear model: loss]",
            "test_squared_error_sums_outputs_and_averages_examples[float64]",
        ),
        must_pass=("activations", "deep", "test_train_step_gradients_pass_finite_difference_check"),
    ),
    Mistake(
        "deep_gradients taking each layer's gradients after sending its delta back",
        "deep.py",
        "deep_gradients_after_the_delta_moved_on",
        (
            (
                "        grads[layer] = weight_gradients(delta, activations[layer])\n"
                "        if layer > 0:\n"
                "            delta = hidden_delta(delta, weights[layer], zs[layer - 1], activation)\n",
                "        if layer > 0:\n"
                "            delta = hidden_delta(delta, weights[layer], zs[layer - 1], activation)\n"
                "        grads[layer] = weight_gradients(delta, activations[layer])\n",
            ),
        ),
        must_fail=("test_matches_reference[sigmoid]", "test_chain_of_single_units_worked_by_hand[relu]"),
        # one layer has nothing above it to get wrong
        must_pass=("activations", "backprop", "gradcheck", "test_single_layer_network"),
    ),
)
