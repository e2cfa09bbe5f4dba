"""A test that passed is not run again for a submission whose answers to its calls are byte for
byte the same (grader/passed_tests.py): it passes again. Any other test runs for every submission.

Each test of the suite below notes in a log that it ran, so the log tells which ones ran for
which submission; their outcomes must be those of running every test every time.
"""

from pathlib import Path

import numpy as np
import pytest
from conftest import FAST_LIMITS, REFERENCE, reference_with

from grader.planned_calls import PlannedCall
from grader.reference import load_reference
from grader.student import StudentSession
from grader.suite_runner import suite_runner

Z = np.linspace(-3.0, 3.0, 7)

#: what both suites below begin with: each test notes in LOG that it ran
HEADER = """
import numpy as np
import pytest

LOG = {log!r}
Z = np.linspace(-3.0, 3.0, 7)


def ran(name):
    with open(LOG, "a") as log:
        log.write(name + "\\n")
"""

SUITE = (
    HEADER
    + """

@pytest.mark.points(1)
def test_sigmoid(student, ref):
    ran("sigmoid")
    np.testing.assert_array_equal(student.relu(Z), ref.relu(Z))
    np.testing.assert_allclose(student.sigmoid(Z), ref.sigmoid(Z), rtol=1e-9)


@pytest.mark.points(1)
def test_relu_twice(student, ref):
    ran("relu_twice")
    for _ in range(2):
        np.testing.assert_array_equal(student.relu(Z), ref.relu(Z))


@pytest.mark.points(1)
def test_without_calls(student):
    ran("without_calls")


@pytest.mark.points(1)
def test_asking_for_request(student, ref, request):
    ran("request")
    np.testing.assert_allclose(student.sigmoid(Z), ref.sigmoid(Z), rtol=1e-9)


@pytest.mark.points(1)
def test_unplanned_call(student, ref):
    ran("unplanned")
    np.testing.assert_allclose(student.sigmoid(Z), ref.sigmoid(Z), rtol=1e-9)
    np.testing.assert_allclose(student.sigmoid(Z + 1), ref.sigmoid(Z + 1), rtol=1e-9)


@pytest.mark.points(1)
@pytest.mark.parametrize("n", [1, 3])
def test_own_fixture(student, ref, rng, n):
    ran("own_fixture")
    np.testing.assert_array_equal(student.relu(Z[:n]), ref.relu(Z[:n]))


@pytest.fixture
def rng():
    return np.random.default_rng(0)
"""
)

#: the calls the suite makes, in its order, but for test_unplanned_call's second
PLAN = [
    PlannedCall("relu", (Z,), {}),
    PlannedCall("sigmoid", (Z,), {}),
    PlannedCall("relu", (Z,), {}),
    PlannedCall("relu", (Z,), {}),
    PlannedCall("sigmoid", (Z,), {}),
    PlannedCall("sigmoid", (Z,), {}),
    PlannedCall("relu", (Z[:1],), {}),
    PlannedCall("relu", (Z[:3],), {}),
]

SIGMOID = "def sigmoid(z):\n"
#: right, but not always to the last bit the reference's answer
BY_TANH = (SIGMOID, "def sigmoid(z):\n    return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=float) / 2.0))\n")
WRONG = (SIGMOID, "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(z))\n")
PRINTING = (SIGMOID, "def sigmoid(z):\n    print('sigmoid called')\n")


def grade_in_turn(suite: Path, submissions: list[Path]) -> list[dict[str, str]]:
    """Each submission graded in turn by one runner (as by a job of grade-all), its calls
    prefetched: {test name: outcome} of each."""
    graded = []
    for submission in submissions:
        session = StudentSession(submission, FAST_LIMITS)
        session.prefetch(PLAN)
        try:
            report = suite_runner((suite,)).run(session, REFERENCE)
        finally:
            session.finish()
        graded.append({test["nodeid"].split("::")[-1]: test["outcome"] for test in report["tests"]})
    return graded


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "test_some.py").write_text(SUITE.format(log=str(tmp_path / "ran.txt")))
    return folder


def runs(suite: Path) -> list[str]:
    return (suite.parent / "ran.txt").read_text().split()


def test_the_tanh_sigmoid_answers_with_other_bytes():
    """What the tests below stand on: BY_TANH passes test_sigmoid with answers of its own."""
    sigmoid = load_reference(REFERENCE).sigmoid
    by_tanh = 0.5 * (1.0 + np.tanh(Z / 2.0))
    np.testing.assert_allclose(by_tanh, sigmoid(Z), rtol=1e-9)
    assert by_tanh.tobytes() != sigmoid(Z).tobytes()


def test_a_passed_test_is_run_again_only_for_answers_it_has_not_passed_with(suite, tmp_path):
    by_tanh = reference_with(tmp_path / "by_tanh", {"activations.py": [BY_TANH]})
    wrong = reference_with(tmp_path / "wrong", {"activations.py": [WRONG]})
    order = [REFERENCE, REFERENCE, by_tanh, wrong, by_tanh, REFERENCE]
    graded = grade_in_turn(suite, order)
    assert [g["test_sigmoid"] for g in graded] == ["passed", "passed", "passed", "failed", "passed", "passed"]
    assert [g["test_asking_for_request"] for g in graded] == [g["test_sigmoid"] for g in graded]
    ran = runs(suite)
    # the reference, then tanh's other answers, then the wrong ones; tanh's and the reference's
    # answers are both kept after that
    assert ran.count("sigmoid") == 3
    assert ran.count("relu_twice") == 1  # every submission's relu is the reference's
    assert [g["test_relu_twice"] for g in graded] == ["passed"] * len(order)
    assert [g["test_unplanned_call"] for g in graded] == [g["test_sigmoid"] for g in graded]


@pytest.mark.parametrize(
    "test, why",
    [
        ("without_calls", "it made no call: what it checked is in no answer"),
        ("request", "it asks for pytest's request, which reaches beyond its calls"),
        ("unplanned", "its second call was not prefetched"),
        ("own_fixture", "it takes a fixture of the suite's own"),
    ],
)
def test_a_test_that_may_depend_on_more_than_its_answers_runs_for_every_submission(suite, test, why):
    grade_in_turn(suite, [REFERENCE] * 3)
    expected = 6 if test == "own_fixture" else 3  # two parameters
    assert runs(suite).count(test) == expected, why


def test_a_test_whose_call_printed_runs_again(suite, tmp_path):
    printing = reference_with(tmp_path / "printing", {"activations.py": [PRINTING]})
    graded = grade_in_turn(suite, [printing, printing, REFERENCE, printing])
    assert [g["test_sigmoid"] for g in graded] == ["passed"] * 4
    # the printing submission's answers are never kept (relu's, which printed nothing, neither);
    # the reference's are
    assert runs(suite).count("sigmoid") == 4


def test_a_passed_test_taken_again_spends_its_calls(suite, tmp_path):
    """The calls a test that passes again would have made are taken as it would take them: none is
    left over, as none is when every test runs."""
    grade_in_turn(suite, [REFERENCE])
    session = StudentSession(REFERENCE, FAST_LIMITS)
    session.prefetch(PLAN)
    try:
        suite_runner((suite,)).run(session, REFERENCE)
        assert session.untaken() == []
    finally:
        session.finish()
    assert runs(suite).count("sigmoid") == 1


SCOPED = (
    HEADER
    + """

@pytest.fixture(scope="module")
def table():
    ran("set_up")
    yield [1, 2, 3]
    ran("torn_down")


@pytest.mark.points(1)
def test_uses_the_modules_fixture(student, table):
    ran("first")


@pytest.mark.points(1)
def test_plain_after_it(student, ref):
    ran("plain")
    np.testing.assert_array_equal(student.relu(Z), ref.relu(Z))
"""
)


def test_what_earlier_tests_set_up_is_torn_down_after_a_test_that_passes_again(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_scoped.py").write_text(SCOPED.format(log=str(tmp_path / "ran.txt")))
    graded = grade_in_turn(suite, [REFERENCE, REFERENCE])
    assert graded == [{"test_uses_the_modules_fixture": "passed", "test_plain_after_it": "passed"}] * 2
    once = ["set_up", "first", "plain", "torn_down"]
    assert runs(suite) == once + [step for step in once if step != "plain"]
