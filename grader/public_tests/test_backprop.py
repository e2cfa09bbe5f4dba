"""Public tests of backprop.py: the lessons' worked examples, step by step."""

import numpy as np
import pytest

from grader.cases import case_ids, lesson_cases
from grader.compare import assert_close_parts
from grader.student_calls import raised_message

ACTIVATIONS = ["sigmoid", "relu", "tanh", "identity"]
CASES = lesson_cases("squared_error", "output_delta", "hidden_delta", "weight_gradients", "sgd_update")


@pytest.mark.points(0.5)
@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_lesson_example(student, reference, case):
    """Does the function reproduce the lesson's worked example?"""
    got = getattr(student, case.function)(*case.call_args(), **case.kwargs)
    what = f"{case.function} ({case.story})"
    if reference is not None:
        assert_close_parts(got, getattr(reference, case.function)(*case.call_args(), **case.kwargs), what)
    assert_close_parts(got, case.expected, what, atol=case.atol, rtol=0)


@pytest.mark.points(0.5)
@pytest.mark.parametrize("function", ["output_delta", "hidden_delta"])
def test_unknown_activation_is_rejected(student, function):
    """Does an unknown activation name raise ValueError that names the accepted ones?"""
    a = np.ones((2, 2))
    message = raised_message(student, function, a, a, a, activation="softmax")
    assert "raised ValueError" in message, (
        f"{function}(..., activation='softmax') should raise ValueError; {message}"
    )
    assert all(name in message for name in ACTIVATIONS), (
        f"the ValueError should name the accepted activations ({', '.join(ACTIVATIONS)}): {message}"
    )
