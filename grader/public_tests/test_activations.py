"""Public tests of activations.py: the lessons' examples and the edge cases worth checking first."""

import numpy as np
import pytest

from grader.cases import case_ids, elementwise_input, lesson_cases
from grader.compare import as_numeric_array, assert_close, assert_computes_something, assert_unchanged

ELEMENTWISE = ["sigmoid", "sigmoid_prime", "relu", "relu_prime", "tanh_prime"]
CASES = lesson_cases(*ELEMENTWISE)


@pytest.mark.points(0.5)
@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_lesson_example(student, reference, case):
    """Does the function give the lesson's number on its worked example?"""
    got = getattr(student, case.function)(*case.call_args())
    what = f"{case.function} ({case.story})"
    if reference is not None:
        assert_close(got, getattr(reference, case.function)(*case.call_args()), what)
    assert_close(got, case.expected, what, atol=case.atol, rtol=0)


@pytest.mark.points(0.4)
@pytest.mark.parametrize("function", ELEMENTWISE)
def test_returns_floats_and_leaves_input_alone(student, rng, function):
    """Does it return a float array of the input's shape without changing the input?

    Only a computed result counts: a placeholder's zeros, or the input handed back, earn nothing."""
    z = elementwise_input(rng, (3, 4), np.float64)
    outcome = student.call_or_raise(function, z)
    result = as_numeric_array(outcome.result, function)
    assert result.shape == z.shape, (
        f"{function} returned shape {result.shape} for an input of shape {z.shape}"
    )
    assert result.dtype.kind == "f", (
        f"{function} returned {result.dtype} values; return floats (e.g. .astype(float))"
    )
    assert_computes_something(result, f"the result {function} returned for a 3 × 4 z of both signs", given=z)
    assert_unchanged(z, outcome.args_after[0], f"the input of {function}")
    integers = np.array([-2, 0, 3])
    result = as_numeric_array(getattr(student, function)(integers), function)
    assert result.dtype.kind == "f", f"{function} returned {result.dtype} for an integer input; return floats"


#: why a sigmoid that is stable in float64 can still overflow in float32
FLOAT32_OVERFLOW = (
    " (in float32, e^z overflows already above z ≈ 88.7, so clipping z to a bound that float64"
    " survives, such as ±500, does not help)"
)


@pytest.mark.points(1)
def test_sigmoid_is_stable_at_large_inputs(student):
    """Does sigmoid give exactly 0 and 1 at z = ∓1000 without an overflow warning?"""
    for dtype in (np.float64, np.float32):
        z = np.array([-1000.0, -750.0, -100.0, 0.0, 100.0, 750.0, 1000.0], dtype=dtype)
        outcome = student.call_or_raise("sigmoid", z)
        assert not outcome.warnings, (
            f"sigmoid warned on large |z| in {np.dtype(dtype).name} ({outcome.warnings[0]}): e^(−z) "
            f"overflows for very negative z, and e^z for very large z; compute through e^(−|z|), which "
            f"never exceeds 1" + (FLOAT32_OVERFLOW if dtype is np.float32 else "")
        )
        expected = [0, 0, 0, 0.5, 1, 1, 1]
        assert_close(outcome.result, expected, f"sigmoid on {np.dtype(dtype).name} z", atol=1e-30, rtol=1e-6)


@pytest.mark.points(1)
def test_sigmoid_prime_never_exceeds_a_quarter(student):
    """Is σ'(z) at most 0.25 everywhere, reaching it only at z = 0?"""
    z = np.linspace(-12, 12, 2401)
    values = as_numeric_array(student.sigmoid_prime(z), "sigmoid_prime")
    assert values.shape == z.shape, f"sigmoid_prime returned shape {values.shape}, expected {z.shape}"
    assert np.all(values <= 0.25 + 1e-12), f"sigmoid_prime reached {values.max():.6g} > 0.25"
    assert z[int(np.argmax(values))] == 0.0, "sigmoid_prime should peak at z = 0"
    assert_close(values[1200], 0.25, "sigmoid_prime(0)")


@pytest.mark.points(1)
def test_tanh_prime_is_even_and_at_most_one(student):
    """Is tanh'(z) = 1 − tanh²(z) the same at −z as at z, and in (0, 1], as a slope of tanh must be?"""
    z = np.linspace(-4, 4, 801)
    values = as_numeric_array(student.tanh_prime(z), "tanh_prime")
    assert values.shape == z.shape, f"tanh_prime returned shape {values.shape}, expected {z.shape}"
    worst = int(np.argmax(np.abs(values - values[::-1])))
    assert np.allclose(values, values[::-1], rtol=1e-9, atol=1e-12), (
        f"tanh_prime({z[worst]:g}) = {values[worst]:.6g} but tanh_prime({-z[worst]:g}) = {values[::-1][worst]:.6g}; "
        "tanh is odd, so its slope is the same at z and −z, as 1 − tanh(z)² is; 1 − tanh(z), "
        "(1 − tanh(z))² and tanh(z)(1 − tanh(z)) are not"
    )
    assert np.all((values > 0) & (values <= 1 + 1e-12)), (
        f"tanh_prime reached {values.max():.6g} and {values.min():.6g}; the slope of tanh lies in (0, 1]"
    )


@pytest.mark.points(1)
def test_relu_prime_is_zero_at_zero_and_below(student):
    """Is ReLU'(z) exactly 0 for z ≤ 0 (including z = 0) and 1 for z > 0?"""
    z = np.array([-5.0, -0.3, -1e-12, -0.0, 0.0, 1e-12, 0.3, 5.0])
    assert_close(student.relu_prime(z), [0, 0, 0, 0, 0, 1, 1, 1], "relu_prime", inputs=z, atol=0, rtol=0)
