"""Call a student function that returns a structure, and check the structure's shape.

Shared by the public and hidden tests; each returns plain arrays or raises an
AssertionError (wrong structure) or StudentCodeError (the code failed).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.call_outcome import CallOutcome, StudentCodeError
from grader.compare import as_numeric_array
from grader.exercise_api import TWO_LAYER_PARAMS
from grader.planned_calls import Probe
from grader.student import StudentSession


def numerical_gradient_of(
    student: StudentSession, probe: str, x: np.ndarray, **kwargs: Any
) -> tuple[CallOutcome, np.ndarray]:
    """The student's numerical_gradient of a probe function at x, and the call's outcome."""
    outcome = student.call_or_raise("numerical_gradient", Probe(probe), x, **kwargs)
    return outcome, as_numeric_array(outcome.result, "numerical_gradient")


def deep_gradients_of(
    student: StudentSession, weights: list, biases: list, X: np.ndarray, Y: np.ndarray, activation: str
) -> tuple[CallOutcome, list[tuple[np.ndarray, np.ndarray]]]:
    """The student's deep_gradients as a list of (dW, db) arrays, checked for length and pairing."""
    outcome = student.call_or_raise("deep_gradients", weights, biases, X, Y, activation=activation)
    grads = outcome.result
    assert isinstance(grads, (list, tuple)), (
        f"deep_gradients should return a list, got {type(grads).__name__}"
    )
    assert len(grads) == len(weights), (
        f"deep_gradients returned a list of length {len(grads)} for a network of {len(weights)} layers "
        "(one (dW, db) pair per layer)"
    )
    pairs = []
    for layer, pair in enumerate(grads, start=1):
        assert isinstance(pair, (list, tuple)) and len(pair) == 2, (
            f"layer {layer}: expected a pair (dW, db), got {_not_a_pair(pair)}"
        )
        pairs.append(
            (as_numeric_array(pair[0], f"layer {layer} dW"), as_numeric_array(pair[1], f"layer {layer} db"))
        )
    return outcome, pairs


def _not_a_pair(entry: Any) -> str:
    """What deep_gradients put in a layer's place instead of (dW, db), in words."""
    if entry is None:
        # [None] * L filled in by a loop that stops one layer short: range(L - 1, 0, -1)
        return "None (an entry that the loop over the layers never reached stays as it was made)"
    if isinstance(entry, (list, tuple)):
        return f"a {type(entry).__name__} of {len(entry)}"
    return type(entry).__name__


def train_step_of(
    student: StudentSession, params: dict, X: np.ndarray, Y: np.ndarray, lr: float
) -> tuple[CallOutcome, dict[str, np.ndarray], float]:
    """The student's train_step as (outcome, new_params, loss), checked for keys and types."""
    outcome = student.call_or_raise("train_step", params, X, Y, lr)
    return (outcome, *checked_train_step(outcome.result))


def checked_train_step(result: Any) -> tuple[dict[str, np.ndarray], float]:
    """What train_step returned as (new_params, loss); AssertionError saying what is wrong with it."""
    assert isinstance(result, (list, tuple)) and len(result) == 2, (
        "train_step should return (new_params, loss)"
    )
    new_params, loss = result
    assert isinstance(new_params, dict), (
        f"train_step's new_params should be a dict, got {type(new_params).__name__}"
    )
    missing = [key for key in TWO_LAYER_PARAMS if key not in new_params]
    assert not missing, f"train_step's new_params lacks {', '.join(missing)}"
    arrays = {key: as_numeric_array(new_params[key], f"new_params[{key!r}]") for key in TWO_LAYER_PARAMS}
    return arrays, checked_loss(loss)


def checked_loss(value: Any) -> float:
    """train_step's loss as a float; AssertionError if it is not one number."""
    loss = as_numeric_array(value, "train_step's loss")
    assert loss.size == 1, f"train_step's loss should be one number, got shape {loss.shape}"
    return float(loss.reshape(-1)[0])


def raised_message(student: StudentSession, function: str, *args: Any, **kwargs: Any) -> str:
    """The message of the exception the call raised; AssertionError if it returned.

    A failure that is not an exception of the student's function (missing
    file, import error, timeout, NotImplementedError) keeps its own status.
    """
    outcome = student.call(function, *args, **kwargs)
    if outcome.failure is None:
        raise AssertionError(f"{function} returned a value where it should have raised an exception")
    if outcome.failure.kind != "exception":
        raise StudentCodeError(outcome.failure)
    return outcome.failure.message
