"""The catalog of common backprop mistakes: what each one computes, in the course's own terms.

Each Misconception replaces one reference function with what a student who made
that mistake computes (vectorized, same signature). grader.diagnosis.mutants
builds a copy of the reference with that one function swapped, so the mistake
also flows into everything built on it (a wrong relu_prime changes train_step
and deep_gradients exactly as it does in the student's own code).

`computes(m, *args, **kwargs)` receives m, the mutated reference as a namespace
(m.sigmoid, m.weight_gradients, ...), with m.original the function it replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType, SimpleNamespace
from typing import Any

import numpy as np

from grader.exercise_api import MODULE_OF


@dataclass(frozen=True)
class Misconception:
    id: str
    name: str
    explanation: str
    hint: str
    replaces: str  # the function of the student's files the mistake lives in
    computes: Callable[..., Any]
    #: other ways of writing the same mistake, each computed like computes: where the mistake is
    #: in one line that the rest of the function may or may not build on (n counted on the wrong
    #: axis divides dW, and db too only where db is written as a sum over n), a student has one
    #: of them, and any one of them reproducing the student's answers names the mistake
    other_forms: tuple[Callable[..., Any], ...] = ()

    @property
    def forms(self) -> tuple[Callable[..., Any], ...]:
        """Every way the mistake is computed: computes first."""
        return (self.computes, *self.other_forms)

    @property
    def exercise(self) -> str:
        """The exercise file (stem) of the function the mistake lives in."""
        return MODULE_OF.get(self.replaces) or HELPERS[self.replaces]

    @property
    def graded_in(self) -> str:
        """The graded function whose calls show the mistake: the one it lives in, or for a helper,
        the graded function that calls it."""
        return self.replaces if self.replaces in MODULE_OF else HELPER_CALLERS[self.replaces]


#: functions of the exercise files that are not graded alone but that students write
HELPERS = MappingProxyType({"forward": "backprop", "deep_forward": "deep"})
#: the graded function that calls each helper (the tests call the helpers through nothing else)
HELPER_CALLERS = MappingProxyType({"forward": "train_step", "deep_forward": "deep_gradients"})


def _sigmoid_prime_from_z(m: SimpleNamespace, z: Any) -> np.ndarray:
    z = m.as_float_array(z)
    return z * (1.0 - z)


def _sigmoid_prime_half_from_z(m: SimpleNamespace, z: Any) -> np.ndarray:
    z = m.as_float_array(z)
    return m.sigmoid(z) * (1.0 - z)


def _relu_prime_where(on: Callable[[np.ndarray], np.ndarray]) -> Callable[..., np.ndarray]:
    """A relu_prime mutant: 1 where on(z), 0 elsewhere (the reference's test is z > 0)."""

    def computes(m: SimpleNamespace, z: Any) -> np.ndarray:
        z = m.as_float_array(z)
        return on(z).astype(z.dtype)

    return computes


def _relu_prime_half_at_zero(m: SimpleNamespace, z: Any) -> np.ndarray:
    z = m.as_float_array(z)
    return np.heaviside(z, 0.5).astype(z.dtype)


def _output_delta_without_derivative(
    m: SimpleNamespace, y_hat: Any, y: Any, z: Any, activation: str = "sigmoid"
) -> np.ndarray:
    m.check_activation(activation)
    return 2.0 * (np.asarray(y_hat) - np.asarray(y))


def _hidden_delta_without_derivative(
    m: SimpleNamespace, delta_next: Any, W_next: Any, z: Any, activation: str = "relu"
) -> np.ndarray:
    m.check_activation(activation)
    return np.asarray(delta_next) @ np.asarray(W_next)


def _output_delta_with_activation(
    m: SimpleNamespace, y_hat: Any, y: Any, z: Any, activation: str = "sigmoid"
) -> np.ndarray:
    return 2.0 * (np.asarray(y_hat) - np.asarray(y)) * m.activate(z, activation)


def _hidden_delta_with_activation(
    m: SimpleNamespace, delta_next: Any, W_next: Any, z: Any, activation: str = "relu"
) -> np.ndarray:
    return (np.asarray(delta_next) @ np.asarray(W_next)) * m.activate(z, activation)


def _hidden_delta_with_sigmoid_slope(
    m: SimpleNamespace, delta_next: Any, W_next: Any, z: Any, activation: str = "relu"
) -> np.ndarray:
    m.check_activation(activation)
    return (np.asarray(delta_next) @ np.asarray(W_next)) * m.sigmoid_prime(z)


def _naive_sigmoid(m: SimpleNamespace, z: Any) -> np.ndarray:
    z = m.as_float_array(z)
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_through_e_to_the_z(m: SimpleNamespace, z: Any) -> np.ndarray:
    e = np.exp(m.as_float_array(z))
    return e / (1.0 + e)


def _sigmoid_prime_through_e_to_the_minus_z(m: SimpleNamespace, z: Any) -> np.ndarray:
    e = np.exp(-m.as_float_array(z))
    return e / (1.0 + e) ** 2


def _sigmoid_prime_quotient_unsquared(m: SimpleNamespace, z: Any) -> np.ndarray:
    e = np.exp(-m.as_float_array(z))
    return e / (1.0 + e)


def _slope(f_plus: Any, f_minus: Any, eps: float) -> Any:
    return (f_plus - f_minus) / (2 * eps)


def _central_differences(
    m: SimpleNamespace,
    f: Callable,
    x: np.ndarray,
    eps: float,
    restore: bool,
    rows: bool = False,
    slope: Callable[[Any, Any, float], Any] = _slope,
) -> np.ndarray:
    """rows: loop for index in range(len(x)), which on a matrix nudges a whole row at once. slope:
    how f(x + h) and f(x − h) make an entry of the estimate."""
    grad = np.zeros(np.shape(x), dtype=np.float64)
    for index in range(len(x)) if rows else np.ndindex(np.shape(x)):
        original = np.array(x[index])  # a copy: a row of x is a view
        x[index] = original + eps
        f_plus = f(x)
        x[index] = original - eps
        f_minus = f(x)
        if restore:
            x[index] = original
        grad[index] = slope(f_plus, f_minus, eps)
    return grad


def _restored_by_arithmetic(m: SimpleNamespace, f: Callable, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    grad = np.zeros(np.shape(x), dtype=np.float64)
    for index in np.ndindex(np.shape(x)):
        x[index] += eps
        f_plus = f(x)
        x[index] -= 2 * eps
        f_minus = f(x)
        x[index] += eps
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


def _minus_copy_aliases_x(m: SimpleNamespace, f: Callable, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    grad = np.zeros(np.shape(x), dtype=np.float64)
    for index in np.ndindex(np.shape(x)):
        x[index] += eps  # x_plus = x: the nudge lands in x
        f_plus = f(x)
        x[index] -= eps  # x_minus = x: this takes the nudge back, so f_minus is f at x
        grad[index] = (f_plus - f(x)) / (2 * eps)
    return grad


def _forward_differences(m: SimpleNamespace, f: Callable, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    grad = np.zeros(np.shape(x), dtype=np.float64)
    f_here = f(x)
    for index in np.ndindex(np.shape(x)):
        original = x[index]
        x[index] = original + eps
        grad[index] = (f(x) - f_here) / eps
        x[index] = original
    return grad


def _central_differences_sloped(slope: Callable[[Any, Any, float], Any]) -> Callable[..., np.ndarray]:
    """A numerical_gradient mutant whose entries are slope(f(x + h), f(x − h), h)."""

    def computes(m: SimpleNamespace, f: Callable, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
        return _central_differences(m, f, x, eps, restore=True, slope=slope)

    return computes


def _every_entry_nudged(m: SimpleNamespace, f: Callable, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    x = np.asarray(x)
    return np.full(np.shape(x), (f(x + eps) - f(x - eps)) / (2 * eps), dtype=np.float64)


def _relu_in_place(m: SimpleNamespace, z: Any) -> np.ndarray:
    if not isinstance(z, np.ndarray):
        z[z < 0] = 0  # a float (or a list) takes no such assignment: TypeError, as the student's does
    z = m.as_float_array(z)  # the caller's own array when it is one of floats
    z[z < 0] = 0
    return z


def _update_in_place(m: SimpleNamespace, param: Any, grad: Any, lr: float) -> np.ndarray:
    param = np.asarray(param)
    param -= lr * np.asarray(grad)
    return param


def _params_updated_in_place(m: SimpleNamespace, params: dict, X: Any, Y: Any, lr: float) -> tuple:
    new_params, loss = m.original(params, X, Y, lr)
    params.update(new_params)  # the caller's dict now holds the stepped parameters
    return params, loss


def _loss_after_update(m: SimpleNamespace, params: dict, X: Any, Y: Any, lr: float) -> tuple:
    new_params, _ = m.original(params, X, Y, lr)
    return new_params, m.squared_error(m.forward(new_params, X)[-1], Y)


def _bias_gradient_as(db: Callable[[np.ndarray], Any]) -> Callable[..., tuple]:
    """A weight_gradients mutant: the reference's dW, with db = db(delta) instead of delta's mean
    over the batch."""

    def computes(m: SimpleNamespace, delta: Any, a_prev: Any) -> tuple:
        return m.original(delta, a_prev)[0], db(np.asarray(delta))

    return computes


def _batch_size_from(count: Callable[[np.ndarray, np.ndarray], int], db: str) -> Callable[..., tuple]:
    """A weight_gradients mutant that divides by count(delta, a_prev) where n belongs. db is
    "divided by it" (written as delta.sum(axis=0) / n, so off by the same factor as dW) or "the
    mean" (delta.mean(axis=0), the docstring's form, which counts its rows itself and is right)."""

    def computes(m: SimpleNamespace, delta: Any, a_prev: Any) -> tuple:
        delta, a_prev = np.asarray(delta), np.asarray(a_prev)
        n = count(delta, a_prev)
        bias = {"divided by it": lambda: delta.sum(axis=0) / n, "the mean": lambda: delta.mean(axis=0)}
        return delta.T @ a_prev / n, bias[db]()

    return computes


def _returned_as_given(*keys: str) -> Callable[..., tuple]:
    """A train_step mutant: the step, with the parameters named by keys returned as they were given."""

    def computes(m: SimpleNamespace, params: dict, X: Any, Y: Any, lr: float) -> tuple:
        new_params, loss = m.original(params, X, Y, lr)
        return {**new_params, **{key: np.array(params[key]) for key in keys}}, loss

    return computes


def _output_layer_updated_first(m: SimpleNamespace, params: dict, X: Any, Y: Any, lr: float) -> tuple:
    z1, a1, z2, y_hat = m.forward(params, X)
    loss = m.squared_error(y_hat, Y)
    delta2 = m.output_delta(y_hat, Y, z2, "sigmoid")
    dW2, db2 = m.weight_gradients(delta2, a1)
    W2 = m.sgd_update(params["W2"], dW2, lr)
    delta1 = m.hidden_delta(delta2, W2, z1, "relu")  # through the weights just updated
    dW1, db1 = m.weight_gradients(delta1, X)
    new_params = {"W1": m.sgd_update(params["W1"], dW1, lr), "b1": m.sgd_update(params["b1"], db1, lr),
                  "W2": W2, "b2": m.sgd_update(params["b2"], db2, lr)}  # fmt: skip
    return new_params, loss


def _train_step_where(
    *,
    hidden_through: str = "W2",
    first_layer_input: str = "X",
    second_layer_input: str = "a1",
    hidden_slope_at: str = "z1",
    output_delta_of: tuple[str, str, str] = ("y_hat", "Y", "z2"),
    output_activation: str = "sigmoid",
    hidden_activation: str = "relu",
    loss_of_errors: str = "squared_error",
    step_size: str = "lr",
) -> Callable[..., tuple]:
    """A train_step mutant: the reference's step with one of its choices made otherwise: the
    weights the hidden delta is sent back through (a key of params), what each layer's dW is
    taken from and where the hidden slope is taken ("X", "z1", "a1" or "z2"), what output_delta
    is given as its y_hat, y and z (each "y_hat", "Y" or "z2"), the activation named to
    output_delta or hidden_delta, the loss it reports ("squared_error", or the squared errors'
    "mean" or "sum" over every entry, written out in train_step), or the step size it gives
    sgd_update ("lr", or "lr / n")."""

    def computes(m: SimpleNamespace, params: dict, X: Any, Y: Any, lr: float) -> tuple:
        z1, a1, z2, y_hat = m.forward(params, X)
        values = {"X": X, "z1": z1, "a1": a1, "z2": z2, "y_hat": y_hat, "Y": Y}
        loss = {
            "squared_error": lambda: m.squared_error(y_hat, Y),
            "mean": lambda: float(_squared_errors(y_hat, Y).mean()),
            "sum": lambda: float(_squared_errors(y_hat, Y).sum()),
        }[loss_of_errors]()
        delta2 = m.output_delta(*(values[name] for name in output_delta_of), output_activation)
        delta1 = m.hidden_delta(delta2, params[hidden_through], values[hidden_slope_at], hidden_activation)
        grads = {}
        grads["W1"], grads["b1"] = m.weight_gradients(delta1, values[first_layer_input])
        grads["W2"], grads["b2"] = m.weight_gradients(delta2, values[second_layer_input])
        step = {"lr": lr, "lr / n": lr / len(X)}[step_size]
        return {key: m.sgd_update(params[key], grads[key], step) for key in ("W1", "b1", "W2", "b2")}, loss

    return computes


def _forward_where(
    activate: Callable[[SimpleNamespace, Any], Any] = lambda m, z1: m.relu(z1),
    with_biases: bool = True,
    output_reads: str = "a1",
) -> Callable[..., tuple]:
    """A forward mutant: the two-layer forward pass with a1 = activate(m, z1) in place of relu(z1),
    without the biases, or with the output layer reading output_reads ("a1" or "z1")."""

    def computes(m: SimpleNamespace, params: dict, X: Any) -> tuple:
        z1 = np.asarray(X) @ params["W1"].T + (params["b1"] if with_biases else 0.0)
        a1 = activate(m, z1)
        z2 = {"a1": a1, "z1": z1}[output_reads] @ params["W2"].T + (params["b2"] if with_biases else 0.0)
        return z1, a1, z2, m.sigmoid(z2)

    return computes


def _deep_forward_where(
    *,
    hidden: str = "activation",
    output: str = "sigmoid",
    with_biases: bool = True,
    zs_keep: str = "z",
    activations_keep: str = "a",
) -> Callable[..., tuple]:
    """A deep_forward mutant: the reference's forward pass with the hidden layers' or the output
    layer's activation made otherwise (each "activation", the one passed in, or "sigmoid"), without
    the biases, or with what each layer appends to zs or to activations made otherwise (each "z", its
    pre-activation, or "a", its output; the pass itself goes on with a)."""

    def computes(
        m: SimpleNamespace, weights: list, biases: list, X: Any, activation: str = "sigmoid"
    ) -> tuple[list, list]:
        m.check_activation(activation)
        a = np.asarray(X)
        zs, activations = [], [a]
        for layer, (W, b) in enumerate(zip(weights, biases, strict=False)):
            z = a @ np.asarray(W).T + (b if with_biases else 0.0)
            chosen = output if layer == len(weights) - 1 else hidden
            a = m.activate(z, {"activation": activation, "sigmoid": "sigmoid"}[chosen])
            kept = {"z": z, "a": a}
            zs.append(kept[zs_keep])
            activations.append(kept[activations_keep])
        return zs, activations

    return computes


def _deep_gradients_last_layer_first(
    m: SimpleNamespace, weights: list, biases: list, X: Any, Y: Any, activation: str = "sigmoid"
) -> list:
    return list(reversed(m.original(weights, biases, X, Y, activation)))


def _deep_backprop_with(
    m: SimpleNamespace,
    weights: list,
    biases: list,
    X: Any,
    Y: Any,
    activation: str,
    *,
    output_activation: str | None = "sigmoid",
    hidden_activation: str | None = None,
    slope_at: str = "z",
    weight_gradient_from: str = "input",
    through: str = "own",
    output_slope_at: str = "z",
    hidden_deltas: str = "passed back",
    layers: str = "every one",
    gradients: str = "before",
) -> list:
    """deep_gradients as the reference computes it, with one of its choices made otherwise: the
    output delta's activation (None: the hidden layers'), the hidden deltas' (None: activation, as
    it should be), where each hidden delta's f' is taken (slope_at: "z", the layer's own
    pre-activation; "a", its output; "z above", the pre-activation of the layer above), what each
    layer's dW is taken from (weight_gradient_from: "input", what the layer read; "output", what it
    put out; "pre-activation", the z of the layer below, X for the first layer), or the weights each
    hidden delta is sent back through (through: "own", the layer's it came from; "below", the
    layer's below it), where the output delta's f' is taken (output_slope_at: "z", or
    "prediction", ŷ itself), what becomes of each hidden delta (hidden_deltas: "passed back" to
    the next layer down, or "dropped", so that every layer gets the output delta), which layers the
    loop reaches (layers: "every one", or "above the first", whose entry stays None), or when each
    layer's gradients are taken (gradients: "before" its delta is sent back through its weights,
    or "after", with the delta of the layer below)."""
    zs, activations = m.deep_forward(weights, biases, X, activation)
    output_z = {"z": zs[-1], "prediction": activations[-1]}[output_slope_at]
    delta = m.output_delta(activations[-1], Y, output_z, output_activation or activation)
    grads: list = [None] * len(weights)
    lowest = {"every one": 0, "above the first": 1}[layers]
    for layer in reversed(range(lowest, len(weights))):
        taken_from = {
            "input": activations[layer],
            "output": activations[layer + 1],
            "pre-activation": zs[layer - 1] if layer > 0 else X,
        }[weight_gradient_from]
        if gradients == "before":
            grads[layer] = m.weight_gradients(delta, taken_from)
        if layer > 0:
            at = {"z": zs[layer - 1], "a": activations[layer], "z above": zs[layer]}[slope_at]
            sent_through = weights[{"own": layer, "below": layer - 1}[through]]
            hidden = m.hidden_delta(delta, sent_through, at, hidden_activation or activation)
            delta = {"passed back": hidden, "dropped": delta}[hidden_deltas]
        if gradients == "after":
            grads[layer] = m.weight_gradients(delta, taken_from)
    return grads


def _deep_backprop_where(**choice: Any) -> Callable[..., list]:
    """A deep_gradients mutant: _deep_backprop_with with choice made otherwise."""

    def computes(
        m: SimpleNamespace, weights: list, biases: list, X: Any, Y: Any, activation: str = "sigmoid"
    ) -> list:
        return _deep_backprop_with(m, weights, biases, X, Y, activation, **choice)

    return computes


#: the hint of both sigmoids that overflow, at either end
_STABLE_SIGMOID = (
    "Only ever exponentiate −|z|: for z < 0 use e^z / (1 + e^z), for z ≥ 0 use 1 / (1 + e^(−z)) "
    "(np.where on both branches, with e = np.exp(-np.abs(z)))."
)
#: the hint of both deep_gradients mistakes that give hidden_delta another activation
_PASS_THE_ACTIVATION_ON = (
    "Pass the network's activation on: hidden_delta(delta, weights[layer], zs[layer - 1], activation)."
)


def _errors(y_hat: Any, y: Any) -> np.ndarray:
    """ŷ − y in float64, as squared_error computes it."""
    return np.asarray(y_hat, dtype=np.float64) - np.asarray(y, dtype=np.float64)


def _squared_errors(y_hat: Any, y: Any) -> np.ndarray:
    return _errors(y_hat, y) ** 2


CATALOG: tuple[Misconception, ...] = (
    Misconception(
        "sigmoid_prime_from_z",
        "σ' computed from z instead of σ(z)",
        "The shortcut σ'(z) = σ(z)(1 − σ(z)) is written in terms of the sigmoid's output. Applying "
        "s(1 − s) to the pre-activation z itself gives z(1 − z): negative for z > 1 and nothing like "
        "the slope of the sigmoid.",
        "Compute s = sigmoid(z) first, then return s * (1 - s).",
        "sigmoid_prime",
        _sigmoid_prime_from_z,
    ),
    Misconception(
        "sigmoid_prime_half_from_z",
        "z in place of σ(z) in one factor of σ'",
        "σ'(z) = σ(z)(1 − σ(z)) multiplies the sigmoid's output by one minus that same output. "
        "Writing (1 − z) for the second factor mixes the output with the input: σ(z)(1 − z) is no "
        "slope at all (at z = 0 it is 0.5, twice the true 0.25, and for z > 1 it is negative).",
        "Compute s = sigmoid(z) once and return s * (1 - s): z itself appears in neither factor.",
        "sigmoid_prime",
        _sigmoid_prime_half_from_z,
    ),
    Misconception(
        "sigmoid_prime_overflows",
        "σ' through e^(−z), which overflows",
        "e^(−z) / (1 + e^(−z))² is σ'(z) on paper, but e^(−z) overflows to infinity for z below about "
        "−710 (−89 in float32), and infinity over infinity is nan where σ'(z) is 0. Deep networks "
        "do meet such z, and one nan spreads to every gradient computed from it.",
        "Build σ' from your sigmoid, which never overflows: s = sigmoid(z), then return s * (1 - s).",
        "sigmoid_prime",
        _sigmoid_prime_through_e_to_the_minus_z,
    ),
    Misconception(
        "sigmoid_prime_is_sigmoid",
        "σ' returned σ(z) itself",
        "The function returns the sigmoid's value where its slope is wanted. σ(z) goes from 0 to 1, "
        "while the slope σ(z)(1 − σ(z)) is never above 0.25.",
        "Multiply the sigmoid by (1 − sigmoid): s * (1 - s).",
        "sigmoid_prime",
        lambda m, z: m.sigmoid(z),
    ),
    Misconception(
        "sigmoid_prime_without_parentheses",
        "σ' without its parentheses: s * 1 - s",
        "Multiplication binds tighter than subtraction, so s * 1 - s is (s · 1) − s: 0 for every z. "
        "The slope multiplies s by the whole difference 1 − s.",
        "Put the difference in parentheses: s * (1 - s).",
        "sigmoid_prime",
        lambda m, z: (s := m.sigmoid(z)) * 1.0 - s,
    ),
    Misconception(
        "sigmoid_prime_with_tanh_rule",
        "tanh's rule 1 − s² used for σ'",
        "1 − t² is the slope of tanh written in tanh's output t. The sigmoid's slope, written in its "
        "own output s, is s(1 − s). 1 − s² is 0.75 at z = 0, three times the true 0.25, and it climbs "
        "towards 1 for very negative z, where the sigmoid is flat and its slope near 0.",
        "For the sigmoid return s * (1 - s), with s = sigmoid(z); 1 - t ** 2 is tanh's rule.",
        "sigmoid_prime",
        lambda m, z: 1.0 - m.sigmoid(z) ** 2,
    ),
    Misconception(
        "sigmoid_prime_plus",
        "σ' with + where − belongs: s(1 + s)",
        "σ'(z) = s(1 − s) with s = σ(z) is largest, ¼, at s = ½ and falls to 0 as s nears 0 or 1. "
        "s(1 + s) only grows with s: 0.75 at z = 0 against 0.25, and nearly 2 for large z, where the "
        "sigmoid is flat and its true slope is near 0.",
        "Subtract: return s * (1 - s).",
        "sigmoid_prime",
        lambda m, z: m.sigmoid(z) * (1.0 + m.sigmoid(z)),
    ),
    Misconception(
        "sigmoid_prime_one_minus_sigmoid",
        "σ' returned 1 − σ(z), the factor σ(z) left out",
        "σ'(z) = σ(z)(1 − σ(z)) has two factors. 1 − σ(z) alone is ½ at z = 0, twice the true ¼, and "
        "it climbs to 1 for very negative z, where the sigmoid is flat and its slope near 0. Written "
        "from e^(−z) / (1 + e^(−z))², the same comes from leaving out the denominator's square.",
        "Multiply by the sigmoid as well: s = sigmoid(z), then return s * (1 - s).",
        "sigmoid_prime",
        lambda m, z: 1.0 - m.sigmoid(z),
        other_forms=(_sigmoid_prime_quotient_unsquared,),
    ),
    Misconception(
        "relu_prime_one_at_zero",
        "ReLU'(0) taken as 1",
        "ReLU has a corner at z = 0 where no single slope exists; this course, like the common "
        "libraries, uses 0 there. A comparison z >= 0 counts the corner as the rising side.",
        "Use the strict comparison: (z > 0).astype(float).",
        "relu_prime",
        _relu_prime_where(lambda z: z >= 0),
    ),
    Misconception(
        "relu_prime_half_at_zero",
        "ReLU'(0) taken as ½",
        "ReLU has a corner at z = 0 where no single slope exists; this course, like the common "
        "libraries, uses 0 there. np.heaviside(z, 0.5) puts ½ there, halfway between the slopes on "
        "either side, so every unit whose z is exactly 0 (a bias and inputs that cancel, or inputs "
        "of 0) passes half its error back where it should pass none.",
        "Give the corner 0: (z > 0).astype(float), or np.heaviside(z, 0.0).",
        "relu_prime",
        _relu_prime_half_at_zero,
    ),
    Misconception(
        "relu_prime_is_relu",
        "ReLU' returning ReLU",
        "The function returns max(z, 0), the activation itself, instead of its slope. For z = 3 the "
        "slope is 1, not 3.",
        "The slope is 1 where z > 0 and 0 elsewhere: (z > 0).astype(float).",
        "relu_prime",
        lambda m, z: m.relu(z),
    ),
    Misconception(
        "relu_prime_sign",
        "ReLU' taken as the sign of z",
        "np.sign(z) is 1 where z > 0, as ReLU's slope is, but −1 where z < 0, where ReLU is flat and its "
        "slope is 0. Every negative unit then sends its error back with the sign flipped instead of "
        "stopping it.",
        "The slope is 1 where z > 0 and 0 elsewhere: (z > 0).astype(float).",
        "relu_prime",
        lambda m, z: np.sign(m.as_float_array(z)),
    ),
    Misconception(
        "relu_prime_reversed",
        "ReLU' with the comparison reversed: z < 0",
        "ReLU passes positive z through unchanged, so its slope is 1 there, and it is flat below 0, "
        "so its slope is 0 there. (z < 0) gives the opposite: errors flow back only through the units "
        "that were switched off, and never through those that were on.",
        "Compare the other way: (z > 0).astype(float).",
        "relu_prime",
        _relu_prime_where(lambda z: z < 0),
    ),
    Misconception(
        "relu_with_np_max",
        "np.max(z, 0) in place of np.maximum(z, 0)",
        "np.max(z, 0) is a reduction: the largest entry of z along axis 0 (its second argument is the "
        "axis), so a vector comes back as one number and a batch as one row. np.maximum(z, 0) "
        "compares each entry with 0 and keeps z's shape, which is what ReLU does.",
        "Use np.maximum(z, 0.0), elementwise.",
        "relu",
        lambda m, z: np.max(np.asarray(z), 0),
    ),
    Misconception(
        "relu_with_np_minimum",
        "np.minimum(z, 0) in place of np.maximum(z, 0)",
        "ReLU keeps the positive part of z: max(z, 0). np.minimum keeps the negative part instead, so "
        "every unit that should be on comes out 0 and every one that should be off passes its "
        "negative z through.",
        "Use np.maximum(z, 0.0).",
        "relu",
        lambda m, z: np.minimum(m.as_float_array(z), 0.0),
    ),
    Misconception(
        "relu_in_place",
        "ReLU computed in place",
        "z[z < 0] = 0 sets the negative entries to 0 in the array it was given: the caller's z is "
        "changed behind its back, and whatever uses z after the call (another activation of it, a "
        "plot, a test) sees the clipped values. A plain float, which cannot be indexed, fails.",
        "Return a new array: np.maximum(z, 0), or copy z first (z = np.array(z, dtype=float)).",
        "relu",
        _relu_in_place,
    ),
    Misconception(
        "tanh_prime_without_square",
        "tanh' without the square",
        "tanh'(z) is 1 − tanh²(z), which is also sech²(z) = 1 / cosh²(z). Without the square, 1 − tanh(z) "
        "is above 1 for negative z and is not symmetric around 0 the way the true slope is, and "
        "1 / cosh(z) is too large away from 0: it falls like e^(−|z|), the true slope like e^(−2|z|).",
        "Square the tanh: 1 - np.tanh(z) ** 2 (or the sech: 1 / np.cosh(z) ** 2).",
        "tanh_prime",
        lambda m, z: 1.0 - np.tanh(m.as_float_array(z)),
        other_forms=(lambda m, z: 1.0 / np.cosh(m.as_float_array(z)),),
    ),
    Misconception(
        "tanh_prime_plus_square",
        "tanh' with + where − belongs: 1 + tanh²(z)",
        "1 + tan²(z) is the derivative of the circular tangent; the hyperbolic one has a minus: "
        "tanh'(z) = 1 − tanh²(z). The two agree only at z = 0; away from it the plus climbs towards 2 "
        "for large |z|, where tanh is flat and its slope is near 0.",
        "Subtract the square: 1 - np.tanh(z) ** 2.",
        "tanh_prime",
        lambda m, z: 1.0 + np.tanh(m.as_float_array(z)) ** 2,
    ),
    Misconception(
        "tanh_prime_times_two",
        "tanh' with * where ** belongs: 1 − 2·tanh(z)",
        "tanh(z) * 2 doubles the tanh; tanh(z) ** 2 squares it. 1 − 2 tanh(z) is no slope of tanh: it "
        "is above 1 for every negative z, negative for z above 0.55, and not even in z, where the true "
        "slope 1 − tanh²(z) is never above 1 or below 0 and is the same at z and −z.",
        "Square with two stars: 1 - np.tanh(z) ** 2.",
        "tanh_prime",
        lambda m, z: 1.0 - np.tanh(m.as_float_array(z)) * 2,
    ),
    Misconception(
        "tanh_prime_square_outside",
        "tanh' with the square outside the bracket",
        "tanh'(z) is 1 − tanh²(z): only tanh is squared. (1 − tanh(z))² squares the whole difference: "
        "it is right at z = 0 only, close to 0 for large z where the slope should be too, but near 4 "
        "for very negative z, where the true slope is near 0.",
        "Square tanh alone: 1 - np.tanh(z) ** 2.",
        "tanh_prime",
        lambda m, z: (1.0 - np.tanh(m.as_float_array(z))) ** 2,
    ),
    Misconception(
        "tanh_prime_square_inside",
        "tanh' with z squared inside tanh: 1 − tanh(z²)",
        "tanh'(z) is 1 − tanh²(z), the square of tanh's output. 1 − tanh(z²) squares the input "
        "instead: both are 1 at z = 0 and even in z, but 1 − tanh(z²) falls off faster (0.24 against "
        "0.42 at z = 1), so every slope away from 0 comes out too small.",
        "Square the result of tanh, not its argument: 1 - np.tanh(z) ** 2.",
        "tanh_prime",
        lambda m, z: 1.0 - np.tanh(m.as_float_array(z) ** 2),
    ),
    Misconception(
        "tanh_prime_from_z",
        "tanh' computed from z instead of tanh(z)",
        "The shortcut tanh'(z) = 1 − tanh²(z) is written in terms of tanh's output. Squaring the "
        "pre-activation z itself gives 1 − z², which falls below 0 for |z| > 1, while the true slope "
        "stays between 0 and 1 everywhere.",
        "Apply tanh first: 1 - np.tanh(z) ** 2.",
        "tanh_prime",
        lambda m, z: 1.0 - m.as_float_array(z) ** 2,
    ),
    Misconception(
        "tanh_prime_with_sigmoid_rule",
        "the sigmoid's rule t(1 − t) used for tanh'",
        "t(1 − t) is the sigmoid's slope written in the sigmoid's output. tanh's output t runs from "
        "−1 to 1, and for it t(1 − t) is 0 at z = 0, where tanh is steepest (slope 1), and negative "
        "for every z < 0, where no slope of a rising function can be.",
        "tanh's slope in its own output t = np.tanh(z) is 1 - t ** 2.",
        "tanh_prime",
        lambda m, z: (t := np.tanh(m.as_float_array(z))) * (1.0 - t),
    ),
    Misconception(
        "sigmoid_overflows",
        "a naive sigmoid that overflows",
        "1 / (1 + e^(−z)) computes e^(−z) first, which overflows to infinity for very negative z "
        "(e^1000 does not fit in a float). NumPy warns, and a float32 input overflows already near "
        "z = −89.",
        _STABLE_SIGMOID,
        "sigmoid",
        _naive_sigmoid,
    ),
    Misconception(
        "sigmoid_overflows_for_large_z",
        "e^z / (1 + e^z) for every z, which overflows",
        "e^z / (1 + e^z) is σ(z) on paper, but e^z overflows to infinity for z above about 710 (89 in "
        "float32), and infinity over infinity is nan: σ of a large input comes out nan instead of 1. "
        "That form is the safe one only for z < 0.",
        _STABLE_SIGMOID,
        "sigmoid",
        _sigmoid_through_e_to_the_z,
    ),
    Misconception(
        "sigmoid_mirrored",
        "σ(−z) computed instead of σ(z)",
        "With the exponent's sign flipped, 1 / (1 + e^z), or with the two branches of the stable "
        "formula swapped, the function gives σ(−z) = 1 − σ(z): the curve mirrored, falling from 1 "
        "to 0 as z grows, so every prediction is turned around.",
        "σ(z) = 1 / (1 + e^(−z)) rises with z: sigmoid(2.0) is about 0.88, not 0.12. For z ≥ 0 use "
        "1 / (1 + e), for z < 0 use e / (1 + e), with e = np.exp(-np.abs(z)).",
        "sigmoid",
        lambda m, z: m.original(-m.as_float_array(z)),
    ),
    Misconception(
        "sigmoid_of_abs_z",
        "the stable sigmoid's branch for z < 0 left out",
        "Computing through e = e^(−|z|) keeps the exponential from overflowing, but 1 / (1 + e) alone "
        "is σ(|z|): right for z ≥ 0, and 1 − σ(z) for z < 0, so every negative z comes out above ½ "
        "where σ(z) is below it. For z < 0 the same e gives σ(z) as e / (1 + e).",
        _STABLE_SIGMOID,
        "sigmoid",
        lambda m, z: 1.0 / (1.0 + np.exp(-np.abs(m.as_float_array(z)))),
    ),
    Misconception(
        "loss_with_half",
        "a ½ in the loss",
        "Many texts write the squared error as ½ Σ (ŷ − y)² so that the 2 of the derivative "
        "cancels. This course's loss has no ½: L = (1/n) Σ Σ (ŷ − y)².",
        "Drop the 0.5: sum the squared errors over the outputs and divide by n.",
        "squared_error",
        lambda m, y_hat, y: 0.5 * m.original(y_hat, y),
    ),
    Misconception(
        "loss_root_mean_square",
        "the square root of the loss taken (RMSE)",
        "The root of the mean squared error is in y's own units and a fine number to report, but it is "
        "not this course's loss, L = (1/n) Σ Σ (ŷ − y)², whose gradient output_delta computes as "
        "2(ŷ − y) f'(z). With the root, train_step reports a loss its step does not descend.",
        "Leave out the square root: sum the squared errors over the outputs and divide by n.",
        "squared_error",
        lambda m, y_hat, y: float(np.sqrt(m.original(y_hat, y))),
    ),
    Misconception(
        "loss_norm_not_squared",
        "the errors' norm where its square belongs",
        "np.linalg.norm(ŷ − y) is the square root of Σ(ŷ − y)²: the loss sums the squares "
        "themselves, the norm squared. Without the square it grows like the errors rather than "
        "their squares, and 2(ŷ − y) f'(z), which output_delta computes, is no longer its gradient.",
        "Square the norm, or sum the squares: np.sum((y_hat - y) ** 2) / n.",
        "squared_error",
        lambda m, y_hat, y: float(np.sqrt(np.sum(_squared_errors(y_hat, y))) / np.shape(y_hat)[0]),
    ),
    Misconception(
        "loss_not_averaged",
        "the loss summed over the examples instead of averaged",
        "The loss adds up the squared errors of every example but never divides by the number of "
        "examples n, so it grows with the batch size.",
        "Divide the sum by n = y_hat.shape[0].",
        "squared_error",
        lambda m, y_hat, y: float(np.sum(_squared_errors(y_hat, y))),
    ),
    Misconception(
        "loss_averaged_over_outputs",
        "the loss averaged over the outputs as well",
        "np.mean divides by every entry, n·k, where the loss sums over the k outputs and averages "
        "only over the n examples. The two agree only when there is one output.",
        "Sum over everything and divide by n only: np.sum((y_hat - y) ** 2) / y_hat.shape[0].",
        "squared_error",
        lambda m, y_hat, y: float(np.mean(_squared_errors(y_hat, y))),
    ),
    Misconception(
        "loss_divided_by_outputs",
        "the loss divided by the number of outputs instead of examples",
        "y_hat is shaped (n, k): n examples down the rows, k outputs across. The loss sums over the "
        "outputs and averages over the examples, so it divides by y_hat.shape[0]. Dividing by "
        "y_hat.shape[1] = k averages over the outputs instead, and is right only when n = k.",
        "Divide by the number of rows: np.sum((y_hat - y) ** 2) / y_hat.shape[0].",
        "squared_error",
        lambda m, y_hat, y: float(np.sum(_squared_errors(y_hat, y)) / np.shape(y_hat)[1]),
    ),
    Misconception(
        "loss_square_of_the_sum",
        "the errors summed before they are squared",
        "Each error is squared on its own, then the squares are summed: Σ (ŷ − y)². Summing first and "
        "squaring the total, (Σ (ŷ − y))², lets positive and negative errors cancel: a prediction too "
        "high on one example and as much too low on another reports a loss of 0.",
        "Square inside the sum: np.sum((y_hat - y) ** 2) / n.",
        "squared_error",
        lambda m, y_hat, y: float(np.sum(_errors(y_hat, y)) ** 2 / np.shape(y_hat)[0]),
    ),
    Misconception(
        "output_delta_without_two",
        "the factor 2 of the squared error dropped (the ½ convention)",
        "The derivative of (ŷ − y)² is 2(ŷ − y). The 2 only cancels when the loss carries a ½, which "
        "this course's loss does not, so every delta and gradient comes out half as large.",
        "Return 2 * (y_hat - y) * f'(z).",
        "output_delta",
        lambda m, y_hat, y, z, activation="sigmoid": 0.5 * m.original(y_hat, y, z, activation),
    ),
    Misconception(
        "error_sign_flipped",
        "the sign of (ŷ − y) flipped",
        "∂L/∂ŷ is 2(ŷ − y), prediction minus target. With (y − ŷ) every gradient points the wrong "
        "way, and gradient descent climbs the loss instead of lowering it.",
        "Write the error as prediction minus target: y_hat - y.",
        "output_delta",
        lambda m, y_hat, y, z, activation="sigmoid": -m.original(y_hat, y, z, activation),
    ),
    Misconception(
        "output_delta_without_derivative",
        "the activation's derivative forgotten in the output delta",
        "The chain rule gives ∂L/∂z = ∂L/∂ŷ · f'(z). Returning 2(ŷ − y) alone is the gradient with "
        "respect to the output ŷ, not with respect to the pre-activation z.",
        "Multiply by the activation's derivative at z: 2 * (y_hat - y) * activation_prime(z, activation).",
        "output_delta",
        _output_delta_without_derivative,
    ),
    Misconception(
        "output_delta_with_activation",
        "the activation f(z) where its derivative f'(z) belongs, in the output delta",
        "The chain rule multiplies by the slope of the activation at z, f'(z), not by its value f(z), "
        "which is ŷ itself. For the sigmoid that is σ(z) in place of σ(z)(1 − σ(z)); for ReLU, z in "
        "place of 1.",
        "Multiply by activation_prime(z, activation), the derivative, not by activate(z, activation).",
        "output_delta",
        _output_delta_with_activation,
    ),
    Misconception(
        "derivative_at_output",
        "f' taken at the output ŷ instead of at z",
        "The derivative of the activation belongs at its input, the pre-activation z. Evaluating it "
        "at ŷ = f(z) applies the activation twice (for the sigmoid, σ'(σ(z)) is not σ'(z)).",
        "Pass z, not y_hat, to activation_prime.",
        "output_delta",
        lambda m, y_hat, y, z, activation="sigmoid": (
            2.0 * (np.asarray(y_hat) - np.asarray(y)) * m.activation_prime(y_hat, activation)
        ),
    ),
    Misconception(
        "output_delta_always_sigmoid",
        "σ' in the output delta whatever the activation",
        "output_delta is told which activation the output layer uses, and its delta needs that "
        "activation's slope. σ'(z) is right only for a sigmoid output: a linear output's slope is 1, "
        "a ReLU's is 0 or 1 and tanh's is 1 − tanh²(z), while σ'(z) is never above ¼.",
        "Multiply by activation_prime(z, activation), with the name the caller passes, not σ'(z).",
        "output_delta",
        lambda m, y_hat, y, z, activation="sigmoid": (
            2.0 * (np.asarray(y_hat) - np.asarray(y)) * m.sigmoid_prime(z)
        ),
    ),
    Misconception(
        "output_delta_averaged",
        "the 1/n of the loss put into the output delta",
        "The loss averages over the n examples, but a delta here is per example: the derivative of "
        "one example's loss, with no 1/n. weight_gradients averages the examples' gradients, so a 1/n "
        "in the delta as well divides every gradient by n a second time (a single example hides it).",
        "Return 2 * (y_hat - y) * f'(z) without dividing by n; weight_gradients does the averaging.",
        "output_delta",
        lambda m, y_hat, y, z, activation="sigmoid": m.original(y_hat, y, z, activation) / np.shape(y_hat)[0],
    ),
    Misconception(
        "output_delta_of_the_loss",
        "the loss itself, (ŷ − y)², where its derivative 2(ŷ − y) belongs",
        "The output delta is ∂L/∂z: the derivative of the squared error, 2(ŷ − y), times f'(z). "
        "(ŷ − y)² is the error itself, not its slope: it is never negative, so the delta cannot tell "
        "a prediction too high from one too low, and gradient descent cannot tell which way to go.",
        "Differentiate the square: return 2 * (y_hat - y) * f'(z).",
        "output_delta",
        lambda m, y_hat, y, z, activation="sigmoid": (
            (np.asarray(y_hat) - np.asarray(y)) ** 2 * m.activation_prime(z, activation)
        ),
    ),
    Misconception(
        "hidden_delta_without_derivative",
        "the activation's derivative forgotten in the hidden delta",
        "Sending the error back through W_next gives ∂L/∂a for the hidden layer; one more step of the "
        "chain rule, through a = f(z), multiplies by f'(z) to reach ∂L/∂z.",
        "Multiply by activation_prime(z, activation) after the matrix product.",
        "hidden_delta",
        _hidden_delta_without_derivative,
    ),
    Misconception(
        "hidden_delta_with_activation",
        "the activation f(z) where its derivative f'(z) belongs, in the hidden delta",
        "Going back through a = f(z), the chain rule multiplies by the slope f'(z), not by the value "
        "f(z), the layer's own output. For ReLU that is z in place of 1 where z > 0; for the sigmoid, "
        "σ(z) in place of σ(z)(1 − σ(z)).",
        "Multiply by activation_prime(z, activation), the derivative, not by activate(z, activation).",
        "hidden_delta",
        _hidden_delta_with_activation,
    ),
    Misconception(
        "hidden_delta_wrong_orientation",
        "Wᵀ where W is needed when sending deltas back",
        "Forward, a layer computes z = a_prev @ W.T, so W has one row per unit of the layer above. "
        "Backward, each hidden unit collects the errors of the units it feeds: delta_next @ W. "
        "Using W.T again (it only runs when W is square) mixes up which unit receives which error.",
        "Use delta_next @ W_next; check the shapes: (n, k) @ (k, d) gives (n, d).",
        "hidden_delta",
        lambda m, delta_next, W_next, z, activation="relu": (
            (np.asarray(delta_next) @ np.asarray(W_next).T) * m.activation_prime(z, activation)
        ),
    ),
    Misconception(
        "hidden_derivative_of_output_activation",
        "the wrong activation's derivative in a hidden layer",
        "Each layer's delta needs the derivative of that layer's own activation. Using the sigmoid's "
        "derivative (the output layer's) for a ReLU or tanh hidden layer scales every hidden error "
        "by the wrong slope.",
        "Use activation_prime(z, activation) with the hidden layer's activation name.",
        "hidden_delta",
        _hidden_delta_with_sigmoid_slope,
    ),
    Misconception(
        "hidden_delta_always_relu",
        "ReLU's slope in the hidden delta whatever the activation",
        "hidden_delta is told the hidden layer's activation, and the chain rule through a = f(z) "
        "needs that activation's slope. relu'(z) is right only for a ReLU layer: a sigmoid or tanh "
        "layer's error then passes back unscaled wherever z > 0 and is dropped wherever z ≤ 0.",
        "Multiply by activation_prime(z, activation), with the name the caller passes, not relu'(z).",
        "hidden_delta",
        lambda m, delta_next, W_next, z, activation="relu": (
            (np.asarray(delta_next) @ np.asarray(W_next)) * m.relu_prime(z)
        ),
    ),
    Misconception(
        "gradients_not_averaged",
        "the 1/n of the batch average missing",
        "The loss is an average over the n examples, so its gradient is the average of the "
        "per-example gradients. Summing them makes the step n times larger and its size depend on "
        "the batch.",
        "Divide deltaᵀ @ a_prev by n, and take the mean of delta (not the sum) for db.",
        "weight_gradients",
        lambda m, delta, a_prev: (np.asarray(delta).T @ np.asarray(a_prev), np.asarray(delta).sum(axis=0)),
    ),
    Misconception(
        "weight_gradient_summed",
        "the weight gradient summed instead of averaged",
        "db is averaged over the n examples but dW is not: deltaᵀ @ a_prev adds the n examples' "
        "gradients up, so the weights get a gradient n times too large while the biases do not. "
        "With a single example the two agree, which is why a batch of one does not show it.",
        "Divide deltaᵀ @ a_prev by n = delta.shape[0].",
        "weight_gradients",
        lambda m, delta, a_prev: (np.asarray(delta).T @ np.asarray(a_prev), np.asarray(delta).mean(axis=0)),
    ),
    Misconception(
        "bias_gradient_summed",
        "the bias gradient summed instead of averaged",
        "dW is averaged over the batch but db is not: the biases get a gradient n times too large.",
        "Use delta.mean(axis=0) for db.",
        "weight_gradients",
        _bias_gradient_as(lambda delta: delta.sum(axis=0)),
    ),
    Misconception(
        "bias_gradient_keeps_batch_axis",
        "db with the batch axis kept",
        "delta.mean(axis=0, keepdims=True) gives db the shape (1, d_out), but b has the shape (d_out,). "
        "A gradient must have the shape of its parameter: b − lr·db broadcasts to (1, d_out), and the "
        "bias changes shape after one step.",
        "Use delta.mean(axis=0), without keepdims, so that db is shaped like b.",
        "weight_gradients",
        _bias_gradient_as(lambda delta: delta.mean(axis=0, keepdims=True)),
    ),
    Misconception(
        "bias_gradient_mean_of_everything",
        "db averaged over every entry of delta",
        "np.mean(delta) without an axis averages over the examples and the units together and "
        "returns one number, so every bias of the layer gets the same step. Each unit's bias needs "
        "its own delta averaged over the batch only.",
        "Average over the batch axis only: delta.mean(axis=0), shaped like b.",
        "weight_gradients",
        _bias_gradient_as(lambda delta: delta.mean()),
    ),
    Misconception(
        "batch_size_from_units",
        "n taken from the units' axis: delta.shape[1]",
        "delta is shaped (n, d_out): one row per example, one column per unit. The average over the "
        "batch divides by the number of rows, delta.shape[0]; delta.shape[1] is the layer's width, so "
        "dW is off by the factor n / d_out, and db too where it is written as a sum divided by the "
        "same n. They are right only where the two numbers happen to agree.",
        "Count the examples down the first axis: n = delta.shape[0] (or len(delta)).",
        "weight_gradients",
        _batch_size_from(lambda delta, a_prev: delta.shape[1], db="divided by it"),
        other_forms=(_batch_size_from(lambda delta, a_prev: delta.shape[1], db="the mean"),),
    ),
    Misconception(
        "batch_size_from_inputs",
        "n taken from the inputs' width: a_prev.shape[1]",
        "a_prev is shaped (n, d_in): one row per example. Its second axis is the number of inputs "
        "each example has, not the number of examples, so dW is off by the factor n / d_in, and db "
        "too where it is written as a sum divided by the same n (delta.mean(axis=0) counts its rows "
        "itself). They are right only where the two numbers happen to agree.",
        "Count the examples down the first axis: n = delta.shape[0] (or a_prev.shape[0]).",
        "weight_gradients",
        _batch_size_from(lambda delta, a_prev: a_prev.shape[1], db="the mean"),
        other_forms=(_batch_size_from(lambda delta, a_prev: a_prev.shape[1], db="divided by it"),),
    ),
    Misconception(
        "bias_gradient_over_units",
        "db averaged over the units instead of the examples",
        "delta has one row per example and one column per unit, so delta.mean(axis=1) averages each "
        "example's deltas across the layer's units: it returns one number per example, shaped (n,), not "
        "one per bias. The bias of a unit needs that unit's delta averaged over the examples, down the "
        "column.",
        "Average down the batch axis: delta.mean(axis=0), shaped (d_out,) like b.",
        "weight_gradients",
        _bias_gradient_as(lambda delta: delta.mean(axis=1)),
    ),
    Misconception(
        "bias_gradient_zero",
        "db left at zero",
        "weight_gradients returns zeros for db (a placeholder never filled in, or the bias gradient "
        "not worked out), so every step leaves the biases where they started. z = W·a + b moves one "
        "for one with b, so a bias's gradient is its unit's delta, averaged over the batch.",
        "Return delta.mean(axis=0) as db.",
        "weight_gradients",
        _bias_gradient_as(lambda delta: np.zeros_like(delta.mean(axis=0))),
    ),
    Misconception(
        "weight_gradient_transposed",
        "dW transposed",
        "a_prevᵀ @ delta has shape (d_in, d_out), the transpose of W's (d_out, d_in). A gradient must "
        "have the shape of its parameter so that W − lr·dW lines up entry by entry.",
        "Use delta.T @ a_prev / n, shaped like W.",
        "weight_gradients",
        lambda m, delta, a_prev: (
            np.asarray(a_prev).T @ np.asarray(delta) / np.asarray(delta).shape[0],
            np.asarray(delta).mean(axis=0),
        ),
    ),
    Misconception(
        "update_adds_gradient",
        "the update adding the gradient",
        "The gradient points uphill, toward a larger loss. Gradient descent steps the other way: "
        "param − lr·grad. Adding it makes the loss grow.",
        "Subtract: param - lr * grad.",
        "sgd_update",
        lambda m, param, grad, lr: np.asarray(param) + lr * np.asarray(grad),
    ),
    Misconception(
        "update_without_learning_rate",
        "the learning rate left out of the update",
        "A step of gradient descent moves against the gradient by lr times the gradient. Without "
        "lr the step is the whole gradient, usually far too long, and whatever learning rate the "
        "caller chooses changes nothing.",
        "Scale the gradient by the learning rate: param - lr * grad.",
        "sgd_update",
        lambda m, param, grad, lr: np.asarray(param) - np.asarray(grad),
    ),
    Misconception(
        "inputs_mutated",
        "inputs changed in place",
        "param -= lr * grad (or x[...] = ...) writes into the caller's array. The caller's data "
        "changes behind its back: the old parameters are lost and a second use of them is wrong.",
        "Build a new array: return param - lr * grad; copy an array before changing it.",
        "sgd_update",
        _update_in_place,
    ),
    Misconception(
        "hidden_layer_sigmoid",
        "the sigmoid in the hidden layer of the two-layer network",
        "The two-layer network has a ReLU hidden layer; only its output is a sigmoid. A forward pass "
        "with a1 = sigmoid(z1) computes another network, while the hidden delta still takes ReLU's "
        "slope, so the gradients of the training step belong to neither network.",
        "In forward, use a1 = relu(z1); keep the sigmoid for the output, y_hat = sigmoid(z2).",
        "forward",
        _forward_where(lambda m, z1: m.sigmoid(z1)),
    ),
    Misconception(
        "hidden_layer_linear",
        "the hidden ReLU left out of the forward pass",
        "forward must apply the hidden layer's activation: a1 = relu(z1), which the output layer "
        "reads. Passing z1 on instead, as a1 or straight into z2, makes the hidden layer linear (two "
        "linear layers in a row are just one), and the hidden delta, which still multiplies by "
        "relu'(z1), no longer matches the forward pass: the step's gradients belong to neither "
        "network.",
        "In forward, set a1 = relu(z1) and let the output layer read a1, not z1.",
        "forward",
        _forward_where(lambda m, z1: z1),
        other_forms=(_forward_where(output_reads="z1"),),
    ),
    Misconception(
        "forward_without_biases",
        "the biases left out of the forward pass",
        "Each layer computes z = a_prev Wᵀ + b. Without + b the network is another one, whose units "
        "all pass through the origin: the loss, the deltas and every gradient the step takes belong "
        "to it, and the biases, though updated, never change what the network computes.",
        'In forward, add each layer\'s bias: z1 = X @ params["W1"].T + params["b1"], and b2 in z2.',
        "forward",
        _forward_where(with_biases=False),
    ),
    Misconception(
        "loss_after_update",
        "the loss reported after the update",
        "train_step must report the loss of the parameters it was given, the one its forward pass "
        "computed. Computing it again with the new parameters reports a loss the step has not "
        "been judged by.",
        "Compute the loss from the forward pass, before any update, and return that value.",
        "train_step",
        _loss_after_update,
    ),
    Misconception(
        "train_step_loss_written_out",
        "train_step's loss written out again, averaged otherwise than squared_error",
        "train_step reports the loss that squared_error defines: summed over the outputs and averaged "
        "over the n examples. Written out again in train_step, np.mean((ŷ − Y)²) averages over the "
        "outputs too, k times too small, and np.sum((ŷ − Y)²) averages over nothing, n times too "
        "large; the step itself is right, only the reported loss is off.",
        "Report what squared_error gives for the forward pass: loss = squared_error(y_hat, Y).",
        "train_step",
        _train_step_where(loss_of_errors="mean"),
        other_forms=(_train_step_where(loss_of_errors="sum"),),
    ),
    Misconception(
        "train_step_lr_divided_by_n",
        "the learning rate divided by n in train_step",
        "weight_gradients already averages over the n examples. Dividing the learning rate by n as "
        "well averages twice: every step is n times shorter than gradient descent's, and how far it "
        "goes depends on the batch size.",
        "Step by lr itself: sgd_update(params[key], grads[key], lr).",
        "train_step",
        _train_step_where(step_size="lr / n"),
    ),
    Misconception(
        "output_layer_updated_first",
        "W2 updated before the hidden delta",
        "The hidden delta sends the output delta back through W2 as it was in the forward pass. "
        "Updating W2 first and then computing δ1 = (δ2 W2) ⊙ relu'(z1) uses weights that did not "
        "produce this output, so W1 and b1 step along something that is not the gradient of this loss.",
        "Compute every delta and every gradient first, with the parameters of the forward pass; "
        "update the parameters only at the end.",
        "train_step",
        _output_layer_updated_first,
    ),
    Misconception(
        "hidden_delta_through_W1",
        "the hidden delta sent back through W1 instead of W2",
        "δ1 is the output delta sent back through the weights it came through, the output layer's W2, "
        "then multiplied by relu'(z1). W1 belongs to the layer below: its shape fits only where the "
        "layers' widths happen to agree, and even then its numbers are the wrong layer's.",
        'Send δ2 back through the output layer\'s weights: hidden_delta(delta2, params["W2"], z1, "relu").',
        "train_step",
        _train_step_where(hidden_through="W1"),
    ),
    Misconception(
        "first_layer_gradient_from_hidden_output",
        "dW1 taken from the hidden layer's output instead of X",
        "A layer's dW is its delta times what the layer was given. The first layer was given X; a1 is "
        "what it put out. δ1ᵀ a1 is shaped (h, h), not like W1, and W1 − lr·dW1 then fails, or "
        "broadcasts into numbers that are no gradient.",
        "Use each layer's input: weight_gradients(delta1, X) for the first layer, weight_gradients(delta2, "
        "a1) for the second.",
        "train_step",
        _train_step_where(first_layer_input="a1"),
    ),
    Misconception(
        "output_layer_gradient_from_X",
        "dW2 taken from X instead of the hidden layer's output",
        "A layer's dW is its delta times what that layer was given. The output layer reads a1, the "
        "hidden layer's output; X is what the first layer reads. δ2ᵀ X has the shape of W1, not W2, "
        "so W2 − lr·dW2 fails, or, where the widths happen to agree, moves W2 by another layer's "
        "numbers.",
        "Use each layer's input: weight_gradients(delta2, a1) for the output layer, weight_gradients("
        "delta1, X) for the first.",
        "train_step",
        _train_step_where(second_layer_input="X"),
    ),
    Misconception(
        "output_layer_gradient_from_pre_activation",
        "dW2 taken from z1, before the hidden ReLU",
        "The output layer reads a1 = relu(z1), not z1: its dW is δ2ᵀ a1 / n. Taking z1 keeps the "
        "negative pre-activations that the ReLU set to 0, so W2's gradient is off wherever a hidden "
        "unit was switched off, and right only where none was.",
        "Use what the output layer was given: weight_gradients(delta2, a1), with a1 = relu(z1).",
        "train_step",
        _train_step_where(second_layer_input="z1"),
    ),
    Misconception(
        "train_step_hidden_slope_at_output",
        "the hidden delta's slope taken at the output's z2",
        "δ1 multiplies by relu'(z1), the slope of the hidden layer at its own pre-activation. z2 is "
        "the output layer's: its shape is (n, k), not (n, h), so the product fails unless k = 1, and "
        "then it switches every hidden unit on or off by the output's sign instead of its own.",
        'Take the slope where the delta is going: hidden_delta(delta2, params["W2"], z1, "relu").',
        "train_step",
        _train_step_where(hidden_slope_at="z2"),
    ),
    Misconception(
        "train_step_output_relu_slope",
        "ReLU's slope at the sigmoid output of the two-layer network",
        "The network's output is ŷ = σ(z2), so its delta multiplies by σ'(z2). Naming \"relu\" to "
        "output_delta multiplies by relu'(z2) instead, 1 where z2 > 0 and 0 elsewhere: σ' is never "
        "above ¼, so the output layer's gradients come out at least four times too large where "
        "z2 > 0 and vanish where it is not, and the hidden layer's, which start from δ2, with them.",
        'Name the output\'s activation: output_delta(y_hat, Y, z2, "sigmoid"); "relu" is the hidden layer\'s.',
        "train_step",
        _train_step_where(output_activation="relu"),
    ),
    Misconception(
        "train_step_target_first",
        "output_delta given the target first: output_delta(Y, y_hat, ...)",
        "output_delta(y_hat, y, z) takes the prediction first and computes 2(ŷ − y) f'(z). Called "
        "with Y first, it computes 2(y − ŷ) f'(z): every gradient of the step points uphill, and the "
        "step raises the loss it should lower.",
        'Keep the order of the signature: output_delta(y_hat, Y, z2, "sigmoid").',
        "train_step",
        _train_step_where(output_delta_of=("Y", "y_hat", "z2")),
    ),
    Misconception(
        "train_step_output_slope_at_prediction",
        "the output delta's σ' taken at ŷ instead of at z2",
        "output_delta's third argument is the pre-activation z2, where σ' is taken. Giving it ŷ = σ(z2) "
        "takes σ'(σ(z2)), the slope at another point of the curve, so both layers' gradients come "
        "out scaled by the wrong factor.",
        'Pass the output\'s pre-activation: output_delta(y_hat, Y, z2, "sigmoid").',
        "train_step",
        _train_step_where(output_delta_of=("y_hat", "Y", "y_hat")),
    ),
    Misconception(
        "train_step_hidden_sigmoid_slope",
        "σ' in place of ReLU' in the two-layer network's hidden delta",
        'The hidden layer is a ReLU; only the output is a sigmoid. Naming "sigmoid" to hidden_delta '
        "multiplies δ1 by σ'(z1), at most ¼, where relu'(z1), 0 or 1, belongs: dW1 and db1 are then "
        "the gradients of a network the forward pass did not compute.",
        'Name the hidden layer\'s activation: hidden_delta(delta2, params["W2"], z1, "relu").',
        "train_step",
        _train_step_where(hidden_activation="sigmoid"),
    ),
    Misconception(
        "params_updated_in_place",
        "the parameters updated in place",
        "train_step wrote the step into the params it was given (params[key] -= lr * grad, or "
        "new_params = params and then new_params[key] = ...): new_params is the caller's own dict, "
        "so the parameters from before the step are gone. Whoever keeps them, to compare the loss "
        "before and after, to try another learning rate from the same start, or to check the step, "
        "gets the new ones instead.",
        "Build a new dict from new arrays, e.g. {key: sgd_update(params[key], grads[key], lr) for key "
        "in params}; never assign into params or its arrays.",
        "train_step",
        _params_updated_in_place,
    ),
    Misconception(
        "bias_not_updated",
        "the biases not updated",
        "The step updates W1 and W2 but returns b1 and b2 unchanged, so the biases never learn.",
        "Apply sgd_update to every parameter: W1, b1, W2 and b2.",
        "train_step",
        _returned_as_given("b1", "b2"),
    ),
    Misconception(
        "hidden_layer_not_updated",
        "the hidden layer's parameters not updated",
        "The step updates W2 and b2 but returns W1 and b1 unchanged: δ1, dW1 and db1 are worked out "
        "and then left unused, so only the output layer learns and the hidden layer keeps its "
        "starting weights.",
        "Apply sgd_update to every parameter: W1 and b1 too, with dW1 and db1.",
        "train_step",
        _returned_as_given("W1", "b1"),
    ),
    Misconception(
        "forward_differences",
        "forward instead of central differences",
        "(f(x + h) − f(x)) / h is off by about h·f''/2, which for h = 1e-5 is far above what a "
        "gradient check needs. The central difference (f(x + h) − f(x − h)) / 2h cancels that term: "
        "its error shrinks like h².",
        "Evaluate f at x + h and at x − h, and divide the difference by 2h.",
        "numerical_gradient",
        _forward_differences,
    ),
    Misconception(
        "central_difference_over_h",
        "the central difference divided by h instead of 2h",
        "f(x + h) and f(x − h) are 2h apart, so the slope between them is their difference over 2h. "
        "Dividing by h doubles every entry of the estimate, and a gradient check against it would "
        "flag a correct backprop as wrong.",
        "Divide f(x + h) − f(x − h) by 2 * eps.",
        "numerical_gradient",
        _central_differences_sloped(lambda f_plus, f_minus, eps: (f_plus - f_minus) / eps),
    ),
    Misconception(
        "central_difference_times_eps",
        "the difference halved and then multiplied by eps: / 2 * eps",
        "Python reads (f(x + h) − f(x − h)) / 2 * eps from left to right: it halves the difference and "
        "then multiplies it by eps, where the slope divides it by 2·eps. Every entry comes out eps² times "
        "the derivative, about 1e-10 of it with the default eps.",
        "Put the whole denominator in parentheses: (f_plus - f_minus) / (2 * eps).",
        "numerical_gradient",
        _central_differences_sloped(lambda f_plus, f_minus, eps: (f_plus - f_minus) / 2 * eps),
    ),
    Misconception(
        "central_difference_without_parentheses",
        "only f(x − h) divided: f_plus - f_minus / (2 * eps)",
        "Division binds tighter than subtraction, so f_plus - f_minus / (2 * eps) divides f(x − h) alone "
        "by 2h and subtracts that from f(x + h): a number of the size of f(x)/2h, nothing like the slope.",
        "Put the difference in parentheses: (f_plus - f_minus) / (2 * eps).",
        "numerical_gradient",
        _central_differences_sloped(lambda f_plus, f_minus, eps: f_plus - f_minus / (2 * eps)),
    ),
    Misconception(
        "central_difference_reversed",
        "the central difference taken the wrong way round: f(x − h) − f(x + h)",
        "The slope is rise over run from x − h to x + h: (f(x + h) − f(x − h)) / 2h. Subtracting the "
        "other way flips the sign of every entry, so a gradient check would call a correct gradient "
        "wrong and a gradient of the wrong sign right.",
        "Subtract the lower nudge from the upper: (f_plus - f_minus) / (2 * eps).",
        "numerical_gradient",
        _central_differences_sloped(lambda f_plus, f_minus, eps: (f_minus - f_plus) / (2 * eps)),
    ),
    Misconception(
        "every_entry_nudged",
        "every entry of x nudged at once",
        "x + eps adds h to every entry of x together, so f(x + h) − f(x − h) measures how f changes "
        "when all entries move at once: the sum of all the partial derivatives, the same number in "
        "every entry of the estimate. A partial derivative moves one entry and holds the others still.",
        "Loop over the entries (np.ndindex(x.shape)) and nudge only x[index] by ±eps, putting it back "
        "after the two evaluations.",
        "numerical_gradient",
        _every_entry_nudged,
    ),
    Misconception(
        "rows_nudged_whole",
        "a whole row of x nudged at once (range(len(x)))",
        "for i in range(len(x)) walks the first axis only. When x is a matrix, x[i] is a whole row, "
        "so each nudge moves every entry of that row together, and the difference quotient is the sum "
        "of the row's partial derivatives, written into every entry of the row. For a vector x the "
        "loop is right, which is why the one-dimensional cases pass.",
        "Loop over every entry, whatever the shape: for index in np.ndindex(x.shape), nudging x[index].",
        "numerical_gradient",
        lambda m, f, x, eps=1e-5: _central_differences(m, f, x, eps, restore=True, rows=True),
    ),
    Misconception(
        "x_not_restored",
        "the array under test not restored",
        "After nudging x[i] up and down, the entry keeps its last value (x[i] − h). The caller's x "
        "is changed, and the nudges of the later entries are taken at a point that is no longer x.",
        "Save x[i] before nudging it and put it back after the two evaluations (a try/finally makes "
        "this safe).",
        "numerical_gradient",
        lambda m, f, x, eps=1e-5: _central_differences(m, f, x, eps, restore=False),
    ),
    Misconception(
        "x_restored_by_arithmetic",
        "x put back by adding and subtracting eps",
        "x[i] += eps, then x[i] -= 2·eps, then x[i] += eps lands back on x[i] only up to rounding: "
        "each step rounds to the nearest float, so the entry can end a bit or two away from where it "
        "started. numerical_gradient must leave x holding exactly its original values, since the "
        "caller goes on using them.",
        "Save the entry before the nudges (original = x[index]) and assign it back afterwards "
        "(x[index] = original).",
        "numerical_gradient",
        _restored_by_arithmetic,
    ),
    Misconception(
        "minus_copy_aliases_x",
        "x_plus = x and x_minus = x, which copy nothing",
        "Giving an array a new name does not copy it: x_plus, x_minus and x are one array. So "
        "x_minus[i] -= eps only takes back the nudge of x_plus[i] += eps, and f_minus is f at x, not "
        "at x − h. The difference f(x + h) − f(x) spans one h but is divided by 2h: every entry comes "
        "out about half the slope.",
        "Copy before nudging (x_plus = x.copy(), x_minus = x.copy()), or nudge x itself, call f between "
        "the nudges and put the saved value back.",
        "numerical_gradient",
        _minus_copy_aliases_x,
    ),
    Misconception(
        "eps_ignored",
        "the eps argument ignored",
        "The function uses a step of its own instead of the eps it is given, so a caller who asks "
        "for a different step does not get it.",
        "Use the eps parameter in both the nudges and the division by 2·eps.",
        "numerical_gradient",
        lambda m, f, x, eps=1e-5: _central_differences(m, f, x, 1e-5, restore=True),
    ),
    # a step of 1e-4 or smaller answers as the 1e-5 above does; 1e-3 costs accuracy too. (1e-2 would
    # fail a test whose calls look right at the diagnosis's tolerance, which then names nothing there.)
    Misconception(
        "eps_ignored_0.001",
        "the eps argument ignored for a step of 0.001",
        "The function nudges x by 0.001 whatever eps it is given, so a caller who asks for another "
        "step does not get it. A step that large also costs accuracy: the central difference is off "
        "by about h²·f‴/6, which at h = 0.001 is ten thousand times what it is at the default eps of "
        "1e-5, so the estimate misses even where the caller leaves eps alone.",
        "Use the eps parameter in both the nudges and the division by 2·eps, and leave its default "
        "(1e-5) as it is.",
        "numerical_gradient",
        lambda m, f, x, eps=1e-5: _central_differences(m, f, x, 1e-3, restore=True),
    ),
    Misconception(
        "output_activation_everywhere",
        "the output activation applied in every layer",
        "Only the output layer is a sigmoid; the hidden layers use the activation passed in. A forward "
        "pass that applies the sigmoid in every layer computes a different network, and the hidden "
        "deltas, which use the hidden activation's derivative, no longer belong to it.",
        'In deep_forward, use "sigmoid" for the last layer only and activation for the others.',
        "deep_forward",
        _deep_forward_where(hidden="sigmoid"),
    ),
    Misconception(
        "hidden_activation_at_deep_output",
        "the hidden activation applied in the output layer too",
        "The deep network's output layer is a sigmoid whatever the hidden layers use. A forward pass "
        "that applies activation to every layer makes ŷ a ReLU, tanh or identity of z, which "
        "output_delta's σ' then does not match. With sigmoid hidden layers the two agree, so only "
        "the other activations show it.",
        'In deep_forward, use "sigmoid" for the last layer and activation for the layers before it.',
        "deep_forward",
        _deep_forward_where(output="activation"),
    ),
    Misconception(
        "deep_forward_activations_swapped",
        "the sigmoid in the hidden layers and their activation at the output",
        "The test that picks each layer's activation is the wrong way round: the hidden layers get the "
        "sigmoid and the output layer gets the activation passed in, where the hidden layers should "
        "use activation and only the output the sigmoid. With sigmoid hidden layers the two agree, "
        "so only the other activations show it.",
        'In deep_forward, pick "sigmoid" when layer is the last one and activation otherwise: '
        'activate(z, "sigmoid" if layer == last else activation).',
        "deep_forward",
        _deep_forward_where(hidden="sigmoid", output="activation"),
    ),
    Misconception(
        "deep_forward_without_biases",
        "the biases left out of the deep forward pass",
        "Each layer computes z = a_prev Wᵀ + b. Without + b every layer passes through the origin: "
        "the deltas and gradients are those of another network, and every layer's db is computed "
        "for biases that the forward pass never used.",
        "In deep_forward, add each layer's bias: z = a @ W.T + b.",
        "deep_forward",
        _deep_forward_where(with_biases=False),
    ),
    Misconception(
        "deep_forward_outputs_kept_as_zs",
        "each layer's output kept in zs instead of its z",
        "deep_forward's zs are for the derivatives: f' is taken at the pre-activation z = a_prev Wᵀ + b. "
        "Appending the layer's output a = f(z) to zs instead moves every slope of the backward pass: "
        "the output delta gets σ'(ŷ) in place of σ'(z) of the last layer, and each hidden delta "
        "f'(f(z)) in place of f'(z). The forward pass and ŷ are right, so only the gradients show it "
        "(ReLU's and the identity's hidden slopes happen to agree, relu'(relu(z)) being relu'(z); the "
        "output's do not).",
        "In deep_forward, append z to zs and a to activations.",
        "deep_forward",
        _deep_forward_where(zs_keep="a"),
    ),
    Misconception(
        "deep_forward_zs_kept_as_activations",
        "each layer's z kept in activations instead of its output",
        "activations[l] is what layer l reads, f(z) of the layer below, and activations[-1] is the "
        "prediction ŷ = σ(z) of the last layer. Appending z instead makes the prediction the output's "
        "pre-activation, so the error is z − y instead of ŷ − y, and pairs every layer's delta but "
        "the first one's (which reads X) with the z below it instead of the activations it read.",
        "In deep_forward, append a, the layer's output after its activation, to activations; z goes to zs.",
        "deep_forward",
        _deep_forward_where(activations_keep="z"),
    ),
    Misconception(
        "deep_gradients_last_layer_first",
        "the layers' gradients in backward order",
        "Backpropagation visits the layers from the output back to the input, so a list built with "
        "append holds the last layer first. deep_gradients must return them first layer first, each "
        "(dW, db) at the index of its own weights and biases.",
        "Fill a list of L entries by index (grads[layer] = ...), or reverse the list before returning it.",
        "deep_gradients",
        _deep_gradients_last_layer_first,
    ),
    Misconception(
        "deep_output_of_hidden_activation",
        "the hidden activation's derivative at the output layer",
        "The deep network's output layer is a sigmoid whatever the hidden layers use. Passing the "
        "hidden activation to output_delta takes, say, ReLU's slope at the output where σ'(z) "
        "belongs. With sigmoid hidden layers the two agree, so only the other activations show it.",
        'Call output_delta(activations[-1], Y, zs[-1], "sigmoid"); activation is for the hidden layers only.',
        "deep_gradients",
        _deep_backprop_where(output_activation=None),
    ),
    Misconception(
        "deep_output_slope_at_prediction",
        "the output delta's σ' taken at ŷ instead of at the output's z",
        "output_delta's third argument is the output layer's pre-activation zs[-1], where σ' is taken. "
        "Giving it ŷ = activations[-1] takes σ'(σ(z)), the slope at another point of the curve, and "
        "every layer's gradient, all of which start from this delta, is scaled by the wrong factor.",
        'Pass the pre-activation: output_delta(activations[-1], Y, zs[-1], "sigmoid").',
        "deep_gradients",
        _deep_backprop_where(output_slope_at="prediction"),
    ),
    Misconception(
        "deep_derivative_at_activation",
        "a hidden layer's f' taken at its output instead of at z",
        "The hidden delta multiplies by f'(z) of that layer's pre-activation. Passing the layer's "
        "output a = f(z) gives f'(f(z)), another number for sigmoid and tanh (ReLU happens to agree, "
        "since relu'(relu(z)) = relu'(z)).",
        "Keep the pre-activations of the forward pass and give hidden_delta zs[layer - 1], not the "
        "activations.",
        "deep_gradients",
        _deep_backprop_where(slope_at="a"),
    ),
    Misconception(
        "deep_weight_gradient_from_layer_output",
        "a layer's dW taken from its own output instead of its input",
        "A layer's dW is its delta times the activations that went into it: X for the first layer, the "
        "previous layer's output for the others. Pairing the delta with what the layer put out instead "
        "shifts every layer's gradient one step along the list: dW comes out d_out × d_out, the wrong "
        "shape unless the layer is square, and the wrong numbers even then.",
        "Pair each layer's delta with that layer's input, weight_gradients(delta, a_prev), where a_prev "
        "is X for the first layer.",
        "deep_gradients",
        _deep_backprop_where(weight_gradient_from="output"),
    ),
    Misconception(
        "deep_weight_gradient_from_pre_activation",
        "a layer's dW taken from the z below it instead of its activation",
        "A layer reads the activations of the layer below, a = f(z), so its dW is its delta times "
        "those: activations[layer]. zs[layer - 1] has the same shape but holds the numbers before f: "
        "with sigmoid or tanh every entry differs, with ReLU the negative ones that f set to 0 are "
        "kept. Only the first layer, which reads X, and identity layers, where a = z, come out right.",
        "Pair each layer's delta with the activations it read: weight_gradients(delta, "
        "activations[layer]); keep zs[layer - 1] for hidden_delta's f'.",
        "deep_gradients",
        _deep_backprop_where(weight_gradient_from="pre-activation"),
    ),
    Misconception(
        "deep_hidden_slope_of_layer_above",
        "a hidden layer's f' taken at the z of the layer above it",
        "Going back from layer l to layer l − 1, the delta is sent through W_l and multiplied by f' of "
        "layer l − 1's own pre-activation. Taking f' at layer l's z, the one the delta came from, is "
        "off by one layer: the shapes differ unless the two layers are as wide, and the numbers belong "
        "to the wrong units even where they agree.",
        "Give hidden_delta the pre-activation of the layer the delta is going to: zs[layer - 1] when "
        "going back from layer.",
        "deep_gradients",
        _deep_backprop_where(slope_at="z above"),
    ),
    Misconception(
        "deep_hidden_delta_through_layer_below",
        "a hidden delta sent back through the weights of the layer below",
        "Going back from layer l to layer l − 1, the delta goes through W_l, the weights that read "
        "layer l − 1's output. weights[layer - 1] belongs to the layer below, which the delta has not "
        "reached yet: its shape fits only where the layers are as wide (as in a chain of single "
        "units), and its numbers are the wrong connections even there.",
        "Send the delta through the weights it came through: hidden_delta(delta, weights[layer], "
        "zs[layer - 1], activation).",
        "deep_gradients",
        _deep_backprop_where(through="below"),
    ),
    Misconception(
        "deep_delta_not_passed_back",
        "each hidden delta computed but not kept: every layer gets the output delta",
        "The loop must replace delta with hidden_delta's result, so that the next layer down gets its "
        "own delta. Calling hidden_delta without assigning what it returns leaves delta the output "
        "delta all the way down: every dW is shaped by the output layer's width, and the lower layers' "
        "gradients are not theirs even where the shapes happen to fit.",
        "Assign the result: delta = hidden_delta(delta, weights[layer], zs[layer - 1], activation).",
        "deep_gradients",
        _deep_backprop_where(hidden_deltas="dropped"),
    ),
    Misconception(
        "deep_gradients_after_the_delta_moved_on",
        "a layer's gradients taken after its delta was sent back",
        "Each layer's dW and db come from that layer's own delta. The loop sends the delta back "
        "through weights[layer] first and then takes the layer's gradients, so every layer above the "
        "first pairs the delta of the layer below with its own input (a dW of the wrong shape "
        "wherever two widths differ), and only the first layer, where nothing is sent back, is right.",
        "Take the layer's gradients first, grads[layer] = weight_gradients(delta, activations[layer]), "
        "and only then send delta back with hidden_delta.",
        "deep_gradients",
        _deep_backprop_where(gradients="after"),
    ),
    Misconception(
        "deep_first_layer_left_out",
        "the first layer left out of the backward loop",
        "A loop such as range(len(weights) − 1, 0, −1) stops before layer 0, so the first layer's "
        "gradients are never computed and its entry keeps what it started as. That is the layer "
        "where the vanishing gradient shows most.",
        "Loop over every layer, for layer in reversed(range(len(weights))), and leave out only the "
        "hidden delta below the first (if layer > 0).",
        "deep_gradients",
        _deep_backprop_where(layers="above the first"),
    ),
    Misconception(
        "deep_hidden_activation_not_passed",
        "the hidden activation not passed to hidden_delta",
        "hidden_delta(delta, W, z) without its activation argument takes its default, ReLU, so every "
        "hidden delta is multiplied by ReLU's slope (0 or 1) whatever activation the network has. "
        "Only a ReLU network comes out right, and a sigmoid network's gradients no longer shrink "
        "from layer to layer, which is what the vanishing-gradient exercise is about.",
        _PASS_THE_ACTIVATION_ON,
        "deep_gradients",
        _deep_backprop_where(hidden_activation="relu"),
    ),
    Misconception(
        "deep_hidden_sigmoid_slope",
        "the sigmoid's derivative in every hidden layer",
        "Only the output layer is a sigmoid; the hidden layers use the activation deep_gradients is "
        'given. Passing "sigmoid" to hidden_delta multiplies the deltas of ReLU, tanh or identity '
        "layers by σ'(z), at most 0.25, so their gradients shrink as if the network were a sigmoid one.",
        _PASS_THE_ACTIVATION_ON,
        "deep_gradients",
        _deep_backprop_where(hidden_activation="sigmoid"),
    ),
)

BY_ID = MappingProxyType({entry.id: entry for entry in CATALOG})
