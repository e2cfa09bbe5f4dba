"""Example submission (no_batch_average): see examples/README.md."""

import numpy as np
from activations import activate, check_activation
from backprop import hidden_delta, output_delta, weight_gradients


def deep_gradients(weights, biases, X, Y, activation="sigmoid"):
    check_activation(activation)
    layers = len(weights)
    inputs, pre = [np.asarray(X)], []
    for i in range(layers):
        z = inputs[-1] @ weights[i].T + biases[i]
        pre.append(z)
        inputs.append(activate(z, "sigmoid" if i == layers - 1 else activation))
    delta = output_delta(inputs[-1], Y, pre[-1], "sigmoid")
    grads = []
    for i in range(layers - 1, -1, -1):
        grads.insert(0, weight_gradients(delta, inputs[i]))
        if i:
            delta = hidden_delta(delta, weights[i], pre[i - 1], activation)
    return grads
