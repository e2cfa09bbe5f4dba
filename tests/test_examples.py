"""The example submissions of README.md grade as examples/README.md says."""

import pytest
from conftest import EXAMPLES, by_name, grade

#: folder -> (tests that must fail, exercises that must keep all points)
EXPECTED = {
    "forgot_hidden_derivative": (
        (
            "test_hidden_delta_matches_reference[float64-relu]",
            "test_backprop_pieces_pass_finite_difference_check",
            "test_gradients_pass_finite_difference_check[sigmoid]",
        ),
        ("activations", "gradcheck"),
    ),
    "relu_prime_at_zero": (
        ("test_relu_prime_is_zero_at_zero_and_below", "test_lesson_example[ReLU'(0)]"),
        ("gradcheck", "deep"),
    ),
    "no_batch_average": (
        ("test_weight_gradients_average_over_the_batch[float64]", "test_train_step_matches_reference[8]"),
        ("activations", "gradcheck"),
    ),
    "sign_flipped_update": (
        ("test_lesson_example[linear model: update]", "test_train_step_matches_reference[1]"),
        ("activations", "gradcheck", "deep"),
    ),
}


def test_every_example_folder_is_covered():
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == sorted([*EXPECTED, "correct"])


def test_the_correct_example_scores_100_with_its_quiz():
    result = grade(EXAMPLES / "correct")
    assert result.percent == 100, [t.message for t in result.tests if t.status != "passed"]
    assert (
        result.quiz is not None
        and result.quiz.student == "correct"
        and result.quiz.score == result.quiz.max_score
    )


def test_quiz_outcomes_of_the_examples():
    no_answers = grade(EXAMPLES / "no_batch_average").quiz
    assert no_answers.score == 0 and "no answers.toml" in no_answers.messages[0]
    partly = {q.id: q for q in grade(EXAMPLES / "sign_flipped_update").quiz.questions}
    assert {qid for qid, q in partly.items() if not q.correct} == {
        "dead-relu-causes",
        "half-convention",
        "by-hand-limit",
        "training-loop-order",
    }
    assert partly["training-loop-order"].score == pytest.approx(2 / 3)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_each_mistake_example_loses_the_expected_points(folder):
    result = grade(EXAMPLES / folder)
    must_fail, full_exercises = EXPECTED[folder]
    tests = by_name(result)
    assert all(tests[name].score == 0 for name in must_fail)
    exercises = {e.name: e for e in result.exercises()}
    assert all(exercises[name].score == exercises[name].max_score for name in full_exercises)
    exercise_points = sum(t.score for t in result.tests)
    assert 50 < exercise_points < 100
