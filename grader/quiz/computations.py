"""Expected answers of computed questions, worked out with the reference implementation.

Each computation takes the reference namespace and the student's drawn numbers
and returns every quantity a question may ask for. A single neuron is the
n = 1, one-input, one-output case of the exercise functions: X = [[x]],
W = [[w]], b = [b].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def _neuron(ref: Any, activation: str, x: float, w: float, b: float, y: float, lr: float) -> dict[str, float]:
    X, W, B, Y = np.array([[x]]), np.array([[w]]), np.array([b]), np.array([[y]])
    z = X @ W.T + B
    y_hat = ref.activate(z, activation)
    delta = ref.output_delta(y_hat, Y, z, activation)
    dW, db = ref.weight_gradients(delta, X)
    return {
        "z": float(z[0, 0]),
        "y_hat": float(y_hat[0, 0]),
        "loss": ref.squared_error(y_hat, Y),
        "delta": float(delta[0, 0]),
        "dL_dw": float(dW[0, 0]),
        "dL_db": float(db[0]),
        "w_new": float(ref.sgd_update(W, dW, lr)[0, 0]),
        "b_new": float(ref.sgd_update(B, db, lr)[0]),
    }


def sigmoid_neuron(ref: Any, x: float, w: float, b: float, y: float, lr: float) -> dict[str, float]:
    """One sigmoid neuron, one example: forward, loss, gradients, one update."""
    return _neuron(ref, "sigmoid", x, w, b, y, lr)


def relu_neuron(ref: Any, x: float, w: float, b: float, y: float, lr: float) -> dict[str, float]:
    """One ReLU neuron, one example: forward, loss, gradients, one update."""
    return _neuron(ref, "relu", x, w, b, y, lr)


def linear_descent(ref: Any, x: float, y: float, w: float, lr: float) -> dict[str, float]:
    """ŷ = w·x (no bias): the weight after one and after two gradient steps, and the losses."""
    out: dict[str, float] = {}
    for step in (1, 2):
        result = _neuron(ref, "identity", x, w, 0.0, y, lr)
        out[f"loss{step - 1}"] = result["loss"]
        w = result["w_new"]
        out[f"w{step}"] = w
    return out


def half_convention(ref: Any, y_hat: float, y: float) -> dict[str, float]:
    """A sigmoid output's delta under L = (ŷ − y)² and under L = ½(ŷ − y)²."""
    z = np.log(y_hat / (1 - y_hat))
    delta = float(ref.output_delta(np.array([[y_hat]]), np.array([[y]]), np.array([[z]]), "sigmoid")[0, 0])
    return {"delta": delta, "delta_half": delta / 2}


def minibatch(ref: Any, x1: float, x2: float, y1: float, y2: float, w: float) -> dict[str, float]:
    """ŷ = w·x on a batch of two examples: the loss and the batch-averaged gradient."""
    X, Y, W = np.array([[x1], [x2]]), np.array([[y1], [y2]]), np.array([[w]])
    y_hat = X @ W.T
    delta = ref.output_delta(y_hat, Y, y_hat, "identity")
    dW, _ = ref.weight_gradients(delta, X)
    return {"loss": ref.squared_error(y_hat, Y), "dL_dw": float(dW[0, 0])}


COMPUTATIONS: dict[str, Callable[..., dict[str, float]]] = {
    "sigmoid_neuron": sigmoid_neuron,
    "relu_neuron": relu_neuron,
    "linear_descent": linear_descent,
    "half_convention": half_convention,
    "minibatch": minibatch,
}

#: the outputs each computation provides, for checking banks without running it
OUTPUTS = {
    "sigmoid_neuron": ("z", "y_hat", "loss", "delta", "dL_dw", "dL_db", "w_new", "b_new"),
    "relu_neuron": ("z", "y_hat", "loss", "delta", "dL_dw", "dL_db", "w_new", "b_new"),
    "linear_descent": ("loss0", "w1", "loss1", "w2"),
    "half_convention": ("delta", "delta_half"),
    "minibatch": ("loss", "dL_dw"),
}
