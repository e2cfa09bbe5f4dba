"""Hidden tests of deep.py: gradients of a deep network, layer by layer."""

import numpy as np
import pytest

from grader.cases import deep_problem
from grader.compare import as_numeric_array, assert_close, assert_unchanged
from grader.gradient_check import assert_gradients_match

ACTIVATIONS = ["sigmoid", "relu", "tanh", "identity"]


def _gradients(student, weights, biases, X, Y, activation, outcome=False):
    result = student.call("deep_gradients", weights, biases, X, Y, activation=activation)
    if result.failure:
        raise AssertionError(result.failure.message)
    grads = result.result
    assert isinstance(grads, (list, tuple)), f"deep_gradients should return a list, got {type(grads).__name__}"
    assert len(grads) == len(weights), (
        f"deep_gradients returned {len(grads)} pairs for a network of {len(weights)} layers"
    )
    pairs = []
    for layer, pair in enumerate(grads, start=1):
        assert isinstance(pair, (list, tuple)) and len(pair) == 2, f"layer {layer}: expected a pair (dW, db)"
        pairs.append(tuple(as_numeric_array(part, f"layer {layer} gradient") for part in pair))
    return (pairs, result) if outcome else pairs


def _assert_layers_close(got, want, what):
    for layer, (mine, theirs) in enumerate(zip(got, want), start=1):
        assert_close(mine[0], theirs[0], f"{what}: dW of layer {layer}")
        assert_close(mine[1], theirs[1], f"{what}: db of layer {layer}")


@pytest.mark.points(2)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_matches_reference(student, ref, rng, activation):
    """Does every layer's (dW, db) match the reference, for each hidden activation?"""
    for sizes, n in [([3, 4, 2], 5), ([2, 5, 4, 3, 1], 7), ([4, 3, 3, 3, 3, 2], 1)]:
        weights, biases, X, Y = deep_problem(rng, sizes, n)
        got = _gradients(student, weights, biases, X, Y, activation)
        _assert_layers_close(got, ref.deep_gradients(weights, biases, X, Y, activation),
                             f"{activation} network of widths {sizes} with n={n}")


def _smooth_problem(ref, rng, sizes, n, activation):
    for _ in range(200):
        problem = deep_problem(rng, sizes, n)
        zs, _ = ref.deep_forward(*problem[:3], activation)
        if activation != "relu" or min(np.min(np.abs(z)) for z in zs[:-1]) > 1e-2:
            return problem
    raise RuntimeError("no problem away from ReLU's kink")


@pytest.mark.points(3)
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_gradients_pass_finite_difference_check(student, ref, rng, activation):
    """Does each layer's gradient agree with finite differences of the loss?"""
    weights, biases, X, Y = _smooth_problem(ref, rng, [3, 4, 4, 2], 4, activation)
    got = _gradients(student, weights, biases, X, Y, activation)

    def loss(ws, bs):
        return ref.squared_error(ref.deep_forward(ws, bs, X, activation)[1][-1], Y)

    analytic, numeric = {}, {}
    for layer in range(len(weights)):
        def loss_of_w(w, layer=layer):
            return loss([w if i == layer else v for i, v in enumerate(weights)], biases)

        def loss_of_b(b, layer=layer):
            return loss(weights, [b if i == layer else v for i, v in enumerate(biases)])

        numeric[f"layer {layer + 1} W"] = ref.numerical_gradient(loss_of_w, weights[layer].copy())
        numeric[f"layer {layer + 1} b"] = ref.numerical_gradient(loss_of_b, biases[layer].copy())
        analytic[f"layer {layer + 1} W"], analytic[f"layer {layer + 1} b"] = got[layer]
    assert_gradients_match(analytic, numeric, f"deep_gradients ({activation} hidden layers)")


@pytest.mark.points(1)
def test_single_layer_network(student, ref, rng):
    """With one layer (just the sigmoid output), is the gradient still right?"""
    weights, biases, X, Y = deep_problem(rng, [3, 2], 4)
    _assert_layers_close(_gradients(student, weights, biases, X, Y, "relu"),
                         ref.deep_gradients(weights, biases, X, Y, "relu"), "a one-layer network")


@pytest.mark.points(2)
def test_gradients_are_shaped_like_parameters(student, rng):
    """Is the list first layer first, each dW shaped like W and each db like b?"""
    weights, biases, X, Y = deep_problem(rng, [5, 4, 3, 2], 3)
    got = _gradients(student, weights, biases, X, Y, "tanh")
    for layer, ((dW, db), W, b) in enumerate(zip(got, weights, biases), start=1):
        assert dW.shape == W.shape, f"layer {layer}: dW has shape {dW.shape}, W has {W.shape}"
        assert db.shape == b.shape, f"layer {layer}: db has shape {db.shape}, b has {b.shape}"


@pytest.mark.points(1)
def test_leaves_inputs_alone(student, rng):
    """Are the weights, biases, X and Y unchanged afterwards?"""
    weights, biases, X, Y = deep_problem(rng, [3, 4, 2], 4)
    _, outcome = _gradients(student, weights, biases, X, Y, "sigmoid", outcome=True)
    names = ("weights", "biases", "X", "Y")
    for name, before, after in zip(names, (weights, biases, X, Y), outcome.args_after):
        if isinstance(before, list):
            for i, (b, a) in enumerate(zip(before, after)):
                assert_unchanged(b, a, f"{name}[{i}]")
        else:
            assert_unchanged(before, after, name)


@pytest.mark.points(2)
def test_sigmoid_gradients_vanish_toward_the_input(student, rng):
    """In a deep sigmoid network, do the gradient norms shrink toward the input, and far less with ReLU?"""
    sizes = [4] + [8] * 8 + [1]
    weights, biases, X, Y = deep_problem(rng, sizes, 16)
    norms = {}
    for activation in ("sigmoid", "relu"):
        got = _gradients(student, weights, biases, X, Y, activation)
        norms[activation] = [float(np.linalg.norm(dW)) for dW, _ in got]
    sigmoid_ratio = norms["sigmoid"][0] / norms["sigmoid"][-1]
    relu_ratio = norms["relu"][0] / max(norms["relu"][-1], 1e-300)
    assert sigmoid_ratio < 1e-2, (
        f"with sigmoid hidden layers the first layer's gradient should be far smaller than the last's "
        f"(each layer multiplies by σ' ≤ 0.25); yours are {norms['sigmoid'][0]:.3g} and {norms['sigmoid'][-1]:.3g}"
    )
    assert relu_ratio > 10 * sigmoid_ratio, (
        f"ReLU should keep much more of the gradient than sigmoid: first/last ratio {relu_ratio:.3g} "
        f"with ReLU against {sigmoid_ratio:.3g} with sigmoid"
    )


@pytest.mark.points(1)
def test_unknown_activation_is_rejected(student, rng):
    """Does an unknown activation name raise ValueError?"""
    weights, biases, X, Y = deep_problem(rng, [2, 3, 1], 2)
    outcome = student.call("deep_gradients", weights, biases, X, Y, activation="softmax")
    assert outcome.failure is not None and "ValueError" in outcome.failure.message, (
        "deep_gradients(..., activation='softmax') should raise ValueError"
        + (f"; {outcome.failure.message}" if outcome.failure else "")
    )
