"""Public tests of backprop.py: the lessons' worked examples, step by step."""

import numpy as np
import pytest

from grader.cases import RELU_CHAIN, case_ids, lesson_cases, two_layer_problem
from grader.compare import (
    as_pair,
    assert_close,
    assert_close_parts,
    assert_computes_something,
    assert_unchanged,
)
from grader.exercise_api import TWO_LAYER_PARAMS
from grader.student_calls import raised_message, train_step_of

ACTIVATIONS = ["sigmoid", "relu", "tanh", "identity"]
CASES = lesson_cases("squared_error", "output_delta", "hidden_delta", "weight_gradients", "sgd_update")


@pytest.mark.points(0.5)
@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_lesson_example(student, reference, case):
    """Does the function reproduce the lesson's worked example?"""
    got = getattr(student, case.function)(*case.call_args(), **case.kwargs)
    what = f"{case.function} ({case.story})"
    if reference is not None:
        assert_close_parts(got, getattr(reference, case.function)(*case.call_args(), **case.kwargs), what)
    assert_close_parts(got, case.expected, what, atol=case.atol, rtol=0)


TWO_LAYER_GRADIENTS, TWO_LAYER_UPDATE = (
    next(case for case in CASES if case.id == f"two-layer output: {what}") for what in ("gradients", "update")
)
RELU_LOSS, LINEAR_LOSS = (
    next(case for case in CASES if case.id == f"{story}: loss") for story in ("ReLU neuron", "linear model")
)


@pytest.mark.points(1)
def test_loss_sums_the_outputs_and_averages_the_examples(student):
    """Is the loss summed over a target's outputs and averaged over the examples: does the linear
    model's example twice cost what it costs once, and the two lesson examples side by side, as
    two outputs of one example, cost the sum of their losses?"""
    (y_hat, y), (y_hat_relu, y_relu) = LINEAR_LOSS.call_args(), RELU_LOSS.call_args()
    assert_close(
        student.squared_error(np.vstack([y_hat, y_hat]), np.vstack([y, y])),
        LINEAR_LOSS.expected,
        "squared_error of the linear model's example (3 against 6) handed in twice as a batch of 2 (the average "
        "of two equal losses is that loss; their sum would be twice it)",
    )
    assert_close(
        student.squared_error(np.hstack([y_hat, y_hat_relu]), np.hstack([y, y_relu])),
        LINEAR_LOSS.expected + RELU_LOSS.expected,
        "squared_error of one example with two outputs, 3 against 6 and 1.1 against 2 (the outputs' squared "
        "errors add up: 9 + 0.81; their mean would be half that)",
    )


@pytest.mark.points(1)
def test_gradients_of_one_example_twice_are_that_examples(student):
    """Are the gradients averaged over the batch: does a batch holding one example twice give that
    example's own gradients?"""
    delta, a_prev = TWO_LAYER_GRADIENTS.call_args()
    once = as_pair(student.weight_gradients(delta, a_prev), "weight_gradients")
    assert_computes_something(
        once, "the pair (dW, db) weight_gradients returned for the lesson's two-layer example"
    )
    twice = student.weight_gradients(np.vstack([delta, delta]), np.vstack([a_prev, a_prev]))
    assert_close_parts(
        twice,
        once,
        "weight_gradients of the lesson's two-layer example handed in twice as a batch of 2 (the average of "
        "two equal gradients is that gradient; their sum would be twice it)",
    )


# 0.5 points, and the hidden test_train_step_leaves_inputs_alone 1.5 more
@pytest.mark.points(0.5)
def test_sgd_update_returns_a_new_array(student):
    """Does sgd_update return the stepped parameter and leave the one it was given as it was?"""
    param, grad, lr = TWO_LAYER_UPDATE.call_args()
    outcome = student.call_or_raise("sgd_update", param, grad, lr)
    assert_close(
        outcome.result,
        TWO_LAYER_UPDATE.expected,
        f"sgd_update ({TWO_LAYER_UPDATE.story})",
        atol=TWO_LAYER_UPDATE.atol,
        rtol=0,
    )
    assert_unchanged(param, outcome.args_after[0], "param (the lesson's W2, [1.2, -0.8])")


# 0.5 points, and the hidden test_train_step_gradients_pass_finite_difference_check 4.5 more
@pytest.mark.points(0.5)
def test_train_step_on_a_chain_worked_by_hand(student):
    """On a network of one unit per layer, worked out by hand (its example twice, as a batch of 2),
    does a step with lr=0.5 report the loss (½ − 1)² = ¼ and move each parameter by −0.5 times its
    gradient? (With lr=1, W2 updated before the hidden delta would give the very W1 that ReLU' = ReLU
    gives, since W2's new value would be twice its old one and so is ReLU(z1) = 2.)"""
    chain, lr = RELU_CHAIN, 0.5
    params = chain.params()
    _, new, loss = train_step_of(student, params, *chain.deep_args()[2:], lr)
    assert_close(
        loss,
        0.25,
        "train_step's loss on the chain x → a1 → ŷ, with ŷ = ½ and y = 1 twice (the mean of (½ − 1)² = ¼)",
    )
    (dW1, db1), (dW2, db2) = chain.gradients
    gradients = {"W1": [dW1], "b1": [db1], "W2": [dW2], "b2": [db2]}
    for key, gradient in gradients.items():
        assert_close(
            new[key],
            params[key] - lr * np.array(gradient),
            f"train_step's new {key} with lr=0.5, {key} − 0.5·d{key}, on the ReLU chain ({chain.story}; every "
            "gradient comes from the parameters as they were before the step)",
        )


@pytest.mark.points(1)
def test_train_step_lowers_the_loss_it_reports(student, rng):
    """Does train_step step every parameter, report the loss from before its step (which cannot
    depend on the learning rate) and lower it with a small step?"""
    params, X, Y = two_layer_problem(rng, 4, 3, 3, 2)
    _, new, loss = train_step_of(student, params, X, Y, 0.1)
    _, unchanged, loss_at_zero = train_step_of(student, params, X, Y, 0.0)
    assert_close(
        loss,
        loss_at_zero,
        "the loss train_step returns with lr=0.1, against lr=0 (it is the loss before the step, so the "
        "learning rate cannot change it)",
    )
    for key in TWO_LAYER_PARAMS:
        assert_close(unchanged[key], params[key], f"train_step's new {key} with lr=0 (a step of length 0)")
        assert not np.allclose(new[key], params[key], rtol=1e-12, atol=0), (
            f"train_step left {key} as it was: every parameter, biases included, takes a step against its "
            "gradient"
        )
    _, _, next_loss = train_step_of(student, new, X, Y, 0.1)
    assert next_loss < loss, (
        f"after one step with lr=0.1 the loss went from {loss:.6g} to {next_loss:.6g}; a small step against "
        "the gradient lowers it (a step along the gradient raises it)"
    )


@pytest.mark.points(0.5)
@pytest.mark.parametrize("function", ["output_delta", "hidden_delta"])
def test_unknown_activation_is_rejected(student, function):
    """Does an unknown activation name raise ValueError that names the accepted ones?"""
    a = np.ones((2, 2))
    message = raised_message(student, function, a, a, a, activation="softmax")
    assert "raised ValueError" in message, (
        f"{function}(..., activation='softmax') should raise ValueError; {message}"
    )
    assert all(name in message for name in ACTIVATIONS), (
        f"the ValueError should name the accepted activations ({', '.join(ACTIVATIONS)}): {message}"
    )
