"""The numbers behind the report's plots, from the student's functions and the reference.

Three pictures of the lessons, each with the student's curve beside the reference's:
- the vanishing gradient: ‖dW‖ of every layer of deep_gradients, sigmoid versus ReLU hidden
  layers, for networks of 2 to 10 layers;
- learning: the loss over 100 steps of train_step on a small fixed problem;
- the gradient check: the relative error against central differences of every parameter's
  gradient (train_step's implied gradients, deep_gradients' layers).

The student's functions run in the worker like any graded call; a call that fails ends
that curve and says why in notes. None of this affects the score.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.cases import deep_problem, two_layer_params, two_layer_problem
from grader.gradient_check import (
    deep_layer_gradients,
    deep_numeric_gradients,
    implied_gradients,
    relative_error_if_shaped,
    two_layer_numeric_gradients,
)
from grader.results import PlotData, Series
from grader.student import StudentCodeError, StudentSession
from grader.student_calls import checked_train_step, deep_gradients_of, train_step_of

DEPTHS = tuple(range(2, 11))
ACTIVATIONS = ("sigmoid", "relu")
WIDTH, INPUTS, EXAMPLES = 8, 4, 16
STEPS, LEARNING_RATE = 100, 1.0
SEED = 2026


def collect_plot_data(session: StudentSession, ref: Any) -> PlotData:
    notes: list[str] = []
    first, layers = _vanishing(session, ref, notes)
    errors = _gradient_errors(session, ref, notes)
    return PlotData(list(DEPTHS), first, layers, _loss_curve(session, ref, notes), errors, notes)


def _student_deep(session: StudentSession, problem: tuple, activation: str, notes: list[str]) -> list | None:
    """The student's [(dW, db), ...] on problem, or None (and why, in notes)."""
    try:
        weights, biases, X, Y = problem
        return deep_gradients_of(session, weights, biases, X, Y, activation)[1]
    except (StudentCodeError, AssertionError) as error:
        _note(notes, f"deep_gradients ({activation}): {error}")
        return None


def _vanishing(
    session: StudentSession, ref: Any, notes: list[str]
) -> tuple[dict[str, Series], dict[str, Series]]:
    first: dict[str, Series] = {a: Series([], []) for a in ACTIVATIONS}
    layers: dict[str, Series] = {}
    for depth in DEPTHS:
        rng = np.random.default_rng(SEED + depth)
        problem = deep_problem(rng, [INPUTS] + [WIDTH] * (depth - 1) + [1], EXAMPLES, scale=np.sqrt(2.0))
        for activation in ACTIVATIONS:
            want = [float(np.linalg.norm(dW)) for dW, _ in ref.deep_gradients(*problem, activation)]
            got_pairs = _student_deep(session, problem, activation, notes)
            got = [float(np.linalg.norm(dW)) for dW, _ in got_pairs] if got_pairs else [None] * depth
            first[activation].student.append(got[0])
            first[activation].reference.append(want[0])
            if depth == DEPTHS[-1]:
                layers[activation] = Series(list(got), want)
    return first, layers


def _loss_curve(session: StudentSession, ref: Any, notes: list[str]) -> Series:
    params, X, Y = _learning_problem()
    reference: list[float] = []
    ref_params = dict(params)
    for _ in range(STEPS):
        ref_params, loss = ref.train_step(ref_params, X, Y, LEARNING_RATE)
        reference.append(float(loss))
    return Series(_student_losses(session, params, X, Y, notes), reference)


def _student_losses(
    session: StudentSession, params: dict[str, Any], X: np.ndarray, Y: np.ndarray, notes: list[str]
) -> list[float | None]:
    """The student's loss at each step, training from params with their own train_step (in the worker)."""
    losses: list[float | None] = [None] * STEPS
    try:
        outcome = session.call_repeatedly("train_step", STEPS, (0, 0), params, X, Y, LEARNING_RATE)
    except StudentCodeError as error:
        _note(notes, f"train_step (loss curve): {error}")
        return losses
    for step, result in enumerate(outcome.result):
        try:
            losses[step] = checked_train_step(result)[1]
        except AssertionError as error:
            _note(notes, f"train_step at step {step + 1}: {error}")
            break
    return losses


def _learning_problem() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """16 points in the plane, labelled 1 in two opposite quadrants: a net with 8 hidden units learns it."""
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(16, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    return two_layer_params(rng, 2, 8, 1), X, Y


def _student_step(
    session: StudentSession, params: dict[str, Any], X: np.ndarray, Y: np.ndarray, step: int, notes: list[str]
) -> tuple[dict[str, Any] | None, float | None]:
    """The student's (new_params, loss), or (None, None) and why, in notes."""
    try:
        return train_step_of(session, params, X, Y, LEARNING_RATE)[1:]
    except (StudentCodeError, AssertionError) as error:
        _note(notes, f"train_step at step {step + 1}: {error}")
        return None, None


def _gradient_errors(session: StudentSession, ref: Any, notes: list[str]) -> dict[str, float | None]:
    errors: dict[str, float | None] = {}
    params, X, Y = two_layer_problem(np.random.default_rng(SEED + 100), 6, 3, 4, 2)
    numeric = two_layer_numeric_gradients(ref, params, X, Y)
    new_params, _ = _student_step(session, params, X, Y, 0, notes)
    implied = implied_gradients(params, new_params, LEARNING_RATE) if new_params else {}
    for key, expected in numeric.items():
        errors[f"train_step {key}"] = relative_error_if_shaped(implied.get(key), expected)
    for activation in ACTIVATIONS:
        weights, biases, X, Y = problem = deep_problem(np.random.default_rng(SEED + 200), [3, 4, 4, 2], 4)
        numeric = deep_numeric_gradients(ref, weights, biases, X, Y, activation)
        pairs = _student_deep(session, problem, activation, notes)
        analytic = deep_layer_gradients(pairs) if pairs else {}
        for key, expected in numeric.items():
            errors[f"deep {activation} {key}"] = relative_error_if_shaped(analytic.get(key), expected)
    return errors


def _note(notes: list[str], text: str) -> None:
    if text not in notes and len(notes) < 10:
        notes.append(text)
