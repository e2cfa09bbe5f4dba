"""The numbers behind the report's plots, from the student's functions and the reference.

Three pictures of the lessons, each with the student's curve beside the reference's:
- the vanishing gradient: ‖dW‖ of every layer of deep_gradients, sigmoid versus ReLU hidden
  layers, for networks of 2 to 10 layers;
- learning: the loss over 100 steps of train_step on a small fixed problem;
- the gradient check: the relative error against central differences of every parameter's
  gradient (train_step's implied gradients, deep_gradients' layers).

The student's functions run in the worker like any graded call; a call that fails ends
that curve and says why in notes. None of this affects the score. A class run works the numbers
out once for all the submissions whose functions answer the plots' calls alike (by_answers).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.by_answers import ByAnswers
from grader.call_outcome import StudentCodeError
from grader.cases import deep_problem, two_layer_params, two_layer_problem
from grader.gradient_check import (
    deep_layer_gradients,
    deep_numeric_gradients,
    implied_gradients,
    relative_error_if_shaped,
    two_layer_numeric_gradients,
)
from grader.memo import Memo
from grader.results import PlotData, Series
from grader.student import StudentSession
from grader.student_calls import checked_loss, checked_train_step, deep_gradients_of, train_step_of

DEPTHS = tuple(range(2, 11))
ACTIVATIONS = ("sigmoid", "relu")
WIDTH, INPUTS, EXAMPLES = 8, 4, 16
STEPS, LEARNING_RATE = 100, 1.0
SEED = 2026


def collect_plot_data(session: StudentSession, ref: Any) -> PlotData:
    """The plots' numbers: the reference's, and the student's from session's calls."""
    side = _reference_side(ref)
    if session.recording:  # a plan's trial grading, its answers nudged: nothing to keep
        return _collect(session, side)
    drawn = _drawn.get((ref,), None, ByAnswers[PlotData])
    if (found := drawn.take_again("plots", session)) is not None:
        return copy.deepcopy(found)
    session.note_taken_calls()
    data = _collect(session, side)
    if (taken := session.taken_calls()) is not None:
        drawn.keep("plots", taken, copy.deepcopy(data))
    return data


#: the plots' numbers by the answers they were worked out from, for each reference
_drawn = Memo[ByAnswers[PlotData]](4)


def _collect(session: StudentSession, side: _ReferenceSide) -> PlotData:
    notes: list[str] = []
    first, layers = _vanishing(session, side, notes)
    errors = _gradient_errors(session, side, notes)
    losses = Series(_student_losses(session, *side.learning, notes), list(side.losses))
    return PlotData(list(DEPTHS), first, layers, losses, errors, notes)


@dataclass(frozen=True)
class _ReferenceSide:
    """Everything of the plots that does not depend on the student: the fixed problems and the
    reference's numbers on them (the same for every submission, so worked out once per process)."""

    deep_problems: dict[int, tuple]  # depth -> (weights, biases, X, Y)
    norms: dict[tuple[int, str], list[float]]  # (depth, activation) -> ‖dW‖ of every layer
    learning: tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]  # (params, X, Y)
    losses: tuple[float, ...]  # the reference's loss at each of the STEPS steps
    two_layer: tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]  # (params, X, Y) of the check
    two_layer_numeric: dict[str, np.ndarray]
    deep_check: tuple  # (weights, biases, X, Y)
    deep_numeric: dict[str, dict[str, np.ndarray]]  # activation -> numeric gradients


_sides = Memo[_ReferenceSide](4)


def _reference_side(ref: Any) -> _ReferenceSide:
    """ref's side of the plots, worked out once per process."""
    return _sides.get((ref,), None, lambda: _work_out_reference_side(ref))


def _work_out_reference_side(ref: Any) -> _ReferenceSide:
    deep_problems, norms = {}, {}
    for depth in DEPTHS:
        rng = np.random.default_rng(SEED + depth)
        problem = deep_problems[depth] = deep_problem(
            rng, [INPUTS] + [WIDTH] * (depth - 1) + [1], EXAMPLES, scale=np.sqrt(2.0)
        )
        for activation in ACTIVATIONS:
            norms[depth, activation] = [
                float(np.linalg.norm(dW)) for dW, _ in ref.deep_gradients(*problem, activation)
            ]
    learning = _learning_problem()
    losses, params = [], dict(learning[0])
    for _ in range(STEPS):
        params, loss = ref.train_step(params, learning[1], learning[2], LEARNING_RATE)
        losses.append(float(loss))
    two_layer = two_layer_problem(np.random.default_rng(SEED + 100), 6, 3, 4, 2)
    deep_check = weights, biases, X, Y = deep_problem(np.random.default_rng(SEED + 200), [3, 4, 4, 2], 4)
    return _ReferenceSide(
        deep_problems, norms, learning, tuple(losses), two_layer, two_layer_numeric_gradients(ref, *two_layer),
        deep_check, {a: deep_numeric_gradients(ref, weights, biases, X, Y, a) for a in ACTIVATIONS},
    )  # fmt: skip


def _student_deep(session: StudentSession, problem: tuple, activation: str, notes: list[str]) -> list | None:
    """The student's [(dW, db), ...] on problem, or None (and why, in notes)."""
    try:
        weights, biases, X, Y = problem
        return deep_gradients_of(session, weights, biases, X, Y, activation)[1]
    except (StudentCodeError, AssertionError) as error:
        _note(notes, f"deep_gradients ({activation}): {error}")
        return None


def _vanishing(
    session: StudentSession, side: _ReferenceSide, notes: list[str]
) -> tuple[dict[str, Series], dict[str, Series]]:
    first: dict[str, Series] = {a: Series([], []) for a in ACTIVATIONS}
    layers: dict[str, Series] = {}
    for depth in DEPTHS:
        for activation in ACTIVATIONS:
            want = side.norms[depth, activation]
            got_pairs = _student_deep(session, side.deep_problems[depth], activation, notes)
            got = [float(np.linalg.norm(dW)) for dW, _ in got_pairs] if got_pairs else [None] * depth
            first[activation].student.append(got[0])
            first[activation].reference.append(want[0])
            if depth == DEPTHS[-1]:
                layers[activation] = Series(list(got), list(want))
    return first, layers


def _student_losses(
    session: StudentSession, params: dict[str, Any], X: np.ndarray, Y: np.ndarray, notes: list[str]
) -> list[float | None]:
    """The student's loss at each step, training from params with their own train_step (in the worker)."""
    losses: list[float | None] = [None] * STEPS
    try:
        # only the losses come back, and the last step whole (a wrong result ends the loop there)
        outcome = session.call_repeatedly("train_step", STEPS, (0, 0), params, X, Y, LEARNING_RATE, keep=1)
    except StudentCodeError as error:
        _note(notes, f"train_step (loss curve): {error}")
        return losses
    results = outcome.result
    for step, result in enumerate(results):
        try:
            losses[step] = checked_train_step(result)[1] if step == len(results) - 1 else checked_loss(result)
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
    session: StudentSession, params: dict[str, Any], X: np.ndarray, Y: np.ndarray, notes: list[str]
) -> tuple[dict[str, Any] | None, float | None]:
    """The student's (new_params, loss) of one step from params, or (None, None) and why, in notes."""
    try:
        return train_step_of(session, params, X, Y, LEARNING_RATE)[1:]
    except (StudentCodeError, AssertionError) as error:
        _note(notes, f"train_step at step 1: {error}")
        return None, None


def _gradient_errors(
    session: StudentSession, side: _ReferenceSide, notes: list[str]
) -> dict[str, float | None]:
    errors: dict[str, float | None] = {}
    params, X, Y = side.two_layer
    new_params, _ = _student_step(session, params, X, Y, notes)
    implied = implied_gradients(params, new_params, LEARNING_RATE) if new_params else {}
    for key, expected in side.two_layer_numeric.items():
        errors[f"train_step {key}"] = relative_error_if_shaped(implied.get(key), expected)
    for activation in ACTIVATIONS:
        pairs = _student_deep(session, side.deep_check, activation, notes)
        analytic = deep_layer_gradients(pairs) if pairs else {}
        for key, expected in side.deep_numeric[activation].items():
            errors[f"deep {activation} {key}"] = relative_error_if_shaped(analytic.get(key), expected)
    return errors


def _note(notes: list[str], text: str) -> None:
    if text not in notes and len(notes) < 10:
        notes.append(text)
