"""One pytest session per process that runs a test suite against many submissions.

Starting pytest (configuration, plugins, collecting the test modules, and at the end
a forced garbage collection) costs more than running the tests of one submission, so
a class run pays it once per job process: pytest.main runs in a background thread
whose runtestloop waits for submissions and runs every collected test against each.
No reports are logged: the grader needs only each test's outcome, which run_test takes
from the phases themselves. A test that uses only the grader's own fixtures and marks, in
a suite without conftest.py, runs as its function call with nothing of pytest's runner
around it (that bookkeeping cost more than most tests' bodies); any other test goes
through pytest's setup, call and teardown hooks with each phase's report made, as in any
pytest run.
After the last test of a submission every fixture is torn down (nextitem=None),
session-scoped ones included, so nothing a test set up for one student is seen by the next.
What the runner keeps from one submission for the next is which tests passed with which
answers (grader.passed_tests): a test is not run again for answers it already passed with.
"""

from __future__ import annotations

import atexit
import io
import os
import queue
import re
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from _pytest.outcomes import Exit

from grader.passed_tests import PassedTests
from grader.paths import PYTEST_INI
from grader.pytest_plugin import (
    GradingPlugin,
    give_fixtures,
    gives_only_values,
    test_metadata,
    uses_only_grader_markers,
)
from grader.quiet import no_numeric_warnings
from grader.stop_signals import heeding_stops
from grader.student import StudentSession
from grader.worker_zygote import hold_stop_signals

_SINK = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the session
atexit.register(_SINK.close)  # not left for the collector, which warns of it under `python -X dev`
#: set while sys.stdout and sys.stderr are the caller's own, cleared while a session's set-up holds them
_STREAMS_GIVEN_BACK = threading.Event()
_STREAMS_GIVEN_BACK.set()


def streams_given_back(timeout: float = 30.0) -> None:
    """Wait while a pytest session's set-up (in its own thread) holds sys.stdout and sys.stderr:
    what the main thread writes meanwhile, such as an error it fails with early (before the
    session is up), goes where pytest's start-up output goes, and was lost."""
    _STREAMS_GIVEN_BACK.wait(timeout)


class SuiteFailed(Exception):
    """pytest could not run the suite at all (not the student's fault)."""


@dataclass
class _Job:
    session: StudentSession
    reference_dir: Path | None
    future: Future


class SuiteRunner:
    """pytest, started once, running test_dirs' tests for one submission at a time."""

    def __init__(self, test_dirs: tuple[Path, ...]) -> None:
        self.test_dirs = test_dirs
        self.plugin = GradingPlugin()
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._ended: str | None = None
        self._passed: dict[Path | None, PassedTests] = {}  # by reference folder
        #: whether pytest got as far as running tests (a runner that did not is not started again)
        self.started = False
        self._thread = threading.Thread(target=self._serve, name="backprop-grader-pytest", daemon=True)
        _STREAMS_GIVEN_BACK.clear()  # before the thread takes them, so that no error slips in between
        self._thread.start()

    def run(self, session: StudentSession, reference_dir: Path | None) -> dict[str, Any]:
        """Run every test against session's student: {"tests": [run_test's record of each]}."""
        job = _Job(session, reference_dir, Future())
        with self._lock:
            if self._ended is not None:
                raise SuiteFailed(self._ended)
            self._jobs.put(job)
        return heeding_stops(job.future)

    def close(self) -> None:
        """End the pytest session (its teardown and unconfigure run in the thread)."""
        self._jobs.put(None)
        self._thread.join(timeout=30)

    # ---- in the pytest thread -----------------------------------------------------------------

    def _serve(self) -> None:
        try:
            self._serve_session()
        finally:
            _STREAMS_GIVEN_BACK.set()  # however the session's set-up ended

    def _serve_session(self) -> None:
        # Stop signals belong to the main thread; processes started from here unblock them.
        hold_stop_signals()
        ended = "pytest stopped before running the tests"
        environment = _SessionSetup()
        try:
            code = _pytest_main(self.test_dirs, [self.plugin, _Loop(self), environment])
            why = _what_went_wrong(environment.errors.getvalue())
            ended = (
                f"pytest could not start the tests: {why}"
                if why
                else f"pytest ended with exit code {int(code)} before running the tests"
            )
        except BaseException as error:  # noqa: BLE001 - reported to every waiting caller
            ended = f"pytest failed to start: {type(error).__name__}: {error}"
        finally:
            environment.restore()
            with self._lock:
                self._ended = self._ended or ended
                while True:
                    try:
                        job = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if job is not None:
                        job.future.set_exception(SuiteFailed(self._ended))

    def _loop(self, session: pytest.Session) -> None:
        self.started = True
        while (job := self._jobs.get()) is not None:
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(self._run_one(session, job))
            except BaseException as error:  # noqa: BLE001 - the caller raises it
                job.future.set_exception(error)
        with self._lock:
            self._ended = "the test runner was closed"

    def _run_one(self, session: pytest.Session, job: _Job) -> dict[str, Any]:
        if (problem := self.plugin.collection_problem()) is not None:
            raise SuiteFailed(problem)
        self.plugin.begin(job.session, job.reference_dir)
        passed = self._passed.setdefault(job.reference_dir, PassedTests())
        try:
            items = session.items
            with no_numeric_warnings():  # pytest's own capture of warnings is in runtestprotocol
                tests = [
                    self._run_or_pass_again(
                        item, items[index + 1] if index + 1 < len(items) else None, passed
                    )
                    for index, item in enumerate(items)
                ]
        finally:
            self.plugin.end()
        return {"tests": tests}

    def _run_or_pass_again(
        self, item: pytest.Item, nextitem: pytest.Item | None, passed: PassedTests
    ) -> dict[str, Any]:
        """run_test, unless the test passed for an earlier submission whose answers to its calls
        were byte for byte this one's (grader.passed_tests); then it passes again without running."""
        student = self.plugin.session
        if student.recording:  # a plan's trial grading: its answers are nudged, its grade thrown away
            return run_test(item, nextitem, self.plugin)
        if _keeps_to_its_calls(item, self.plugin) and passed.take_again(item.nodeid, student):
            return _recorded(item, *_torn_down(item, nextitem, None, "passed"), self.plugin)
        student.note_taken_calls()
        record = run_test(item, nextitem, self.plugin)
        calls = student.taken_calls()
        if calls and record["outcome"] == "passed" and _keeps_to_its_calls(item, self.plugin):
            passed.keep(item.nodeid, calls)
        return record


def run_test(item: pytest.Item, nextitem: pytest.Item | None, plugin: GradingPlugin) -> dict[str, Any]:
    """Run one test as runtestprotocol would, but without logging reports (see _run_plain and
    _run_with_hooks); {"nodeid", "outcome", "metadata"} of what happened."""
    if isinstance(item, pytest.Function) and not item._request:
        item._initrequest()
    # a plain test (only the grader's fixtures and marks, in a suite without conftest.py files)
    # needs nothing of pytest's hooks but what the runner and the grader's plugin do there
    plain = (
        give_fixtures(item)
        and plugin.without_conftest
        and item.stash.setdefault(_PLAIN_MARKS, uses_only_grader_markers(item))
    )
    if plain:
        failure, outcome = _run_plain(item, nextitem, plugin)
    else:
        failure, outcome = _run_with_hooks(item, nextitem)
    if isinstance(item, pytest.Function):
        # as runtestprotocol leaves it: the next run fills the fixtures again
        item._request = False  # type: ignore[assignment]
        item.funcargs = None  # type: ignore[assignment]
    return _recorded(item, failure, outcome, plugin)


def _recorded(
    item: pytest.Item, failure: pytest.ExceptionInfo | None, outcome: str, plugin: GradingPlugin
) -> dict[str, Any]:
    if failure is not None and failure.errisinstance(pytest.skip.Exception):
        outcome = "skipped"
    return {"nodeid": item.nodeid, "outcome": outcome, "metadata": test_metadata(item, failure, plugin)}


_PLAIN_MARKS = pytest.StashKey[bool]()


def _keeps_to_its_calls(item: pytest.Item, plugin: GradingPlugin) -> bool:
    """Whether the test's outcome can depend on nothing but its calls' answers (and what is the same
    for every submission): a plain test (see run_test) that is not given pytest's request. False
    until run_test has run it once."""
    return plugin.without_conftest and item.stash.get(_PLAIN_MARKS, False) and gives_only_values(item)


def _run_plain(
    item: pytest.Item, nextitem: pytest.Item | None, plugin: GradingPlugin
) -> tuple[pytest.ExceptionInfo | None, str]:
    """A plain test, as pytest's runner would run it but with none of its bookkeeping, which cost
    more than most tests' bodies: the grader's plugin's setup, then the test function (through
    pytest_pyfunc_call, as item.runtest does). Its fixtures are all given, so it has nothing to set
    up or tear down of its own; what earlier tests that were not plain left set up (their module's
    fixtures, say) is torn down as far as nextitem does not need it, as pytest would."""
    failure: pytest.ExceptionInfo | None = None
    outcome = "error"
    try:
        plugin.pytest_runtest_setup(item)
        outcome = "failed"
        item.runtest()
        outcome = "passed"
    except (Exit, KeyboardInterrupt):
        raise
    except BaseException:  # noqa: BLE001 - the test's failure (or its setup's), whatever it raised
        failure = pytest.ExceptionInfo.from_current()
    return _torn_down(item, nextitem, failure, outcome)


def _torn_down(
    item: pytest.Item, nextitem: pytest.Item | None, failure: pytest.ExceptionInfo | None, outcome: str
) -> tuple[pytest.ExceptionInfo | None, str]:
    """failure and outcome of a test that did not go through pytest's hooks, once what earlier
    tests left set up is torn down as far as nextitem does not need it (as pytest would); a
    failing teardown is the test's error if nothing failed before."""
    state = item.session._setupstate
    if state.stack:
        try:
            state.teardown_exact(nextitem)
        except (Exit, KeyboardInterrupt):
            raise
        except BaseException:  # noqa: BLE001 - as pytest reports a failing teardown
            if failure is None:
                failure, outcome = pytest.ExceptionInfo.from_current(), "error"
    return failure, outcome


def _run_with_hooks(
    item: pytest.Item, nextitem: pytest.Item | None
) -> tuple[pytest.ExceptionInfo | None, str]:
    """Any other test: pytest's setup, call and teardown hooks as runtestprotocol calls them, and
    each phase's report made (not logged) so that plugins and conftest hooks see it (tmp_path keeps
    it, xfail rewrites it)."""
    ihook = item.ihook
    failure = _phase(item, "setup", lambda: ihook.pytest_runtest_setup(item=item))
    outcome = "error"
    if failure is None:
        failure = _phase(item, "call", lambda: ihook.pytest_runtest_call(item=item))
        outcome = "passed" if failure is None else "failed"
    teardown = _phase(item, "teardown", lambda: ihook.pytest_runtest_teardown(item=item, nextitem=nextitem))
    if teardown is not None and failure is None:
        failure, outcome = teardown, "error"
    return failure, outcome


def _phase(
    item: pytest.Item, when: Literal["setup", "call", "teardown"], run: Callable[[], object]
) -> pytest.ExceptionInfo | None:
    """What a phase raised (None if nothing); Ctrl-C and pytest.exit go on up."""
    call = pytest.CallInfo.from_call(run, when=when, reraise=(Exit, KeyboardInterrupt))
    item.ihook.pytest_runtest_makereport(item=item, call=call)
    return call.excinfo


class _Loop:
    """Replaces pytest's runtestloop with SuiteRunner's queue of submissions."""

    def __init__(self, runner: SuiteRunner) -> None:
        self.runner = runner

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        self.runner._loop(session)
        return True


def _what_went_wrong(text: str) -> str:
    """pytest's own account of why it stopped, in one line: its first line and its last error line."""
    lines = [re.sub(r"^E\s+", "", line.strip()) for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    errors = [line for line in lines[1:] if "rror" in line]
    return " ".join([lines[0], *errors[-1:]])[:500]


def _pytest_main(test_dirs: tuple[Path, ...], plugins: list[object]) -> int | pytest.ExitCode:
    args = [
        *map(str, test_dirs), "-c", str(PYTEST_INI), "--rootdir", str(PYTEST_INI.parent),
        "--confcutdir", str(PYTEST_INI.parent), "--import-mode=importlib", "--capture=no", "-qq", "--tb=no",
        "-p", "no:cacheprovider", "-p", "no:faulthandler", "-p", "no:logging",
        # its hook would take a stop that a finalizer swallowed from stop_signals' (raise_lost_stop)
        "-p", "no:unraisableexception", "-p", "grader.pytest_plugin",
    ]  # fmt: skip
    return pytest.main(args, plugins=plugins)


class _SessionSetup:
    """Settings of the long-lived session: the user's pytest settings (PYTEST_ADDOPTS, plugin
    autoloading) kept away while it is configured and given back as soon as it is, and what
    pytest writes meanwhile kept in errors (why it could not start, if it could not)."""

    def __init__(self) -> None:
        self.saved = {
            key: os.environ.pop(key) for key in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS") if key in os.environ
        }
        self.autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
        self.restored = False
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        # pytest's terminal reporter takes sys.stdout when it is configured: give it a sink, so that
        # nothing it writes can mix with the grader's own output (the caller waits meanwhile)
        self.stdout, self.stderr = sys.stdout, sys.stderr
        self.errors = io.StringIO()
        sys.stdout, sys.stderr = _SINK, self.errors

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.restore()

    def restore(self) -> None:
        if self.restored:
            return
        self.restored = True
        sys.stdout, sys.stderr = self.stdout, self.stderr
        _STREAMS_GIVEN_BACK.set()
        os.environ.update(self.saved)
        if self.autoload is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = self.autoload


_runners: dict[tuple[Path, ...], SuiteRunner] = {}
_runners_lock = threading.Lock()


def suite_runner(test_dirs: tuple[Path, ...]) -> SuiteRunner:
    """The process's runner for test_dirs, started on first use."""
    with _runners_lock:
        runner = _runners.get(test_dirs)
        # a session that ended after running tests is started again; one that could not start
        # keeps failing the same way (starting it again could skip what failed, a conftest say)
        if runner is None or (runner._ended is not None and runner.started):
            runner = _runners[test_dirs] = SuiteRunner(test_dirs)
        return runner
