"""The pytest plugin that runs the grading tests: fixtures, points and statuses.

Hooks here only collect; grader.suite_runner runs the tests and test_metadata says
what each gave, which grader.grading turns into results.
Each test's outcome is classified as the student would see it:
    passed   the assertion held
    failed   the function returned wrong values (an AssertionError)
    error    the student's code raised, was missing or could not be called
    timeout  the student's code did not return in time
"""

from __future__ import annotations

import math
import traceback
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _pytest.python import get_direct_param_fixture_func

from grader.call_outcome import StudentCodeError
from grader.compare import PlaceholderResult
from grader.lost_points import clause_list
from grader.reference import load_reference
from grader.results import Diagnosis
from grader.student import StudentSession

MAX_MESSAGE = 1500
PLUGIN_KEY = pytest.StashKey["GradingPlugin"]()


class GradingPlugin:
    """Registered with pytest.main(plugins=[...]) for a session that grades submissions in turn.

    begin() points the fixtures at one submission's student and reference; end() forgets them.
    """

    def __init__(self) -> None:
        self._session: StudentSession | None = None
        self.reference_dir: Path | None = None
        self.collection_errors: list[str] = []
        self._failed_at: dict[str, int | None] = {}
        #: no conftest.py among the collected tests' folders (see suite_runner.run_test)
        self.without_conftest = True

    def begin(self, session: StudentSession, reference_dir: Path | None) -> None:
        self._session = session
        self.reference_dir = reference_dir

    def end(self) -> None:
        self._session = None
        self.reference_dir = None

    @property
    def session(self) -> StudentSession:
        if self._session is None:
            raise RuntimeError("no submission is being graded")
        return self._session

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): points the test is worth")
        config.stash[PLUGIN_KEY] = self

    def pytest_plugin_registered(self, plugin: object) -> None:
        if Path(str(getattr(plugin, "__file__", ""))).name == "conftest.py":
            self.without_conftest = False

    def pytest_exception_interact(
        self, node: pytest.Item | pytest.Collector, call: pytest.CallInfo[Any], report: Any
    ) -> None:
        # before pytest_collectreport, and with the traceback that --tb=no leaves out of the report
        if isinstance(report, pytest.CollectReport) and call.excinfo is not None:
            self._failed_at[report.nodeid] = _line_in(call.excinfo, node.path)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            line = self._failed_at.pop(report.nodeid, None)
            self.collection_errors.append(collection_error(report.nodeid, report.longreprtext, line))

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if (problem := points_problem(item.get_closest_marker("points"))) is not None:
                self.collection_errors.append(f"{item.nodeid}: {problem}")

    def collection_problem(self) -> str | None:
        """What stops the suite from grading anyone (a test file that cannot be imported, a test
        without points), in one line; None when collection went well."""
        return clause_list(self.collection_errors, 3) if self.collection_errors else None

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.session.forget_calls()

    def diagnosis(self) -> Diagnosis | None:
        """The failed test's diagnosis (kept as an object: the report never leaves this process)."""
        from grader.diagnosis.diagnose import diagnose

        assert self.reference_dir is not None
        try:
            return diagnose(self.session.calls, self.reference_dir)
        except Exception:  # a diagnosis is a bonus; it must never cost the grade
            return None


def test_metadata(
    item: pytest.Item, failure: pytest.ExceptionInfo | None, plugin: GradingPlugin
) -> dict[str, Any]:
    """What the grader records of a test that ran: points, exercise, description (its docstring's
    first line), status and message (see classify), and a diagnosis when it failed."""
    metadata = {**_described(item), **classify(failure)}
    # a recording's grade is thrown away: its diagnoses (the nudged trial fails two tests) would be
    # 35 ms of every process's start for nothing
    if plugin.reference_dir is None or plugin.session.recording:
        return metadata
    if metadata["status"] == "failed" and not (
        failure is not None and failure.errisinstance(PlaceholderResult)
    ):
        metadata["diagnosis"] = plugin.diagnosis()
    elif (
        metadata["status"] == "error"
        and failure is not None
        and failure.errisinstance(StudentCodeError)
        and failure.value.failure.raised
    ):
        # diagnosed once every test has run, and only for the mistakes failed tests name
        # (diagnose.prefer_consistent): most errors have none, and trying every mutant on a
        # raising call of each test would double the grading of a submission that raises
        metadata[RAISED_CALLS] = tuple(plugin.session.calls)
    return metadata


#: test metadata: the calls of a test the student's code raised in (kept as objects, as diagnoses are)
RAISED_CALLS = "raised_calls"


_DESCRIPTION = pytest.StashKey[dict[str, Any]]()


def points_problem(marker: pytest.Mark | None) -> str | None:
    """Why a test's points marker cannot be used (a test without one would count for nothing
    unnoticed), or None."""
    if marker is None:
        return "it has no points marker: add @pytest.mark.points(N) (points(0) for a test that counts for nothing)"
    value = marker.args[0] if len(marker.args) == 1 and not marker.kwargs else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        given = ", ".join([*map(repr, marker.args), *(f"{k}={v!r}" for k, v in marker.kwargs.items())])
        return f"points({given}) is not a number of points: give one, 0 or more, as in @pytest.mark.points(2)"
    return None


def collection_error(nodeid: str, longrepr: str, line: int | None) -> str:
    """'path line N: the exception' for a test file that could not be collected (pytest's report
    of it, with --tb=no, holds the exception's 'E' lines)."""
    raised = [text[1:].strip() for text in longrepr.splitlines() if text.startswith("E ")]
    what = raised[-1] if raised else longrepr.strip() or "it could not be collected"
    return f"{nodeid}{f' line {line}' if line else ''}: {what[-MAX_MESSAGE:]}"


def _line_in(excinfo: pytest.ExceptionInfo[BaseException], path: Path) -> int | None:
    """The line of path where the exception was raised (or, for a SyntaxError, found). pytest
    raises its own CollectError from a SyntaxError or ImportError: the cause has the line."""
    error = excinfo.value.__cause__ or excinfo.value
    if isinstance(error, SyntaxError) and error.filename and Path(error.filename) == path:
        return error.lineno
    frames = traceback.extract_tb(error.__traceback__)
    return next((frame.lineno for frame in reversed(frames) if Path(frame.filename) == path), None)


def _described(item: pytest.Item) -> dict[str, Any]:
    """points, exercise and description of a test: the same for every submission, so kept on it."""
    if _DESCRIPTION not in item.stash:
        marker = item.get_closest_marker("points")
        function = getattr(item, "function", None)
        item.stash[_DESCRIPTION] = {
            "points": float(marker.args[0]) if marker else 0.0,
            "exercise": item.path.stem.removeprefix("test_"),
            "description": ((function.__doc__ or "").strip().splitlines() or [""])[0],
        }
    return item.stash[_DESCRIPTION]


# Fixtures live at module level (this module is passed to pytest with -p) and read the
# per-run state from the GradingPlugin instance stashed on the config. Each is a plain
# function wrapped by pytest.fixture, so that give_fixtures can tell them apart.


def _student(request: pytest.FixtureRequest) -> StudentSession:
    """The student's functions, called in the isolated worker."""
    return request.config.stash[PLUGIN_KEY].session


def _ref(request: pytest.FixtureRequest) -> Any:
    """The reference solutions, in the grader's own process."""
    directory = request.config.stash[PLUGIN_KEY].reference_dir
    if directory is None:
        raise RuntimeError("this suite has no reference solutions")
    return load_reference(directory)


def _reference(request: pytest.FixtureRequest) -> Any:
    """The reference solutions when this run has them (hidden grading), else None (the student kit)."""
    directory = request.config.stash[PLUGIN_KEY].reference_dir
    return None if directory is None else load_reference(directory)


def _rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A generator seeded from the test's name: the same inputs on every run."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


student = pytest.fixture(scope="session", name="student")(_student)
ref = pytest.fixture(scope="session", name="ref")(_ref)
reference = pytest.fixture(scope="session", name="reference")(_reference)
rng = pytest.fixture(name="rng")(_rng)


def give_fixtures(item: pytest.Item) -> bool:
    """Put the values of the grader's own fixtures, and of parametrize's arguments, straight into
    item.funcargs, where pytest's setup takes them instead of resolving them: its fixture machinery
    cost more than most tests' bodies. A fixture a test suite defines itself (or overrides one of
    these with) is left to pytest. Call before the setup hook, on a test whose request is fresh.
    True when every argument of the test was given this way."""
    if not isinstance(item, pytest.Function):
        return False
    if _GIVING not in item.stash:
        item.stash[_GIVING] = _what_to_give(item)
    given, every = item.stash[_GIVING]
    request = item._request
    for name, kind, value in given:
        item.funcargs[name] = value if kind == "param" else value(request) if kind == "fixture" else request
    return every


_GIVING = pytest.StashKey[tuple[tuple[tuple[str, str, Any], ...], bool]]()


def _what_to_give(item: pytest.Function) -> tuple[tuple[tuple[str, str, Any], ...], bool]:
    """(name, "param" and its value | "fixture" and its function | "request", None) for each
    argument give_fixtures gives (the same for every submission), and whether that is all of them."""
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", None)
    if definitions is None:
        return (), False
    params = getattr(getattr(item, "callspec", None), "params", {})
    given: list[tuple[str, str, Any]] = []
    for name in item.fixturenames:
        chain = definitions.get(name)
        function = chain[-1].func if chain else None
        if function is get_direct_param_fixture_func and name in params:
            given.append((name, "param", params[name]))
        elif function in _GIVEN:
            given.append((name, "fixture", function))
        elif name == "request":
            given.append((name, "request", None))
    return tuple(given), len(given) == len(item.fixturenames)


def gives_only_values(item: pytest.Item) -> bool:
    """Whether give_fixtures gave every argument of the test and the test does not ask for pytest's
    request itself (which reaches the whole session; the grader's fixtures take it to find the
    grading): what the test works with is then the student's answers, the reference, its seeded
    generator and its parameters. False before give_fixtures saw the test."""
    giving = item.stash.get(_GIVING, None)
    arguments = getattr(getattr(item, "_fixtureinfo", None), "argnames", ("request",))
    return giving is not None and giving[1] and "request" not in arguments


def uses_only_grader_markers(item: pytest.Item) -> bool:
    """Whether the test's only marks are points and parametrize (no skip, xfail or a plugin's)."""
    return all(mark.name in ("points", "parametrize") for mark in item.iter_markers())


_GIVEN = frozenset({_student, _ref, _reference, _rng})


def classify(excinfo: pytest.ExceptionInfo | None) -> dict[str, str]:
    """Status and one-paragraph message for a test's outcome."""
    if excinfo is None:
        return {"status": "passed", "message": ""}
    error = excinfo.value
    if isinstance(error, StudentCodeError):
        return {"status": error.failure.status, "message": error.failure.message[:MAX_MESSAGE]}
    if isinstance(error, AssertionError):
        message = str(error).split("\nassert ")[0].strip() or "the check failed"
        return {"status": "failed", "message": message[:MAX_MESSAGE]}
    if isinstance(error, pytest.FixtureLookupError):  # its str() is a tuple with a request object
        why = error.msg or f"it asks for a fixture named {error.argname!r}, and there is none"
        return {"status": "error", "message": f"the grader could not finish this test: {why}"[:MAX_MESSAGE]}
    return {
        "status": "error",
        "message": f"the grader could not finish this test ({type(error).__name__}: {error})"[:MAX_MESSAGE],
    }
