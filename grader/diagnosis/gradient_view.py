"""The gradient-check view: which layer's gradient is off, parameter by parameter.

For a failed test that called train_step or deep_gradients, the gradients the
student's code produced (for train_step, the ones its update followed:
(param − new) / lr) are compared with the reference's gradients on the same
problem (which the project's tests hold to finite differences within 1e-9; the
finite differences themselves are in `grade --report`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from grader.call_outcome import RecordedCall
from grader.diagnosis.evidence import call_size, parameter_names
from grader.gradient_check import (
    THRESHOLD,
    deep_layer_gradients,
    implied_gradients,
    relative_error_if_shaped,
)
from grader.reference import load_reference
from grader.results import ParameterError

VIEWED = ("train_step", "deep_gradients")


def gradient_view(calls: Sequence[RecordedCall], reference_dir: Path) -> tuple[ParameterError, ...]:
    """Rows for the smallest returned call of train_step or deep_gradients; () when there is none."""
    candidates = [c for c in calls if c.function in VIEWED and c.outcome.failure is None]
    if not candidates:
        return ()
    call = min(candidates, key=call_size)
    ref = load_reference(reference_dir)
    try:
        analytic, numeric = _gradients(ref, call)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return ()  # the student's result has the wrong structure: the test's message says so
    return tuple(_row(name, analytic.get(name), expected) for name, expected in numeric.items())


def _gradients(ref: Any, call: RecordedCall) -> tuple[Mapping[str, Any], Mapping[str, np.ndarray]]:
    args = {**dict(zip(parameter_names(call.function), call.args, strict=False)), **call.kwargs}
    if call.function == "train_step":
        params, X, Y = args["params"], args["X"], args["Y"]
        new_params = call.outcome.result[0]
        lr = args["lr"]
        expected, _ = ref.train_step(params, X, Y, lr)
        return implied_gradients(params, new_params, lr), implied_gradients(params, expected, lr)
    weights, biases, X, Y = args["weights"], args["biases"], args["X"], args["Y"]
    expected = ref.deep_gradients(weights, biases, X, Y, args.get("activation", "sigmoid"))
    return deep_layer_gradients(call.outcome.result), deep_layer_gradients(expected)


def _row(name: str, got: Any, expected: np.ndarray) -> ParameterError:
    error = relative_error_if_shaped(got, expected)
    if error is not None and not math.isfinite(error):  # NaN or inf in the gradient: no number to give
        error = None
    return ParameterError(name, error, error is not None and error <= THRESHOLD)
