"""Hidden tests of activations.py: each student function against the reference."""

import numpy as np
import pytest

from grader.cases import ELEMENTWISE_SHAPES, case_ids, elementwise_input, lesson_cases
from grader.compare import as_numeric_array, assert_close, assert_unchanged

ELEMENTWISE = ["sigmoid", "sigmoid_prime", "relu", "relu_prime", "tanh_prime"]
CASES = lesson_cases(*ELEMENTWISE)


@pytest.mark.points(1)
@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_lesson_example(student, ref, case):
    """Does the function give the lesson's number on its worked example?"""
    got = getattr(student, case.function)(*case.call_args())
    assert_close(got, getattr(ref, case.function)(*case.call_args()), f"{case.function} ({case.story})")
    assert_close(got, case.expected, f"{case.function} ({case.story})", atol=case.atol, rtol=0)


@pytest.mark.points(2)
@pytest.mark.parametrize("function", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_matches_reference(student, ref, rng, function, dtype):
    """Does it agree with the reference on random inputs of every shape, zeros and large |z| included?"""
    for shape in ELEMENTWISE_SHAPES:
        z = elementwise_input(rng, shape, dtype)
        assert_close(getattr(student, function)(z), getattr(ref, function)(z),
                     f"{function} on a {np.dtype(dtype).name} input of shape {shape}", inputs=z)


@pytest.mark.points(1)
@pytest.mark.parametrize("function", ELEMENTWISE)
def test_returns_floats_and_leaves_input_alone(student, rng, function):
    """Does it return a float array of the input's shape without changing the input?"""
    z = elementwise_input(rng, (3, 4), np.float64)
    outcome = student.call(function, z)
    if outcome.failure:
        raise AssertionError(outcome.failure.message)
    result = as_numeric_array(outcome.result, function)
    assert result.shape == z.shape, f"{function} returned shape {result.shape} for an input of shape {z.shape}"
    assert result.dtype.kind == "f", f"{function} returned {result.dtype} values; return floats (e.g. .astype(float))"
    assert_unchanged(z, outcome.args_after[0], f"the input of {function}")
    integers = np.array([-2, 0, 3])
    result = as_numeric_array(getattr(student, function)(integers), function)
    assert result.dtype.kind == "f", f"{function} returned {result.dtype} for an integer input; return floats"


@pytest.mark.points(2)
def test_sigmoid_is_stable_at_large_inputs(student):
    """Does sigmoid give exactly 0 and 1 at z = ∓1000 without an overflow warning?"""
    for dtype in (np.float64, np.float32):
        z = np.array([-1000.0, -750.0, -100.0, 0.0, 100.0, 750.0, 1000.0], dtype=dtype)
        outcome = student.call("sigmoid", z)
        if outcome.failure:
            raise AssertionError(outcome.failure.message)
        assert not outcome.warnings, (
            f"sigmoid warned on large |z| ({outcome.warnings[0]}): e^(−z) overflows for very "
            f"negative z; compute through e^(−|z|) instead"
        )
        assert_close(outcome.result, [0, 0, 0, 0.5, 1, 1, 1], f"sigmoid on {np.dtype(dtype).name} z", atol=1e-30, rtol=1e-6)


@pytest.mark.points(2)
def test_sigmoid_prime_never_exceeds_a_quarter(student):
    """Is σ'(z) at most 0.25 everywhere, reaching it only at z = 0?"""
    z = np.linspace(-12, 12, 2401)
    values = as_numeric_array(student.sigmoid_prime(z), "sigmoid_prime")
    assert values.shape == z.shape, f"sigmoid_prime returned shape {values.shape}, expected {z.shape}"
    assert np.all(values <= 0.25 + 1e-12), f"sigmoid_prime reached {values.max():.6g} > 0.25"
    assert z[int(np.argmax(values))] == 0.0, "sigmoid_prime should peak at z = 0"
    assert_close(values[1200], 0.25, "sigmoid_prime(0)")


@pytest.mark.points(2)
def test_relu_prime_is_zero_at_zero_and_below(student):
    """Is ReLU'(z) exactly 0 for z ≤ 0 (including z = 0) and 1 for z > 0?"""
    z = np.array([-5.0, -0.3, -1e-12, -0.0, 0.0, 1e-12, 0.3, 5.0])
    assert_close(student.relu_prime(z), [0, 0, 0, 0, 0, 1, 1, 1], "relu_prime", inputs=z, atol=0, rtol=0)
