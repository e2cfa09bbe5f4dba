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
    raise NotImplementedError("squared_error: write your solution here")


def output_delta(y_hat, y, z, activation="sigmoid"):
    """Error signal of the output layer, δ = ∂L/∂z = 2(ŷ − y) ⊙ f'(z), per example.

    y_hat, y, z: arrays of shape (n, k); z is the output layer's pre-activation
    and ŷ = f(z). activation names f: "sigmoid", "relu", "tanh" or "identity".
    Returns an array of shape (n, k). No 1/n here.
    Raises ValueError for an unknown activation name.
    """
    raise NotImplementedError("output_delta: write your solution here")


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
    raise NotImplementedError("hidden_delta: write your solution here")


def weight_gradients(delta, a_prev):
    """Gradients of the loss for one layer's weights and biases, averaged over the batch.

    delta:  (n, d_out) this layer's deltas.
    a_prev: (n, d_in)  the activations that fed this layer (X for the first layer).
    Returns (dW, db):
        dW = deltaᵀ @ a_prev / n      shape (d_out, d_in), the shape of W
        db = mean of delta over n     shape (d_out,),      the shape of b
    """
    raise NotImplementedError("weight_gradients: write your solution here")


def sgd_update(param, grad, lr):
    """One gradient-descent step: return param − lr · grad as a new array.

    param, grad: arrays of the same shape; lr: the learning rate η (a float).
    Neither input is modified.
    """
    raise NotImplementedError("sgd_update: write your solution here")


def forward(params, X):
    """Forward pass of the two-layer network used by train_step (a helper, not graded alone).

    params: dict with W1 (h, d), b1 (h,), W2 (k, h), b2 (k,).
    X: (n, d). Returns (z1, a1, z2, y_hat):
        z1 = X @ W1.T + b1        (n, h)    a1 = relu(z1)
        z2 = a1 @ W2.T + b2       (n, k)    y_hat = sigmoid(z2)
    """
    raise NotImplementedError("forward: write your solution here")


def train_step(params, X, Y, lr):
    """One step of gradient descent on the two-layer network (ReLU hidden, sigmoid output).

    params: dict with keys W1 (h, d), b1 (h,), W2 (k, h), b2 (k,).
    X: (n, d) inputs; Y: (n, k) targets; lr: learning rate η.
    Returns (new_params, loss): a new dict with the same keys holding the
    updated arrays, and the loss *before* the update as a float. params, X and
    Y are left unchanged.
    """
    raise NotImplementedError("train_step: write your solution here")
