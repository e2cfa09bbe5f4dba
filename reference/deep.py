"""Gradients of a deep network: the vanishing-gradient exercise.

The network has len(weights) layers. Layer l has weights[l] of shape
(d_l, d_{l−1}) and biases[l] of shape (d_l,), with d_0 = X.shape[1].
Hidden layers use the chosen activation; the output layer is always sigmoid.
The loss is the squared error of backprop.py, L = (1/n) Σ Σ (ŷ − y)².

With sigmoid hidden layers each step back multiplies the signal by σ'(z) ≤ 0.25,
so the gradient norms shrink toward the input; with ReLU the factor is 0 or 1,
and the early layers keep much more of it.
"""

import numpy as np
from activations import activate, check_activation
from backprop import hidden_delta, output_delta, weight_gradients


def deep_forward(weights, biases, X, activation="sigmoid"):
    """Forward pass (a helper, not graded alone).

    Returns (zs, activations): zs[l] is layer l's pre-activation (n, d_l), and
    activations[l] is the input of layer l, so activations[0] is X and
    activations[-1] is the prediction ŷ (n, d_L); len(activations) = L + 1.
    """
    ### BEGIN SOLUTION
    check_activation(activation)
    a = np.asarray(X)
    zs, activations = [], [a]
    last = len(weights) - 1
    for layer, (W, b) in enumerate(zip(weights, biases)):
        z = a @ np.asarray(W).T + b
        a = activate(z, "sigmoid" if layer == last else activation)
        zs.append(z)
        activations.append(a)
    return zs, activations
    ### END SOLUTION


def deep_gradients(weights, biases, X, Y, activation="sigmoid"):
    """Backpropagate through every layer.

    weights: list of L arrays, weights[l] of shape (d_l, d_{l−1}).
    biases:  list of L arrays, biases[l] of shape (d_l,).
    X: (n, d_0) inputs; Y: (n, d_L) targets.
    activation: the hidden layers' activation ("sigmoid", "relu", "tanh" or
    "identity"); the output layer is sigmoid.
    Returns a list of L pairs (dW, db), first layer first, dW shaped like
    weights[l] and db like biases[l].
    Raises ValueError for an unknown activation name.
    """
    ### BEGIN SOLUTION
    zs, activations = deep_forward(weights, biases, X, activation)
    delta = output_delta(activations[-1], Y, zs[-1], "sigmoid")
    grads = [None] * len(weights)
    for layer in reversed(range(len(weights))):
        grads[layer] = weight_gradients(delta, activations[layer])
        if layer > 0:
            delta = hidden_delta(delta, weights[layer], zs[layer - 1], activation)
    return grads
    ### END SOLUTION
