"""Deliberately wrong implementations: a text change to the reference, and what it must cost.

must_fail: tests that must lose their points. must_pass: tests (or whole
exercises, by name) that must keep them, to show the grader blames the right
function and is not just failing everything.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    name: str
    file: str
    replacements: tuple[tuple[str, str], ...]
    must_fail: tuple[str, ...]
    must_pass: tuple[str, ...] = ()


OUTPUT_DELTA = "return 2.0 * (y_hat - np.asarray(y)) * activation_prime(z, activation)"
HIDDEN_DELTA = "return (np.asarray(delta_next) @ np.asarray(W_next)) * activation_prime(z, activation)"
SGD = "return np.asarray(param) - lr * np.asarray(grad)"

MISTAKES = (
    Mistake(
        "forgotten activation derivative in the output delta",
        "backprop.py",
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
        "forgotten activation derivative in the hidden delta",
        "backprop.py",
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
        ((SGD, "return np.asarray(param) + lr * np.asarray(grad)"),),
        must_fail=(
            "test_lesson_example[linear model: update]",
            "test_sgd_update_steps_against_the_gradient[float64]",
            "test_train_step_matches_reference[1]",
        ),
        must_pass=("activations", "gradcheck", "deep", "test_lesson_example[linear model: gradients]"),
    ),
    Mistake(
        "inputs mutated in place",
        "backprop.py",
        ((SGD, "param = np.asarray(param)\n    param -= lr * np.asarray(grad)\n    return param"),),
        must_fail=(
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
        (("x[index] = original - eps\n", "x[index] = original\n"), ("(2 * eps)", "eps")),
        must_fail=("test_matches_exact_derivative[cubic]", "test_matches_reference_on_random_points"),
        must_pass=("activations", "backprop", "deep", "test_restores_x"),
    ),
    Mistake(
        "x not restored",
        "gradcheck.py",
        (("        finally:\n            x[index] = original\n", "        finally:\n            pass\n"),),
        must_fail=("test_restores_x",),
        must_pass=("activations", "backprop", "deep"),
    ),
    Mistake(
        "naive sigmoid that overflows",
        "activations.py",
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
        (('a = activate(z, "sigmoid" if layer == last else activation)', 'a = activate(z, "sigmoid")'),),
        must_fail=("test_matches_reference[relu]", "test_gradients_pass_finite_difference_check[relu]"),
        must_pass=("activations", "backprop", "test_matches_reference[sigmoid]"),
    ),
)
