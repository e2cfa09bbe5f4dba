"""Hidden tests of backprop.py: loss, deltas, gradients, updates and a full training step."""

import numpy as np
import pytest

from grader.cases import layer_problem, two_layer_problem
from grader.compare import (
    as_numeric_array,
    as_pair,
    assert_close,
    assert_computes_something,
    assert_unchanged,
)
from grader.exercise_api import GRADIENT_PAIR, TWO_LAYER_PARAMS
from grader.gradient_check import assert_gradients_match, implied_gradients, two_layer_numeric_gradients
from grader.student_calls import train_step_of

ACTIVATIONS = ["sigmoid", "relu", "tanh", "identity"]
#: (n, d_in, d_out): a single example, square and non-square layers
SHAPES = [(1, 3, 2), (4, 3, 5), (6, 2, 2), (9, 5, 1)]


# 0.5 points a dtype, and the public test_loss_sums_the_outputs_and_averages_the_examples 1 more
@pytest.mark.points(0.5)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_squared_error_sums_outputs_and_averages_examples(student, ref, rng, dtype):
    """Is the loss summed over the outputs and averaged over the n examples?"""
    for n, k in [(1, 1), (1, 3), (5, 1), (4, 3)]:
        y_hat, y = rng.uniform(size=(n, k)).astype(dtype), rng.uniform(size=(n, k)).astype(dtype)
        got = student.squared_error(y_hat, y)
        assert np.ndim(got) == 0, f"squared_error should return one number, got shape {np.shape(got)}"
        assert_close(got, ref.squared_error(y_hat, y), f"squared_error for n={n}, k={k}", inputs=y)


@pytest.mark.points(0.5)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_output_delta_matches_reference(student, ref, rng, activation, dtype):
    """Is the output delta 2(ŷ − y) times the activation's derivative, example by example?"""
    for n, _, k in SHAPES:
        p = layer_problem(rng, n, 2, k, dtype)
        z = p["z"]
        z.reshape(-1)[0] = 0.0  # ReLU'(0) must be 0
        y_hat = ref.activate(z, activation)
        got = student.output_delta(y_hat, p["y"], z, activation=activation)
        want = ref.output_delta(y_hat, p["y"], z, activation=activation)
        assert_close(got, want, f"output_delta with {activation} for n={n}, k={k}", inputs=z)


@pytest.mark.points(0.5)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_hidden_delta_matches_reference(student, ref, rng, activation, dtype):
    """Does the hidden delta send δ_next back through W_next (not its transpose) and apply f'(z)?"""
    for n, d_in, d_out in SHAPES:
        p = layer_problem(rng, n, d_in, d_out, dtype)
        z = p["z"]
        z.reshape(-1)[-1] = 0.0
        got = student.hidden_delta(p["delta_next"], p["W_next"], z, activation=activation)
        want = ref.hidden_delta(p["delta_next"], p["W_next"], z, activation=activation)
        assert_close(
            got,
            want,
            f"hidden_delta with {activation}, delta_next {p['delta_next'].shape} "
            f"and W_next {p['W_next'].shape}",
            inputs=z,
        )


# 1.5 points a dtype, and the public test_gradients_of_one_example_twice_are_that_examples 1 more
@pytest.mark.points(1.5)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_weight_gradients_average_over_the_batch(student, ref, rng, dtype):
    """Are dW = δᵀ·a_prev / n (shape of W) and db = mean of δ (shape of b)?"""
    for n, d_in, d_out in SHAPES:
        p = layer_problem(rng, n, d_in, d_out, dtype)
        got = as_pair(student.weight_gradients(p["delta"], p["a_prev"]), "weight_gradients")
        want = ref.weight_gradients(p["delta"], p["a_prev"])
        for part, name in enumerate(GRADIENT_PAIR):
            assert_close(
                got[part],
                want[part],
                f"weight_gradients {name} for n={n}, delta {p['delta'].shape}, a_prev {p['a_prev'].shape}",
                inputs=p["delta"],
            )


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_sgd_update_steps_against_the_gradient(student, ref, rng, dtype):
    """Does sgd_update return param − lr·grad as a new array and leave its inputs alone?"""
    for shape in [(1,), (3, 2), (4,)]:
        param, grad = rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype)
        outcome = student.call_or_raise("sgd_update", param, grad, 0.05)
        assert_close(
            outcome.result, ref.sgd_update(param, grad, 0.05), f"sgd_update on shape {shape}", inputs=param
        )
        assert_unchanged(param, outcome.args_after[0], "param passed to sgd_update")
        assert_unchanged(grad, outcome.args_after[1], "grad passed to sgd_update")


@pytest.mark.points(3)
@pytest.mark.parametrize("n", [1, 8])
def test_train_step_matches_reference(student, ref, rng, n):
    """Does one training step give the reference's new weights and loss?"""
    params, X, Y = two_layer_problem(rng, n, 3, 4, 2)
    _, new, loss = train_step_of(student, params, X, Y, 0.5)
    want, want_loss = ref.train_step(params, X, Y, 0.5)
    for key in TWO_LAYER_PARAMS:
        assert_close(new[key], want[key], f"train_step's new {key} (n={n})")
    assert_close(loss, want_loss, f"train_step's loss (n={n})")


# 1 point, and the public test_train_step_lowers_the_loss_it_reports 1 more
@pytest.mark.points(1)
def test_train_step_reports_loss_before_update(student, ref, rng):
    """Is the loss the one of the parameters passed in, not of the updated ones?"""
    params, X, Y = two_layer_problem(rng, 5, 2, 3, 1)
    _, new, loss = train_step_of(student, params, X, Y, 1.0)
    before = ref.squared_error(ref.forward(params, X)[-1], Y)
    after = ref.squared_error(ref.forward(new, X)[-1], Y)
    if np.isclose(loss, after, rtol=1e-9) and not np.isclose(loss, before, rtol=1e-9):
        raise AssertionError(
            "train_step returned the loss after the update; return the loss of the forward pass"
        )
    assert_close(loss, before, "train_step's loss")


# 1.5 points, and the public test_sgd_update_returns_a_new_array 0.5 more
@pytest.mark.points(1.5)
def test_train_step_leaves_inputs_alone(student, rng):
    """Are params, X and Y unchanged after train_step?"""
    params, X, Y = two_layer_problem(rng, 4, 3, 3, 2)
    outcome, _, loss = train_step_of(student, params, X, Y, 0.1)
    assert_computes_something(loss, "the loss train_step returned on a random problem")
    after_params, after_X, after_Y = outcome.args_after[:3]
    for key in TWO_LAYER_PARAMS:
        assert_unchanged(params[key], after_params[key], f"params[{key!r}]")
    assert_unchanged(X, after_X, "X")
    assert_unchanged(Y, after_Y, "Y")


# 4.5 points, and the public test_train_step_on_a_chain_worked_by_hand 0.5 more
@pytest.mark.points(4.5)
def test_train_step_gradients_pass_finite_difference_check(student, ref, rng):
    """Do the gradients train_step steps along agree with finite differences of the loss?"""
    lr = 0.1
    params, X, Y = two_layer_problem(rng, 6, 3, 4, 2)
    _, new, _ = train_step_of(student, params, X, Y, lr)
    assert_gradients_match(
        implied_gradients(params, new, lr),
        two_layer_numeric_gradients(ref, params, X, Y),
        "the gradients implied by train_step ((param − new) / lr)",
    )


@pytest.mark.points(5)
def test_backprop_pieces_pass_finite_difference_check(student, ref, rng):
    """Chained by hand, do output_delta, hidden_delta and weight_gradients give the true gradient?"""
    params, X, Y = two_layer_problem(rng, 5, 3, 4, 2)
    z1, a1, z2, y_hat = ref.forward(params, X)
    delta2 = as_numeric_array(student.output_delta(y_hat, Y, z2, activation="sigmoid"), "output_delta")
    delta1 = as_numeric_array(
        student.hidden_delta(delta2, params["W2"], z1, activation="relu"), "hidden_delta"
    )
    grads = {}
    grads["W1"], grads["b1"] = as_pair(student.weight_gradients(delta1, X), "weight_gradients")
    grads["W2"], grads["b2"] = as_pair(student.weight_gradients(delta2, a1), "weight_gradients")
    assert_gradients_match(
        grads, two_layer_numeric_gradients(ref, params, X, Y), "your layer-by-layer gradients"
    )
