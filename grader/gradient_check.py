"""Compare analytic gradients with finite differences, parameter by parameter."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.exercise_api import TWO_LAYER_PARAMS
from grader.memo import Memo

#: relative error above which an analytic gradient is taken to be wrong
THRESHOLD = 1e-5


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max |a − n| / max(1e-8, max|a| + max|n|): the error scaled by the gradient's size."""
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    if analytic.size == 0:
        return 0.0
    scale = max(1e-8, float(np.max(np.abs(analytic)) + np.max(np.abs(numeric))))
    return float(np.max(np.abs(analytic - numeric)) / scale)


def relative_error_if_shaped(got: Any, expected: np.ndarray) -> float | None:
    """relative_error of got against expected; None when got is not numbers of expected's shape."""
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    if got is None or got_array.shape != np.shape(expected):
        return None
    return relative_error(got_array, expected)


@dataclass(frozen=True)
class ParameterCheck:
    """The finite-difference verdict on one parameter's gradient."""

    name: str
    relative_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float

    @property
    def ok(self) -> bool:
        return bool(self.relative_error <= THRESHOLD)

    def describe(self) -> str:
        return (
            f"{self.name}: relative error {self.relative_error:.1e} (limit {THRESHOLD:.0e}); "
            f"at {list(self.worst_index)} yours is {self.analytic + 0.0:.6g}, "  # −0.0 shown as 0
            f"finite differences give {self.numeric + 0.0:.6g}"
        )


def check_parameters(
    analytic: Mapping[str, np.ndarray], numeric: Mapping[str, np.ndarray]
) -> list[ParameterCheck]:
    """One ParameterCheck per parameter name, in the order of numeric."""
    checks = []
    for name, expected in numeric.items():
        got = np.asarray(analytic[name], float)
        expected = np.asarray(expected, float)
        if got.shape != expected.shape:
            raise AssertionError(f"{name}: gradient has shape {got.shape}, expected {expected.shape}")
        difference = np.abs(got - expected)
        worst: tuple[int, ...] = ()
        if difference.size:
            worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(difference)), difference.shape))
        checks.append(
            ParameterCheck(
                name,
                relative_error(got, expected),
                worst,
                float(got[worst]) if got.size else 0.0,
                float(expected[worst]) if expected.size else 0.0,
            )
        )
    return checks


def assert_gradients_match(
    analytic: Mapping[str, np.ndarray], numeric: Mapping[str, np.ndarray], what: str
) -> None:
    """Fail with one line per parameter whose gradient disagrees with finite differences."""
    bad = [check for check in check_parameters(analytic, numeric) if not check.ok]
    if bad:
        raise AssertionError(
            f"{what} disagree with finite differences: " + "; ".join(c.describe() for c in bad)
        )


_numeric = Memo[dict[str, np.ndarray]](32)


def _remembered(
    kind: str, ref: Any, arguments: tuple, work_out: Callable[[], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """work_out()'s gradients, or a copy of those found before for the same ref and arguments (the
    tests use the same problems for every submission, and each costs hundreds of forward passes)."""
    found = _numeric.get((ref,), (kind, arguments), work_out)
    return {name: gradient.copy() for name, gradient in found.items()}


def two_layer_numeric_gradients(
    ref: Any, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray
) -> dict[str, np.ndarray]:
    """Central-difference gradients of the two-layer network's loss for W1, b1, W2, b2 (ref's functions)."""
    return _remembered("two-layer", ref, (dict(params), X, Y), lambda: _two_layer_numeric(ref, params, X, Y))


def _two_layer_numeric(
    ref: Any, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray
) -> dict[str, np.ndarray]:

    def loss_at(key: str) -> Any:
        return lambda value: ref.squared_error(ref.forward({**params, key: value}, X)[-1], Y)

    return {
        key: ref.numerical_gradient(loss_at(key), np.array(params[key], dtype=float))
        for key in TWO_LAYER_PARAMS
    }


def deep_numeric_gradients(
    ref: Any, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray,
    activation: str,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Central-difference gradients of the deep network's loss, keyed "layer 1 W", "layer 1 b", ..."""
    arguments = (list(weights), list(biases), X, Y, activation)
    return _remembered("deep", ref, arguments, lambda: _deep_numeric(ref, weights, biases, X, Y, activation))


def _deep_numeric(
    ref: Any, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray,
    activation: str,
) -> dict[str, np.ndarray]:  # fmt: skip

    def loss(ws: Sequence[np.ndarray], bs: Sequence[np.ndarray]) -> float:
        return ref.squared_error(ref.deep_forward(ws, bs, X, activation)[1][-1], Y)

    numeric = {}
    for layer in range(len(weights)):

        def loss_of_w(w: np.ndarray, layer: int = layer) -> float:
            return loss([w if i == layer else v for i, v in enumerate(weights)], biases)

        def loss_of_b(b: np.ndarray, layer: int = layer) -> float:
            return loss(weights, [b if i == layer else v for i, v in enumerate(biases)])

        numeric[f"layer {layer + 1} W"] = ref.numerical_gradient(
            loss_of_w, np.array(weights[layer], dtype=float)
        )
        numeric[f"layer {layer + 1} b"] = ref.numerical_gradient(
            loss_of_b, np.array(biases[layer], dtype=float)
        )
    return numeric


def deep_layer_gradients(pairs: Sequence[tuple[Any, Any]]) -> dict[str, np.ndarray]:
    """deep_gradients' [(dW, db), ...] keyed like deep_numeric_gradients."""
    analytic = {}
    for layer, (dW, db) in enumerate(pairs, start=1):
        analytic[f"layer {layer} W"], analytic[f"layer {layer} b"] = np.asarray(dW), np.asarray(db)
    return analytic


def implied_gradients(
    params: Mapping[str, np.ndarray], new_params: Mapping[str, Any], lr: float
) -> dict[str, np.ndarray]:
    """The gradients a training step followed: (param − new) / lr for each parameter."""
    return {key: (np.asarray(params[key], float) - np.asarray(new_params[key], float)) / lr for key in params}
