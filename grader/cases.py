"""Test inputs: the lessons' worked examples as data, and random problems.

Each LessonCase is one call with the number the lesson gives for it. The
public tests check a student's function against that number; the hidden tests
check it against the reference as well; the project's own tests check that the
reference reproduces every one of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# The lessons' single sigmoid neuron: x = 2, w = 0.5, b = 0.1, y = 1, η = 0.1.
SIG_Z = 0.5 * 2 + 0.1
SIG_YHAT = _sigmoid(SIG_Z)
SIG_DELTA = 2 * (SIG_YHAT - 1) * SIG_YHAT * (1 - SIG_YHAT)
# The two-layer network's output step: h = [0.6, 0.14], W2 = [1.2, -0.8], y = 1, ŷ = 0.670.
TWO_YHAT = 0.670
TWO_Z = math.log(TWO_YHAT / (1 - TWO_YHAT))
TWO_DELTA = 2 * (TWO_YHAT - 1) * TWO_YHAT * (1 - TWO_YHAT)
TWO_H = [0.6, 0.14]


@dataclass(frozen=True)
class LessonCase:
    """A worked example: function(*args, **kwargs) should give expected (to the lesson's rounding)."""

    id: str
    function: str
    args: tuple
    expected: Any
    atol: float
    story: str
    kwargs: dict = field(default_factory=dict)

    def call_args(self) -> list:
        return [np.array(a, dtype=np.float64) if isinstance(a, list) else a for a in self.args]


def _m(value: float) -> list:
    """A single example with a single output, as an (n=1, k=1) matrix."""
    return [[value]]


LESSON_CASES: tuple[LessonCase, ...] = (
    # activations
    LessonCase(
        "sigmoid neuron: y_hat",
        "sigmoid",
        (SIG_Z,),
        0.7503,
        5e-5,
        "z = 0.5·2 + 0.1 = 1.1, so ŷ = σ(1.1) ≈ 0.7503",
    ),
    LessonCase("sigmoid at 0", "sigmoid", (0.0,), 0.5, 1e-12, "σ(0) = 1/2"),
    LessonCase(
        "sigmoid' peaks at 0",
        "sigmoid_prime",
        (0.0,),
        0.25,
        1e-12,
        "σ'(0) = 0.5 · 0.5 = 0.25, the largest σ' ever gets",
    ),
    LessonCase(
        "sigmoid neuron: sigmoid'",
        "sigmoid_prime",
        (SIG_Z,),
        0.1874,
        1e-4,
        "σ'(1.1) = ŷ(1 − ŷ) ≈ 0.7503 · 0.2497 ≈ 0.1874",
    ),
    LessonCase(
        "hidden ReLU with z = -0.3",
        "relu_prime",
        (-0.3,),
        0.0,
        0.0,
        "a ReLU unit with negative pre-activation has slope 0",
    ),
    LessonCase("ReLU'(0)", "relu_prime", (0.0,), 0.0, 0.0, "by convention ReLU'(0) = 0"),
    LessonCase("ReLU neuron: y_hat", "relu", (1.1,), 1.1, 1e-12, "ReLU(0.5·2 + 0.1) = 1.1"),
    LessonCase("tanh' peaks at 0", "tanh_prime", (0.0,), 1.0, 1e-12, "tanh'(0) = 1 − 0² = 1"),
    # loss
    LessonCase("ReLU neuron: loss", "squared_error", (_m(1.1), _m(2.0)), 0.81, 1e-9, "(1.1 − 2)² = 0.81"),
    LessonCase(
        "linear model: loss", "squared_error", (_m(3.0), _m(6.0)), 9.0, 1e-9, "ŷ = 1·3 = 3, (3 − 6)² = 9"
    ),
    # output deltas
    LessonCase(
        "sigmoid neuron: delta",
        "output_delta",
        (_m(SIG_YHAT), _m(1.0), _m(SIG_Z)),
        _m(-0.0936),
        1e-4,
        "2(0.7503 − 1) · 0.1874 ≈ −0.0936",
        {"activation": "sigmoid"},
    ),
    LessonCase(
        "ReLU neuron: delta",
        "output_delta",
        (_m(1.1), _m(2.0), _m(1.1)),
        _m(-1.8),
        1e-9,
        "2(1.1 − 2) · ReLU'(1.1) = −1.8 · 1",
        {"activation": "relu"},
    ),
    LessonCase(
        "two-layer output: delta",
        "output_delta",
        (_m(TWO_YHAT), _m(1.0), _m(TWO_Z)),
        _m(-0.146),
        5e-4,
        "2(0.670 − 1) · 0.670 · 0.330 ≈ −0.146",
        {"activation": "sigmoid"},
    ),
    LessonCase(
        "linear model: delta",
        "output_delta",
        (_m(3.0), _m(6.0), _m(3.0)),
        _m(-6.0),
        1e-9,
        "ŷ = w·x has no activation: 2(3 − 6) · 1 = −6",
        {"activation": "identity"},
    ),
    # hidden delta
    LessonCase(
        "hidden ReLU with z = -0.3: delta",
        "hidden_delta",
        (_m(-0.146), _m(1.2), _m(-0.3)),
        _m(0.0),
        0.0,
        "whatever arrives from above, ReLU'(−0.3) = 0 lets none of it through",
        {"activation": "relu"},
    ),
    # weight gradients: expected is (dW, db)
    LessonCase(
        "sigmoid neuron: gradients",
        "weight_gradients",
        (_m(SIG_DELTA), _m(2.0)),
        (_m(-0.1872), [-0.0936]),
        1e-4,
        "dL/dw = δ · x ≈ −0.0936 · 2 ≈ −0.1872, dL/db = δ",
    ),
    LessonCase(
        "ReLU neuron: gradients",
        "weight_gradients",
        (_m(-1.8), _m(2.0)),
        (_m(-3.6), [-1.8]),
        1e-9,
        "dL/dw = −1.8 · 2 = −3.6, dL/db = −1.8",
    ),
    LessonCase(
        "two-layer output: gradients",
        "weight_gradients",
        ([[TWO_DELTA]], [TWO_H]),
        ([[-0.0876, -0.0204]], [-0.146]),
        2e-4,
        "dL/dW2 = δ · h = −0.146 · [0.6, 0.14]",
    ),
    LessonCase(
        "linear model: gradients",
        "weight_gradients",
        (_m(-6.0), _m(3.0)),
        (_m(-18.0), [-6.0]),
        1e-9,
        "dL/dw = −6 · 3 = −18",
    ),
    # updates
    LessonCase(
        "sigmoid neuron: update",
        "sgd_update",
        (0.5, 2 * SIG_DELTA, 0.1),
        0.5187,
        1e-4,
        "w ← 0.5 − 0.1 · (−0.1872) ≈ 0.5187",
    ),
    LessonCase(
        "ReLU neuron: update w",
        "sgd_update",
        (0.5, -3.6, 0.01),
        0.536,
        1e-9,
        "w ← 0.5 − 0.01 · (−3.6) = 0.536",
    ),
    LessonCase(
        "ReLU neuron: update b",
        "sgd_update",
        (0.1, -1.8, 0.01),
        0.118,
        1e-9,
        "b ← 0.1 − 0.01 · (−1.8) = 0.118",
    ),
    LessonCase(
        "two-layer output: update",
        "sgd_update",
        ([[1.2, -0.8]], [[TWO_DELTA * h for h in TWO_H]], 0.1),
        [[1.20876, -0.79796]],
        1e-4,
        "W2 ← [1.2, −0.8] − 0.1 · [−0.0876, −0.0204]",
    ),
    LessonCase(
        "linear model: update", "sgd_update", (1.0, -18.0, 0.1), 2.8, 1e-9, "w ← 1 − 0.1 · (−18) = 2.8"
    ),
)


@dataclass(frozen=True)
class WorkedChain:
    """A network of one unit per layer on two inputs, x → a1 → ŷ, worked out by hand.

    z1 = w1·x + b1, a1 = g(z1), z2 = w2·a1 + b2, ŷ = σ(z2), L = (ŷ − y)² for the one example.
    Both chains put z2 at 0, so ŷ = ½, σ'(z2) = ¼ and δ2 = 2(ŷ − y)·σ'(z2) = −¼ for y = 1;
    then dW2 = δ2·a1, δ1 = δ2·w2·g'(z1), dW1 = δ1·x (shaped like W1, 1 × 2, so a transposed
    gradient shows), and each db is its δ. The example goes in twice, as a batch of n = 2: the
    average of two equal gradients (and losses) is the example's own, so the numbers stay those
    of one example and a sum shows as 2×.
    """

    activation: str  # g, the hidden unit's activation
    x: tuple[float, float]
    w1: tuple[float, float]
    b1: float
    w2: float
    b2: float
    y: float
    gradients: tuple[tuple[tuple[float, ...], float], ...]  # (dW's one row, db) of layer 1, then 2
    story: str

    def deep_args(self) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray]:
        """(weights, biases, X, Y) as deep_gradients takes them: W1 1 × 2, W2 1 × 1, each b of
        length 1, X 2 × 2 and Y 2 × 1 (the example twice)."""
        weights = [np.array([self.w1]), np.array([[self.w2]])]
        X, Y = np.array([self.x, self.x]), np.array([[self.y], [self.y]])
        return weights, [np.array([self.b1]), np.array([self.b2])], X, Y

    def params(self) -> dict[str, np.ndarray]:
        """The chain as train_step's two-layer parameters (d = 2, h = k = 1)."""
        weights, biases, _, _ = self.deep_args()
        return {"W1": weights[0], "b1": biases[0], "W2": weights[1], "b2": biases[1]}


RELU_CHAIN = WorkedChain(
    "relu",
    x=(1.0, 2.0),
    w1=(1.0, 0.5),
    b1=0.0,
    w2=0.5,
    b2=-1.0,
    y=1.0,
    gradients=(((-0.125, -0.25), -0.125), ((-0.5,), -0.25)),
    story="z1 = 1·1 + 0.5·2 + 0 = 2, a1 = ReLU(2) = 2; z2 = 0.5·2 − 1 = 0, ŷ = ½, δ2 = 2(½ − 1)·¼ = −¼; "
    "dW2 = δ2·a1 = −½, db2 = −¼; δ1 = δ2·w2·ReLU'(2) = −¼·0.5·1 = −⅛, dW1 = δ1·x = [−⅛, −¼], db1 = −⅛",
)
SIGMOID_CHAIN = WorkedChain(
    "sigmoid",
    x=(1.0, 2.0),
    w1=(1.0, 0.5),
    b1=-2.0,
    w2=2.0,
    b2=-1.0,
    y=1.0,
    gradients=(((-0.125, -0.25), -0.125), ((-0.125,), -0.25)),
    story="z1 = 1·1 + 0.5·2 − 2 = 0, a1 = σ(0) = ½; z2 = 2·½ − 1 = 0, ŷ = ½, δ2 = 2(½ − 1)·¼ = −¼; "
    "dW2 = δ2·a1 = −⅛, db2 = −¼; δ1 = δ2·w2·σ'(z1) = −¼·2·σ'(0) = −¼·2·¼ = −⅛ (σ' taken at z1 = 0, "
    "not at a1 = ½), dW1 = δ1·x = [−⅛, −¼], db1 = −⅛",
)
WORKED_CHAINS = (RELU_CHAIN, SIGMOID_CHAIN)


def lesson_cases(*functions: str) -> list[LessonCase]:
    """The worked examples of the given functions (all of them when none is named)."""
    return [case for case in LESSON_CASES if not functions or case.function in functions]


def case_ids(cases: list[LessonCase]) -> list[str]:
    return [case.id for case in cases]


# ---- random problems -------------------------------------------------------------------------

#: shapes for elementwise functions: a plain float, n = 1, vectors, batches, more dims
ELEMENTWISE_SHAPES = ((), (1,), (1, 1), (7,), (4, 3), (2, 3, 5))
#: where an activation or its derivative goes wrong if written carelessly: exact zeros (ReLU's kink),
#: tiny and moderate values, and |z| where e^|z| overflows float32 (from 89) and float64 (from 710)
EDGE_VALUES = (0.0, -0.0, 1e-9, -1e-9, 0.5, -0.5, 30.0, -30.0, 700.0, -700.0, 1000.0, -1000.0)


def elementwise_input(rng: np.random.Generator, shape: tuple, dtype: Any) -> Any:
    """Random z of a shape and dtype with EDGE_VALUES at random places: each of them once when z
    has room for them all (shapes (4, 3) and (2, 3, 5)), else as many different ones as fit."""
    z = rng.normal(0.0, 3.0, size=shape)
    if z.ndim:
        flat = z.reshape(-1)
        count = min(flat.size, len(EDGE_VALUES))
        flat[rng.choice(flat.size, count, replace=False)] = rng.choice(EDGE_VALUES, count, replace=False)
    z = np.asarray(z, dtype=dtype)
    return float(z) if z.ndim == 0 and dtype == np.float64 else z


def away_from_zero(z: np.ndarray, margin: float = 1e-2) -> np.ndarray:
    """Push entries off ReLU's kink so that finite differences see a smooth function."""
    return np.where(np.abs(z) < margin, np.copysign(margin, z) + z, z)


def layer_problem(rng: np.random.Generator, n: int, d_in: int, d_out: int, dtype: Any = np.float64) -> dict:
    """A random layer: X, W, b, the next layer's weights and deltas, targets."""
    k = int(rng.integers(1, 4))
    return {
        "a_prev": rng.normal(size=(n, d_in)).astype(dtype),
        "W": (rng.normal(size=(d_out, d_in)) / math.sqrt(d_in)).astype(dtype),
        "z": away_from_zero(rng.normal(size=(n, d_out))).astype(dtype),
        "delta": rng.normal(size=(n, d_out)).astype(dtype),
        "delta_next": rng.normal(size=(n, k)).astype(dtype),
        "W_next": rng.normal(size=(k, d_out)).astype(dtype),
        "y": rng.uniform(size=(n, d_out)).astype(dtype),
    }


def two_layer_params(rng: np.random.Generator, d: int, h: int, k: int) -> dict[str, np.ndarray]:
    return {
        "W1": rng.normal(size=(h, d)) / math.sqrt(d),
        "b1": rng.normal(scale=0.1, size=h),
        "W2": rng.normal(size=(k, h)) / math.sqrt(h),
        "b2": rng.normal(scale=0.1, size=k),
    }


def two_layer_problem(rng: np.random.Generator, n: int, d: int, h: int, k: int) -> tuple:
    """(params, X, Y) with no hidden pre-activation near ReLU's kink."""
    for _ in range(100):
        params = two_layer_params(rng, d, h, k)
        X = rng.normal(size=(n, d))
        z1 = X @ params["W1"].T + params["b1"]
        if np.min(np.abs(z1)) > 1e-2:
            return params, X, rng.uniform(size=(n, k))
    raise RuntimeError("could not draw a problem away from ReLU's kink")


def deep_problem(rng: np.random.Generator, sizes: list[int], n: int, scale: float = 1.0) -> tuple:
    """(weights, biases, X, Y) for layer widths sizes = [d_0, d_1, ..., d_L]."""
    weights = [
        rng.normal(scale=scale, size=(b, a)) / math.sqrt(a) for a, b in zip(sizes, sizes[1:], strict=False)
    ]
    biases = [rng.normal(scale=0.1, size=b) for b in sizes[1:]]
    X = rng.normal(size=(n, sizes[0]))
    Y = rng.uniform(size=(n, sizes[-1]))
    return weights, biases, X, Y
