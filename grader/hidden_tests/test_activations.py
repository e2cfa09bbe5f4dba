"""Hidden tests of activations.py: each function against the reference on random inputs."""

import numpy as np
import pytest

from grader.cases import ELEMENTWISE_SHAPES, elementwise_input
from grader.compare import assert_close

ELEMENTWISE = ["sigmoid", "sigmoid_prime", "relu", "relu_prime", "tanh_prime"]


@pytest.mark.points(1)
@pytest.mark.parametrize("function", ELEMENTWISE)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_matches_reference(student, ref, rng, function, dtype):
    """Does it agree with the reference on random inputs of every shape, zeros and large |z| included?"""
    for shape in ELEMENTWISE_SHAPES:
        z = elementwise_input(rng, shape, dtype)
        assert_close(
            getattr(student, function)(z),
            getattr(ref, function)(z),
            f"{function} on a {np.dtype(dtype).name} input of shape {shape}",
            inputs=z,
        )
