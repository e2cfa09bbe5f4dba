"""The student API: which files a submission holds and which functions each defines.

This is the fixed contract of the exercises; the hidden tests, the worker and
the submission checks all read it from here.
"""

from __future__ import annotations

from types import MappingProxyType

#: exercise file stem -> {function name: the signature students must keep}
EXERCISES = MappingProxyType(
    {
        "activations": {
            "sigmoid": "sigmoid(z)",
            "sigmoid_prime": "sigmoid_prime(z)",
            "relu": "relu(z)",
            "relu_prime": "relu_prime(z)",
            "tanh_prime": "tanh_prime(z)",
        },
        "backprop": {
            "squared_error": "squared_error(y_hat, y)",
            "output_delta": 'output_delta(y_hat, y, z, activation="sigmoid")',
            "hidden_delta": 'hidden_delta(delta_next, W_next, z, activation="relu")',
            "weight_gradients": "weight_gradients(delta, a_prev)",
            "sgd_update": "sgd_update(param, grad, lr)",
            "train_step": "train_step(params, X, Y, lr)",
        },
        "gradcheck": {"numerical_gradient": "numerical_gradient(f, x, eps=1e-5)"},
        "deep": {
            "deep_gradients": 'deep_gradients(weights, biases, X, Y, activation="sigmoid")',
        },
    }
)

#: points of each exercise file's hidden grade (the tests' points markers add up to these)
EXERCISE_POINTS = MappingProxyType({"activations": 20.0, "backprop": 45.0, "gradcheck": 10.0, "deep": 25.0})

EXERCISE_FILES = tuple(f"{name}.py" for name in EXERCISES)

#: the keys of train_step's params dict (the two-layer network)
TWO_LAYER_PARAMS = ("W1", "b1", "W2", "b2")
#: the two parts of a layer's gradients, in the order weight_gradients returns them
GRADIENT_PAIR = ("dW", "db")

#: function name -> exercise file stem
MODULE_OF = MappingProxyType(
    {function: module for module, functions in EXERCISES.items() for function in functions}
)


def signature_of(function: str) -> str:
    """The required signature of a student function, e.g. 'relu(z)'."""
    return EXERCISES[MODULE_OF[function]][function]
