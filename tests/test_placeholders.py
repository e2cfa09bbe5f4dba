"""A submission whose functions compute nothing earns nothing: the tests of shapes, dtypes and
inputs left alone count a result only once it is computed (compare.assert_computes_something)."""

import numpy as np
import pytest
from conftest import EXERCISES, grade

from grader.compare import assert_computes_something
from grader.exercise_api import EXERCISES as API

ACTIVATIONS = list(API["activations"])
#: the placeholder a student might leave in each function: zeros, or the input handed back
ZEROS = {
    **dict.fromkeys(ACTIVATIONS, "np.zeros_like(np.asarray(z, dtype=float))"),
    "squared_error": "0.0",
    "output_delta": "np.zeros_like(np.asarray(y_hat, dtype=float))",
    "hidden_delta": "np.zeros_like(np.asarray(z, dtype=float))",
    "weight_gradients": "np.zeros((np.shape(delta)[1], np.shape(a_prev)[1])), np.zeros(np.shape(delta)[1])",
    "sgd_update": "np.array(param, dtype=float)",
    "train_step": "{key: np.array(value, dtype=float) for key, value in params.items()}, 0.0",
    "numerical_gradient": "np.zeros(np.shape(x))",
    "deep_gradients": "[(np.zeros(np.shape(W)), np.zeros(np.shape(b))) for W, b in zip(weights, biases)]",
}
INPUT_BACK = {
    **dict.fromkeys(ACTIVATIONS, "np.asarray(z, float)"),
    "numerical_gradient": "np.array(x, dtype=float)",
    "deep_gradients": "[(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in zip(weights, biases)]",
}

#: the lessons' examples whose right answer is 0 (a dead ReLU unit, ReLU' at 0): a placeholder's zeros
#: are the right numbers there, and nothing else earns a point
RIGHT_AT_ZERO = {
    "test_lesson_example[hidden ReLU with z = -0.3]",
    "test_lesson_example[ReLU'(0)]",
    "test_lesson_example[hidden ReLU with z = -0.3: delta]",
}
#: the tests a placeholder passed before it had to compute something (13 of the 100 exercise points)
SHAPES_AND_INPUTS = {
    *(f"test_returns_floats_and_leaves_input_alone[{name}]" for name in ACTIVATIONS),
    "test_gradients_of_one_example_twice_are_that_examples",
    "test_train_step_leaves_inputs_alone",
    "test_restores_x",
    "test_gradient_has_the_shape_of_x",
    "test_gradients_are_shaped_like_parameters",
    "test_leaves_inputs_alone",
}


def placeholder_submission(target, returns):
    """The exercise stubs, each function in returns answering `return <its placeholder>` instead of
    raising NotImplementedError (deep_forward and forward, helpers no test grades, still raise)."""
    target.mkdir()
    for stub in EXERCISES.glob("*.py"):
        text = stub.read_text()
        for function, value in returns.items():
            text = text.replace(
                f'raise NotImplementedError("{function}: write your solution here")', f"return {value}"
            )
        (target / stub.name).write_text(text)
    return target


def test_a_submission_of_placeholders_earns_only_the_answers_that_are_zero(tmp_path):
    """The tests it loses for computing nothing say why, with no diagnosis beside them."""
    result = grade(placeholder_submission(tmp_path / "zeros", ZEROS))
    passed = {test.name for test in result.tests if test.status == "passed" and test.max_score > 0}
    assert passed == RIGHT_AT_ZERO
    assert sum(test.score for test in result.tests) == 1.5
    for test in result.tests:
        if test.name in SHAPES_AND_INPUTS:
            assert test.status == "failed" and "as a placeholder's" in test.message, (test.name, test.message)
            assert test.diagnosis is None, test.name  # nothing was computed that could be a mistake


def test_functions_that_hand_their_input_back_earn_nothing_for_shapes_and_inputs_left_alone(tmp_path):
    result = grade(placeholder_submission(tmp_path / "identity", INPUT_BACK), suite="public")
    handed_back = {
        *(f"test_returns_floats_and_leaves_input_alone[{name}]" for name in ACTIVATIONS),
        "test_restores_x",
        "test_gradient_has_the_shape_of_x",
        "test_gradients_are_shaped_like_parameters",
        "test_leaves_inputs_alone",
    }
    by_name = {test.name: test for test in result.tests}
    for name in handed_back:
        assert by_name[name].status == "failed", name
        assert "is the input handed back, as a placeholder's is" in by_name[name].message, by_name[
            name
        ].message
    assert "the result relu returned for a 3 × 4 z of both signs is the input" in " ".join(
        by_name["test_returns_floats_and_leaves_input_alone[relu]"].message.split()
    )


@pytest.mark.parametrize(
    ("result", "wording"),
    [
        (np.zeros((3, 4)), "holds only zeros"),
        ((np.zeros((2, 3)), np.zeros(2)), "holds only zeros"),
        ([(np.zeros((4, 3)), np.zeros(4)), (np.zeros((2, 4)), np.zeros(2))], "holds only zeros"),
        (0.0, "is 0"),
        (np.float32(-0.0), "is 0"),
    ],
)
def test_zeros_everywhere_are_a_placeholder(result, wording):
    with pytest.raises(AssertionError, match=f"^the result {wording}, as a placeholder's"):
        assert_computes_something(result, "the result")


@pytest.mark.parametrize(
    "result",
    [
        np.array([0.0, 0.0, 1e-300]),  # one entry computed is enough
        (np.zeros((2, 3)), np.array([0.0, 0.5])),
        ({"W1": np.ones(2)}, 0.0),  # a loss of 0 beside parameters that are not zeros
        (np.zeros(2), None),  # not all numbers: the test's own checks say what is wrong
        "zeros",
        None,
        [],
    ],
)
def test_anything_computed_or_not_numeric_is_left_to_the_tests_own_checks(result):
    assert_computes_something(result, "the result")


def test_the_input_handed_back_is_a_placeholder_only_where_an_input_is_given():
    z = np.array([[-1.0, 2.0], [0.5, 0.0]])
    with pytest.raises(AssertionError, match="is the input handed back"):
        assert_computes_something(z.copy(), "the result", given=z)
    assert_computes_something(z.copy(), "the result")
    assert_computes_something(np.maximum(z, 0), "the result", given=z)
