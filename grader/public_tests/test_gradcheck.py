"""Public tests of gradcheck.py: accuracy of central differences, shapes, x restored."""

import pytest

from grader.compare import assert_close, assert_computes_something, assert_unchanged
from grader.probe_functions import GRADIENTS, PROBES, cubic_central_difference
from grader.student_calls import numerical_gradient_of

SHAPES = [(1,), (5,), (3, 4), (2, 2, 3)]


@pytest.mark.points(2)
@pytest.mark.parametrize("probe", sorted(PROBES))
def test_matches_exact_derivative(student, rng, probe):
    """Is the estimate as accurate as central differences (error ~h²), not one-sided ones (~h)?"""
    for shape in SHAPES:
        x = rng.normal(size=shape)
        _, got = numerical_gradient_of(student, probe, x)
        assert_close(
            got,
            GRADIENTS[probe](x),
            f"numerical_gradient of {probe} at x of shape {shape}",
            rtol=1e-7,
            atol=1e-7,
        )


# 0.5 points, and the hidden test_uses_the_eps_it_is_given 0.5 more
@pytest.mark.points(0.5)
def test_steps_by_the_eps_it_is_given(student, rng):
    """With eps=0.1, is the estimate what central differences with a step of 0.1 give?"""
    x = rng.normal(size=(3, 2))
    _, got = numerical_gradient_of(student, "cubic", x, eps=0.1)
    assert_close(
        got,
        cubic_central_difference(x, 0.1),
        "numerical_gradient of cubic with eps=0.1 (a step that large leaves a known error: central "
        "differences give 3x² + 0.1² + cos(3x)·sin(0.3)/0.1 instead of 3x² + 3cos(3x))",
        rtol=1e-9,
        atol=1e-9,
    )


#: numerical_gradient may change x while f runs, but must put back each entry exactly as it was
RESTORE_EACH_ENTRY = (
    "keep each entry's value before nudging it and assign that value back after the two evaluations "
    "(x[i] += eps followed by x[i] -= eps need not give back the same float)"
)


@pytest.mark.points(2)
def test_restores_x(student, rng):
    """Does x hold its original values after the call (which returns a gradient shaped like x)?"""
    x = rng.normal(size=(4, 3))
    outcome, got = numerical_gradient_of(student, "softplus_mix", x)
    # a function that never nudges x restores it trivially: only a result shaped like x, and not a
    # placeholder's zeros or x itself, counts
    assert got.shape == x.shape, f"numerical_gradient returned shape {got.shape} for x of shape {x.shape}"
    assert_computes_something(got, "the gradient numerical_gradient returned for softplus_mix", given=x)
    assert_unchanged(x, outcome.args_after[1], "x after numerical_gradient", RESTORE_EACH_ENTRY)


@pytest.mark.points(1)
def test_gradient_has_the_shape_of_x(student, rng):
    """Is the result shaped like x, for vectors, matrices and 3-d arrays?"""
    for shape in SHAPES:
        x = rng.normal(size=shape)
        _, got = numerical_gradient_of(student, "cubic", x)
        assert got.shape == shape, f"numerical_gradient returned shape {got.shape} for x of shape {shape}"
        assert_computes_something(
            got, f"the gradient numerical_gradient returned for cubic at x of shape {shape}", given=x
        )
