"""Hidden tests of gradcheck.py: central differences, shapes, and x restored."""

import numpy as np
import pytest

from grader.compare import as_numeric_array, assert_close, assert_unchanged
from grader.probe_functions import GRADIENTS, PROBES
from grader.student import Probe

SHAPES = [(1,), (5,), (3, 4), (2, 2, 3)]


def _numerical_gradient(student, probe, x, **kwargs):
    outcome = student.call("numerical_gradient", Probe(probe), x, **kwargs)
    if outcome.failure:
        raise AssertionError(outcome.failure.message)
    return outcome, as_numeric_array(outcome.result, "numerical_gradient")


@pytest.mark.points(2)
@pytest.mark.parametrize("probe", sorted(PROBES))
def test_matches_exact_derivative(student, rng, probe):
    """Is the estimate as accurate as central differences (error ~h²), not one-sided ones (~h)?"""
    for shape in SHAPES:
        x = rng.normal(size=shape)
        _, got = _numerical_gradient(student, probe, x)
        assert_close(got, GRADIENTS[probe](x), f"numerical_gradient of {probe} at x of shape {shape}",
                     rtol=1e-7, atol=1e-7)


@pytest.mark.points(2)
def test_matches_reference_with_a_larger_eps(student, ref, rng):
    """Does it use the eps it is given?"""
    x = rng.normal(size=(3, 2))
    _, got = _numerical_gradient(student, "cubic", x, eps=1e-2)
    want = ref.numerical_gradient(PROBES["cubic"], x.copy(), eps=1e-2)
    assert_close(got, want, "numerical_gradient with eps=1e-2", rtol=1e-9, atol=1e-9)


@pytest.mark.points(2)
def test_restores_x(student, rng):
    """Does x hold its original values after the call?"""
    x = rng.normal(size=(4, 3))
    outcome, _ = _numerical_gradient(student, "softplus_mix", x)
    assert_unchanged(x, outcome.args_after[1], "x after numerical_gradient (put each entry back after nudging it)")


@pytest.mark.points(2)
def test_gradient_has_the_shape_of_x(student, rng):
    """Is the result shaped like x, for vectors, matrices and 3-d arrays?"""
    for shape in SHAPES:
        _, got = _numerical_gradient(student, "cubic", rng.normal(size=shape))
        assert got.shape == shape, f"numerical_gradient returned shape {got.shape} for x of shape {shape}"


@pytest.mark.points(2)
def test_matches_reference_on_random_points(student, ref, rng):
    """Does it agree with the reference's central differences everywhere?"""
    for shape in SHAPES:
        x = rng.uniform(-2, 2, size=shape)
        _, got = _numerical_gradient(student, "softplus_mix", x)
        want = ref.numerical_gradient(PROBES["softplus_mix"], x.copy())
        assert_close(got, want, f"numerical_gradient of softplus_mix at x of shape {shape}", rtol=1e-6, atol=1e-8)
