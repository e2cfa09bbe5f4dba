"""Public tests of deep.py: shapes, inputs left alone, and the vanishing-gradient picture."""

import numpy as np
import pytest

from grader.cases import WORKED_CHAINS, deep_problem
from grader.compare import assert_close, assert_computes_something, assert_unchanged
from grader.student_calls import deep_gradients_of, raised_message


@pytest.mark.points(2)
def test_gradients_are_shaped_like_parameters(student, rng):
    """Is the list first layer first, each dW shaped like W and each db like b?"""
    weights, biases, X, Y = deep_problem(rng, [5, 4, 3, 2], 3)
    _, got = deep_gradients_of(student, weights, biases, X, Y, "tanh")
    for layer, ((dW, db), W, b) in enumerate(zip(got, weights, biases, strict=False), start=1):
        assert dW.shape == W.shape, f"layer {layer}: dW has shape {dW.shape}, W has {W.shape}"
        assert db.shape == b.shape, f"layer {layer}: db has shape {db.shape}, b has {b.shape}"
    assert_computes_something(
        got,
        "the list of (dW, db) deep_gradients returned for a tanh network of widths [5, 4, 3, 2]",
        given=list(zip(weights, biases, strict=True)),
    )


# 0.5 points a chain, taken from the hidden test_single_layer_network (now 1 point)
@pytest.mark.points(0.5)
@pytest.mark.parametrize("chain", WORKED_CHAINS, ids=lambda chain: chain.activation)
def test_chain_of_single_units_worked_by_hand(student, chain):
    """With one unit per layer and every number worked out by hand (the example twice, as a batch
    of 2, gives that example's gradients), is each layer's (dW, db) right?"""
    weights, biases, X, Y = chain.deep_args()
    _, got = deep_gradients_of(student, weights, biases, X, Y, chain.activation)
    for layer, ((dW, db), (want_dW, want_db)) in enumerate(zip(got, chain.gradients, strict=False), start=1):
        what = f"the {chain.activation} chain x → a1 → ŷ, its example twice ({chain.story})"
        assert_close(dW, [list(want_dW)], f"layer {layer}'s dW of {what}")
        assert_close(db, [want_db], f"layer {layer}'s db of {what}")


@pytest.mark.points(2)
def test_leaves_inputs_alone(student, rng):
    """Are the weights, biases, X and Y unchanged afterwards?"""
    weights, biases, X, Y = deep_problem(rng, [3, 4, 2], 4)
    outcome, got = deep_gradients_of(student, weights, biases, X, Y, "sigmoid")
    assert_computes_something(
        got,
        "the list of (dW, db) deep_gradients returned for a sigmoid network of widths [3, 4, 2]",
        given=list(zip(weights, biases, strict=True)),
    )
    for name, before, after in zip(
        ("weights", "biases"), (weights, biases), outcome.args_after, strict=False
    ):
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            assert_unchanged(b, a, f"{name}[{i}]")
    assert_unchanged(X, outcome.args_after[2], "X")
    assert_unchanged(Y, outcome.args_after[3], "Y")


@pytest.mark.points(2)
def test_sigmoid_gradients_vanish_toward_the_input(student, rng):
    """In a deep sigmoid network, do the gradient norms shrink toward the input, and far less with ReLU?"""
    weights, biases, X, Y = deep_problem(rng, [4] + [8] * 8 + [1], 16)
    ratios = {}
    for activation in ("sigmoid", "relu"):
        _, got = deep_gradients_of(student, weights, biases, X, Y, activation)
        norms = [float(np.linalg.norm(dW)) for dW, _ in got]
        ratios[activation] = norms[0] / max(norms[-1], 1e-300)
    assert ratios["sigmoid"] < 1e-2, (
        f"with sigmoid hidden layers the first layer's gradient should be far smaller than the last's "
        f"(each layer multiplies by σ' ≤ 0.25); first/last norm ratio is {ratios['sigmoid']:.3g}"
    )
    assert ratios["relu"] > 10 * ratios["sigmoid"], (
        f"ReLU should keep much more of the gradient than sigmoid: first/last ratio {ratios['relu']:.3g} "
        f"with ReLU against {ratios['sigmoid']:.3g} with sigmoid"
    )


@pytest.mark.points(1)
def test_unknown_activation_is_rejected(student, rng):
    """Does an unknown activation name raise ValueError?"""
    weights, biases, X, Y = deep_problem(rng, [2, 3, 1], 2)
    message = raised_message(student, "deep_gradients", weights, biases, X, Y, activation="softmax")
    assert "raised ValueError" in message, (
        f"deep_gradients(..., activation='softmax') should raise ValueError; {message}"
    )
