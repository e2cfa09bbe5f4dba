"""The long-lived pytest session runs any pytest test, not only the grader's own kind.

The grader gives its own fixtures straight to a test and makes no reports for tests that use
nothing else (grader/suite_runner.py); a test suite's own fixtures, pytest's built-in ones
and marks such as skipif must still work as in a plain pytest run.
"""

import re
from pathlib import Path

import pytest
from conftest import REFERENCE

from grader.student import StudentSession
from grader.suite_runner import SuiteFailed, suite_runner

SUITE = '''
import numpy as np
import pytest


@pytest.fixture
def rng():
    return "the suite's own rng"


@pytest.mark.points(1)
@pytest.mark.parametrize("n", [1, 3])
def test_a_suites_own_fixture_wins(student, rng, n):
    """Is the suite's rng used, and the student's sigmoid called?"""
    assert rng == "the suite's own rng"
    assert student.sigmoid(np.zeros(n)).tolist() == [0.5] * n


@pytest.mark.points(1)
def test_pytest_fixtures_work(tmp_path, monkeypatch):
    """Do tmp_path (which keeps each phase's report) and monkeypatch work?"""
    monkeypatch.setenv("BACKPROP_GRADER_TEST", "1")
    (tmp_path / "x").write_text("y")
    assert (tmp_path / "x").read_text() == "y"


@pytest.mark.points(1)
@pytest.mark.skipif(True, reason="skipped on purpose")
def test_skipped(student):
    """Skipped."""


@pytest.mark.points(2)
def test_failing(student, ref):
    """Fails on purpose."""
    assert student.relu(np.array([1.0])).tolist() == [2.0], "relu(1) should be 2 here"
'''


def run(folder: Path, files: dict[str, str]) -> dict[str, dict]:
    """The runner's record of each test of a suite made of files, graded against the reference."""
    for name, text in files.items():
        (folder / name).write_text(text)
    session = StudentSession(REFERENCE)
    session.start()
    try:
        report = suite_runner((folder,)).run(session, REFERENCE)
    finally:
        session.finish()
    return {test["nodeid"].split("::")[-1]: test for test in report["tests"]}


def test_a_suites_own_fixtures_and_pytests_built_in_ones_work(tmp_path):
    tests = run(tmp_path, {"test_own_suite.py": SUITE})
    for name in (
        "test_a_suites_own_fixture_wins[1]",
        "test_a_suites_own_fixture_wins[3]",
        "test_pytest_fixtures_work",
    ):
        assert tests[name]["outcome"] == "passed", tests[name]
    assert tests["test_skipped"]["outcome"] == "skipped"
    failing = tests["test_failing"]
    assert failing["outcome"] == "failed"
    assert failing["metadata"]["status"] == "failed" and failing["metadata"]["points"] == 2.0
    assert failing["metadata"]["message"] == "relu(1) should be 2 here"


CONFTEST = """
import os


def pytest_runtest_setup(item):
    os.environ["BACKPROP_GRADER_HOOK_SAW"] = item.name
"""

HOOKED = '''
import os

import pytest


@pytest.mark.points(1)
def test_the_suites_hooks_run(student):
    """Did the suite's conftest.py see this test's setup?"""
    assert os.environ.get("BACKPROP_GRADER_HOOK_SAW") == "test_the_suites_hooks_run"
'''


def test_a_suites_conftest_hooks_run(tmp_path, monkeypatch):
    monkeypatch.delenv("BACKPROP_GRADER_HOOK_SAW", raising=False)
    tests = run(tmp_path, {"conftest.py": CONFTEST, "test_hooked.py": HOOKED})
    assert [test["outcome"] for test in tests.values()] == ["passed"]


def test_a_suite_that_cannot_start_fails_every_submission_the_same_way(tmp_path, capfd):
    """A broken conftest.py stops pytest before any test: each submission gets pytest's reason in
    one line, nothing is printed, and no later submission is graded without the conftest."""
    (tmp_path / "conftest.py").write_text("import no_such_module_for_the_grader\n")
    messages = []
    for _ in range(2):
        with pytest.raises(SuiteFailed) as failed:
            run(tmp_path, {"test_hooked.py": HOOKED})
        messages.append(str(failed.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("pytest could not start the tests: ImportError while loading conftest")
    assert messages[0].endswith("ModuleNotFoundError: No module named 'no_such_module_for_the_grader'")
    assert "\n" not in messages[0]
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    ("text", "line", "error"),
    [
        ("def test_broken(student:\n    pass\n", 1, "SyntaxError: '(' was never closed"),
        (
            "import numpy\nimport no_such_module_for_the_grader\n",
            2,
            "ModuleNotFoundError: No module named 'no_such_module_for_the_grader'",
        ),
        ("def half():\n    return 1 / 0\n\n\nHALF = half()\n", 2, "ZeroDivisionError: division by zero"),
    ],
    ids=["syntax", "import", "raises"],
)
def test_a_test_file_that_cannot_be_imported_is_named_with_its_line_in_one_line(tmp_path, text, line, error):
    """pytest's own report of it (--tb=no) has neither the line nor anything but the error."""
    with pytest.raises(SuiteFailed) as failed:
        run(tmp_path, {"test_broken.py": text})
    assert re.fullmatch(rf"\S*test_broken\.py line {line}: {re.escape(error)}", str(failed.value))


def test_a_fixture_no_one_defines_is_named_in_the_tests_message(tmp_path):
    text = "import pytest\n\n\n@pytest.mark.points(1)\ndef test_typo(student, rgn):\n    pass\n"
    metadata = run(tmp_path, {"test_typo.py": text})["test_typo"]["metadata"]
    assert (metadata["status"], metadata["message"]) == (
        "error",
        "the grader could not finish this test: it asks for a fixture named 'rgn', and there is none",
    )


POINTLESS = """
import pytest


@pytest.mark.points(0)
def test_worth_nothing_on_purpose(student):
    pass


def test_without_points(student):
    pass


@pytest.mark.points("two")
def test_points_as_text(student):
    pass


@pytest.mark.points(-1)
def test_negative_points(student):
    pass


@pytest.mark.points(1, 2)
def test_two_numbers(student):
    pass


@pytest.mark.points(float("nan"))
def test_nan_points(student):
    pass
"""


def test_a_test_without_a_usable_points_marker_stops_the_suite(tmp_path):
    """Without a marker a test would count for nothing, unnoticed; a bad one would crash grading."""
    with pytest.raises(SuiteFailed) as failed:
        run(tmp_path, {"test_pointless.py": POINTLESS})
    problems = str(failed.value).split("; ")
    assert [problem.split("::")[-1] for problem in problems] == [
        "test_without_points: it has no points marker: add @pytest.mark.points(N) "
        "(points(0) for a test that counts for nothing)",
        "test_points_as_text: points('two') is not a number of points: give one, 0 or more, as in "
        "@pytest.mark.points(2)",
        "test_negative_points: points(-1) is not a number of points: give one, 0 or more, as in "
        "@pytest.mark.points(2)",
        "and 2 more",
    ]


SCOPED = '''
import pytest

LOG = {log!r}


def note(text):
    with open(LOG, "a") as log:
        log.write(text + "\\n")


@pytest.fixture(scope="module")
def table():
    note("set up")
    yield [1, 2, 3]
    note("torn down")


@pytest.mark.points(1)
def test_uses_the_modules_fixture(student, table):
    """Not plain: pytest sets up the module's fixture."""
    note("first")
    assert table == [1, 2, 3]


@pytest.mark.points(1)
def test_plain_after_it(student):
    """Plain, and the last test: the fixture is torn down after it."""
    note("plain")
'''


def test_fixtures_set_up_before_a_plain_test_are_torn_down_after_it_for_each_submission(tmp_path):
    log = tmp_path / "log.txt"
    suite = tmp_path / "suite"
    suite.mkdir()
    for _ in range(2):
        tests = run(suite, {"test_scoped.py": SCOPED.format(log=str(log))})
        assert [test["outcome"] for test in tests.values()] == ["passed", "passed"]
    assert log.read_text().split("\n")[:-1] == ["set up", "first", "plain", "torn down"] * 2
