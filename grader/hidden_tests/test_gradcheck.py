"""Hidden tests of gradcheck.py: agreement with the reference, the eps it is given."""

import pytest

from grader.compare import assert_close
from grader.probe_functions import PROBES
from grader.student_calls import numerical_gradient_of

SHAPES = [(1,), (5,), (3, 4), (2, 2, 3)]


# 0.5 points, and the public test_steps_by_the_eps_it_is_given 0.5 more
@pytest.mark.points(0.5)
def test_uses_the_eps_it_is_given(student, ref, rng):
    """Does it use the eps it is given?"""
    x = rng.normal(size=(3, 2))
    _, got = numerical_gradient_of(student, "cubic", x, eps=1e-2)
    want = ref.numerical_gradient(PROBES["cubic"], x.copy(), eps=1e-2)
    assert_close(got, want, "numerical_gradient with eps=1e-2", rtol=1e-9, atol=1e-9)


@pytest.mark.points(2)
def test_matches_reference_on_random_points(student, ref, rng):
    """Does it agree with the reference's central differences everywhere?"""
    for shape in SHAPES:
        x = rng.uniform(-2, 2, size=shape)
        _, got = numerical_gradient_of(student, "softplus_mix", x)
        want = ref.numerical_gradient(PROBES["softplus_mix"], x.copy())
        assert_close(
            got, want, f"numerical_gradient of softplus_mix at x of shape {shape}", rtol=1e-6, atol=1e-8
        )
