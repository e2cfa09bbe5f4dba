"""Hidden tests of deep.py: every layer against the reference and against finite differences."""

import numpy as np
import pytest

from grader.cases import deep_problem
from grader.compare import assert_close
from grader.gradient_check import assert_gradients_match, deep_layer_gradients, deep_numeric_gradients
from grader.student_calls import deep_gradients_of

ACTIVATIONS = ["sigmoid", "relu", "tanh", "identity"]


def _assert_layers_close(got, want, what):
    for layer, (mine, theirs) in enumerate(zip(got, want, strict=False), start=1):
        assert_close(mine[0], theirs[0], f"{what}: dW of layer {layer}")
        assert_close(mine[1], theirs[1], f"{what}: db of layer {layer}")


@pytest.mark.points(2)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_matches_reference(student, ref, rng, activation):
    """Does every layer's (dW, db) match the reference, for each hidden activation?"""
    for sizes, n in [([3, 4, 2], 5), ([2, 5, 4, 3, 1], 7), ([4, 3, 3, 3, 3, 2], 1)]:
        weights, biases, X, Y = deep_problem(rng, sizes, n)
        _, got = deep_gradients_of(student, weights, biases, X, Y, activation)
        _assert_layers_close(
            got,
            ref.deep_gradients(weights, biases, X, Y, activation),
            f"{activation} network of widths {sizes} with n={n}",
        )


def _smooth_problem(ref, rng, sizes, n, activation):
    """A problem whose ReLU pre-activations all stay clear of the kink at 0."""
    for _ in range(200):
        problem = deep_problem(rng, sizes, n)
        zs, _ = ref.deep_forward(*problem[:3], activation)
        if activation != "relu" or min(np.min(np.abs(z)) for z in zs[:-1]) > 1e-2:
            return problem
    raise RuntimeError("no problem away from ReLU's kink")


@pytest.mark.points(4)
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_gradients_pass_finite_difference_check(student, ref, rng, activation):
    """Does each layer's gradient agree with finite differences of the loss?"""
    weights, biases, X, Y = _smooth_problem(ref, rng, [3, 4, 4, 2], 4, activation)
    _, got = deep_gradients_of(student, weights, biases, X, Y, activation)
    assert_gradients_match(
        deep_layer_gradients(got),
        deep_numeric_gradients(ref, weights, biases, X, Y, activation),
        f"deep_gradients ({activation} hidden layers)",
    )


# 1 point; its other point went to the public test_chain_of_single_units_worked_by_hand (0.5 a chain)
@pytest.mark.points(1)
def test_single_layer_network(student, ref, rng):
    """With one layer (just the sigmoid output), is the gradient still right?"""
    weights, biases, X, Y = deep_problem(rng, [3, 2], 4)
    _, got = deep_gradients_of(student, weights, biases, X, Y, "relu")
    _assert_layers_close(got, ref.deep_gradients(weights, biases, X, Y, "relu"), "a one-layer network")
