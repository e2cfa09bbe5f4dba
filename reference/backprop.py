"""Backpropagation for a fully connected network, one piece at a time.

Conventions used in every function (batch first):
    X       (n, d_in)        n examples, one per row
    W       (d_out, d_in)    weights of one layer
    b       (d_out,)         biases of one layer
    Z       (n, d_out)       pre-activations, Z = A_prev @ W.T + b
    A       (n, d_out)       activations, A = f(Z)
    Y, Ŷ    (n, k)           targets and predictions

Loss: squared error summed over the k outputs and averaged over the n examples,
    L = (1/n) Σ_examples Σ_outputs (ŷ − y)²
A delta is ∂L/∂Z for one example, so deltas carry no 1/n; the 1/n appears only
when the per-example gradients are averaged in weight_gradients.
"""

import numpy as np
from activations import activation_prime, check_activation, relu, sigmoid


def squared_error(y_hat, y):
    """Loss L = (1/n) Σ_examples Σ_outputs (ŷ − y)², returned as a Python float.

    y_hat, y: arrays of shape (n, k).
    Example: y_hat = [[1.1]], y = [[2.0]] gives (1.1 − 2)² = 0.81.
    """
    ### BEGIN SOLUTION
    y_hat = np.asarray(y_hat, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.sum((y_hat - y) ** 2) / y_hat.shape[0])
    ### END SOLUTION


def output_delta(y_hat, y, z, activation="sigmoid"):
    """Error signal of the output layer, δ = ∂L/∂z = 2(ŷ − y) ⊙ f'(z), per example.

    y_hat, y, z: arrays of shape (n, k); z is the output layer's pre-activation
    and ŷ = f(z). activation names f: "sigmoid", "relu", "tanh" or "identity".
    Returns an array of shape (n, k). No 1/n here.
    Raises ValueError for an unknown activation name.
    """
    ### BEGIN SOLUTION
    check_activation(activation)
    y_hat = np.asarray(y_hat)
    return 2.0 * (y_hat - np.asarray(y)) * activation_prime(z, activation)
    ### END SOLUTION


def hidden_delta(delta_next, W_next, z, activation="relu"):
    """Error signal of a hidden layer, δ = (δ_next @ W_next) ⊙ f'(z).

    delta_next: (n, k) deltas of the layer above.
    W_next:     (k, d) weights of the layer above (the ones that read this layer).
    z:          (n, d) this layer's pre-activation.
    Returns an array of shape (n, d). Multiplying by W_next (that is, by the
    transpose of how the forward pass used it) sends each output's error back
    to the hidden units that fed it, weighted by the connection.
    Raises ValueError for an unknown activation name.
    """
    ### BEGIN SOLUTION
    check_activation(activation)
    return (np.asarray(delta_next) @ np.asarray(W_next)) * activation_prime(z, activation)
    ### END SOLUTION


def weight_gradients(delta, a_prev):
    """Gradients of the loss for one layer's weights and biases, averaged over the batch.

    delta:  (n, d_out) this layer's deltas.
    a_prev: (n, d_in)  the activations that fed this layer (X for the first layer).
    Returns (dW, db):
        dW = deltaᵀ @ a_prev / n      shape (d_out, d_in), the shape of W
        db = mean of delta over n     shape (d_out,),      the shape of b
    """
    ### BEGIN SOLUTION
    delta = np.asarray(delta)
    a_prev = np.asarray(a_prev)
    n = delta.shape[0]
    return delta.T @ a_prev / n, delta.mean(axis=0)
    ### END SOLUTION


def sgd_update(param, grad, lr):
    """One gradient-descent step: return param − lr · grad as a new array.

    param, grad: arrays of the same shape; lr: the learning rate η (a float).
    Neither input is modified.
    """
    ### BEGIN SOLUTION
    return np.asarray(param) - lr * np.asarray(grad)
    ### END SOLUTION


def forward(params, X):
    """Forward pass of the two-layer network used by train_step (a helper, not graded alone).

    params: dict with W1 (h, d), b1 (h,), W2 (k, h), b2 (k,).
    X: (n, d). Returns (z1, a1, z2, y_hat):
        z1 = X @ W1.T + b1        (n, h)    a1 = relu(z1)
        z2 = a1 @ W2.T + b2       (n, k)    y_hat = sigmoid(z2)
    """
    ### BEGIN SOLUTION
    z1 = np.asarray(X) @ params["W1"].T + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"].T + params["b2"]
    return z1, a1, z2, sigmoid(z2)
    ### END SOLUTION


def train_step(params, X, Y, lr):
    """One step of gradient descent on the two-layer network (ReLU hidden, sigmoid output).

    params: dict with keys W1 (h, d), b1 (h,), W2 (k, h), b2 (k,).
    X: (n, d) inputs; Y: (n, k) targets; lr: learning rate η.
    Returns (new_params, loss): a new dict with the same keys holding the
    updated arrays, and the loss *before* the update as a float. params, X and
    Y are left unchanged.
    """
    ### BEGIN SOLUTION
    z1, a1, z2, y_hat = forward(params, X)
    loss = squared_error(y_hat, Y)
    delta2 = output_delta(y_hat, Y, z2, "sigmoid")
    delta1 = hidden_delta(delta2, params["W2"], z1, "relu")
    grads = {}
    grads["W1"], grads["b1"] = weight_gradients(delta1, X)
    grads["W2"], grads["b2"] = weight_gradients(delta2, a1)
    new_params = {key: sgd_update(params[key], grads[key], lr) for key in ("W1", "b1", "W2", "b2")}
    return new_params, loss
    ### END SOLUTION
