"""Activation functions and their derivatives.

Every function here is elementwise: it takes a float or a NumPy array of any
shape and returns a float array of the same shape (a 0-d array for a float).
float32 input may come back as float32 or float64; integer input, as floats.
No function modifies its input.
"""

import numpy as np

ACTIVATIONS = ("sigmoid", "relu", "tanh", "identity")


def as_float_array(z):
    """Return z as a floating-point array without copying when it already is one."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return z


def sigmoid(z):
    """Logistic sigmoid σ(z) = 1 / (1 + e^(−z)).

    z: float or array of any shape. Returns an array of the same shape with
    values in [0, 1].

    It must be numerically stable: sigmoid(1000.0) is 1.0 and sigmoid(-1000.0)
    is 0.0 with no overflow warning. e^(−z) overflows for z ≪ 0, so compute
    through e^(−|z|), which never exceeds 1:
        z ≥ 0:  σ(z) = 1 / (1 + e^(−z))
        z < 0:  σ(z) = e^(z) / (1 + e^(z))
    """
    raise NotImplementedError("sigmoid: write your solution here")


def sigmoid_prime(z):
    """Derivative of the sigmoid: σ'(z) = σ(z) · (1 − σ(z)).

    z: float or array of any shape (the pre-activation, not σ(z)).
    Returns an array of the same shape. Its largest value is 0.25, at z = 0.
    """
    raise NotImplementedError("sigmoid_prime: write your solution here")


def relu(z):
    """Rectified linear unit: relu(z) = max(z, 0), elementwise.

    z: float or array of any shape. Returns an array of the same shape.
    """
    raise NotImplementedError("relu: write your solution here")


def relu_prime(z):
    """Derivative of ReLU: 1.0 where z > 0, else 0.0 (so relu_prime(0) is 0).

    z: float or array of any shape. Returns a float array of the same shape.
    """
    raise NotImplementedError("relu_prime: write your solution here")


def tanh_prime(z):
    """Derivative of tanh: tanh'(z) = 1 − tanh²(z).

    z: float or array of any shape. Returns an array of the same shape. Its
    largest value is 1, at z = 0.
    """
    raise NotImplementedError("tanh_prime: write your solution here")


# Given helpers: they pick an activation by name so that the backprop functions
# can take activation="sigmoid" | "relu" | "tanh" | "identity".


def check_activation(name):
    """Raise ValueError unless name is one of ACTIVATIONS."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; use one of: {', '.join(ACTIVATIONS)}")


def activate(z, name):
    """Apply the activation called name to z (same shape as z)."""
    check_activation(name)
    if name == "sigmoid":
        return sigmoid(z)
    if name == "relu":
        return relu(z)
    if name == "tanh":
        return np.tanh(as_float_array(z))
    return as_float_array(z).copy()


def activation_prime(z, name):
    """Derivative f'(z) of the activation called name (same shape as z)."""
    check_activation(name)
    if name == "sigmoid":
        return sigmoid_prime(z)
    if name == "relu":
        return relu_prime(z)
    if name == "tanh":
        return tanh_prime(z)
    return np.ones_like(as_float_array(z))
