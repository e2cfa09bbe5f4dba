"""Public tests of gradcheck.py: accuracy of central differences, shapes, x restored."""

import pytest

from grader.compare import assert_close, assert_unchanged
from grader.probe_functions import GRADIENTS, PROBES
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


@pytest.mark.points(2)
def test_restores_x(student, rng):
    """Does x hold its original values after the call (which returns a gradient shaped like x)?"""
    x = rng.normal(size=(4, 3))
    outcome, got = numerical_gradient_of(student, "softplus_mix", x)
    # a function that never nudges x restores it trivially: only a result shaped like x counts
    assert got.shape == x.shape, f"numerical_gradient returned shape {got.shape} for x of shape {x.shape}"
    assert_unchanged(
        x, outcome.args_after[1], "x after numerical_gradient (put each entry back after nudging it)"
    )


@pytest.mark.points(1)
def test_gradient_has_the_shape_of_x(student, rng):
    """Is the result shaped like x, for vectors, matrices and 3-d arrays?"""
    for shape in SHAPES:
        _, got = numerical_gradient_of(student, "cubic", rng.normal(size=shape))
        assert got.shape == shape, f"numerical_gradient returned shape {got.shape} for x of shape {shape}"
