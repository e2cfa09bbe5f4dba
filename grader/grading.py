"""Grade one submission: run a test suite against the student's functions, build the result."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from grader import __version__
from grader.call_outcome import RecordedCall
from grader.exercise_api import EXERCISES
from grader.fingerprint import grader_fingerprint
from grader.lost_points import clause_list
from grader.mended_text import mended
from grader.paths import HIDDEN_TESTS, PUBLIC_TESTS, GraderSetupError, quizzes_dir, reference_dir
from grader.plan_cache import keep_plan, kept_plan, plan_name
from grader.planned_calls import CallPlan, PlannedCall, PlanRecording
from grader.plot_data import collect_plot_data
from grader.pytest_plugin import RAISED_CALLS
from grader.quiet import no_numeric_warnings
from grader.quiz.bank import Quiz, load_quiz
from grader.quiz.scoring import score_submission_quiz
from grader.reference import load_reference
from grader.results import GradeResult, QuizResult, TestResult, limits_used
from grader.sandbox import Protection
from grader.scratch import ScratchFull
from grader.student import StudentSession
from grader.submission import PreparedSubmission, prepared_submission
from grader.suite_runner import SuiteFailed, suite_runner
from grader.worker import WorkerLimits, WorkerStartFailed, start_worker_zygote
from grader.worker_zygote import unsupported_platform

#: the hidden grade runs the public tests too (with the reference as an extra oracle)
SUITES = {"hidden": (PUBLIC_TESTS, HIDDEN_TESTS), "public": (PUBLIC_TESTS,)}


class GradingFailed(Exception):
    """The grader itself could not run its tests (not the student's fault)."""


class SuiteUnusable(GradingFailed):
    """The test suite itself could not run (pytest could not start it, or collecting it failed):
    every submission would fail the same way."""


class SandboxUnavailable(Exception):
    """--require-sandbox was given and a protection could not be put up."""


def grade_path(
    path: Path,
    *,
    suite: str = "hidden",
    limits: WorkerLimits | None = None,
    require_sandbox: bool = False,
    student: str | None = None,
    plots: bool = False,
    prefetch: bool = True,
) -> GradeResult:
    """Grade the submission at path (a directory or a .zip) with the named test suite.

    student names whose submission it is (for the quiz's per-student numbers); None
    trusts answers.toml. plots: also collect the report's plot data (hidden suite only).
    prefetch: send the worker every call the tests will make up front (see call_plan);
    every command grades this way, so that `grade` and `grade-all` see a student's code make
    the same calls in the same order. Raises SubmissionError when the submission cannot be
    read at all, GradingFailed when this system cannot run a worker (Windows).
    """
    if (why := unsupported_platform()) is not None:
        raise GradingFailed(why)
    with prepared_submission(path) as prepared:
        plan = call_plan(suite, plots, limits) if prefetch else None
        return _grade(prepared, suite, limits, require_sandbox, student, plots, plan, None)


_plans: dict[tuple[str, bool], CallPlan | None] = {}


def call_plan(suite: str, plots: bool, limits: WorkerLimits | None) -> CallPlan | None:
    """Every call grading makes, in order, but those made with what an earlier call returned: the
    worker must not see the reference's results (planned_calls). Recorded by grading the reference
    solutions (_recorded_plan) or read where an earlier process kept it (plan_cache), once per
    process. A correct submission gets all of these calls, and any other gets them too; the calls
    left out run one by one, with the student's own results."""
    if (suite, plots) not in _plans:
        name = plan_name(suite, plots, limits)
        planned = kept_plan(name)
        if planned is None:
            planned, clean = _recorded_plan(suite, plots, limits)
            if clean:
                keep_plan(name, planned)
        _plans[suite, plots] = CallPlan.of(planned) if planned else None
    return _plans[suite, plots]


def _recorded_plan(suite: str, plots: bool, limits: WorkerLimits | None) -> tuple[list[PlannedCall], bool]:
    """call_plan's calls, recorded by grading the reference twice, and whether that went cleanly, as a
    plan kept for later runs must have been: every test passed the first time, and none ran out of
    time or crashed the second."""
    every = PlanRecording()
    first = _grade_reference(suite, plots, limits, None, every)
    require_reference_passes(first)
    if not every.calls:
        return [], False
    # again, prefetching every call and handing the tests nudged results: a call made with
    # a result then differs from its planned twin, which no test takes
    trial = PlanRecording(nudge=True)
    if (again := _grade_reference(suite, plots, limits, CallPlan.of(every.calls), trial)) is None:
        return [], False
    require_reference_in_time(first, again)
    untaken = {id(call) for call in trial.untaken}
    # the nudged results fail the few exact checks (relu at 0.5·2 + 0.1): only their time counts
    clean = (
        first is not None
        and all(t.status == "passed" for t in first.tests)
        and all(t.status in ("passed", "failed") for t in again.tests)
    )
    return [call for call in every.calls if id(call) not in untaken], clean


def _grade_reference(
    suite: str, plots: bool, limits: WorkerLimits | None, plan: CallPlan | None, recording: PlanRecording
) -> GradeResult | None:
    """Grade the reference solutions for a plan (see PlanRecording); None if that did not work.
    SuiteUnusable and ScratchFull go on: they would fail every submission the same way."""
    try:
        with prepared_submission(reference_dir()) as prepared:
            return _grade(prepared, suite, limits, False, None, plots, plan, recording)
    except (SuiteUnusable, ScratchFull):
        raise
    except Exception:  # noqa: BLE001 - without a plan every call just runs on its own
        return None


def require_reference_passes(graded: GradeResult | None) -> None:
    """SuiteUnusable when the reference solutions, graded (None: they could not be), lose points
    on the suite (a test or a reference function changed and broken): every submission would lose
    them too. Time-outs are require_reference_in_time's: on a busy machine one need not recur."""
    lost = [t for t in graded.tests if t.status in ("failed", "error") and t.max_score > 0] if graded else []
    if lost:
        raise _costs_everyone(
            lost, "fail {tests}", "fix the test, or the function in reference/", lambda message: message
        )


def require_reference_in_time(graded: GradeResult | None, again: GradeResult | None) -> None:
    """SuiteUnusable when the reference solutions ran out of time in a test worth points in both
    gradings (a test too slow for the time limits, whose points every submission would lose too);
    once need not recur on a busy machine."""
    if graded is None or again is None:
        return
    late_again = {(t.exercise, t.public, t.name) for t in again.tests if t.status == "timeout"}
    late = [t for t in graded.tests if t.status == "timeout" and t.max_score > 0]
    late = [t for t in late if (t.exercise, t.public, t.name) in late_again]
    if late:
        raise _costs_everyone(
            late,
            "ran out of time in {tests}, twice",
            "make the test's inputs smaller, or allow more time (--timeout, --total-timeout)",
            lambda message: message.split(";")[0],  # without the hint meant for students
        )


def _costs_everyone(
    tests: list[TestResult], what: str, remedy: str, said: Callable[[str], str]
) -> SuiteUnusable:
    """The SuiteUnusable for tests the reference solutions lose: what they did ("fail {tests}"),
    each test named with said(the first line of its message), and what to do."""
    count = f"{len(tests)} test{'s' if len(tests) > 1 else ''}"
    named = [
        f"{'public' if t.public else 'hidden'}_tests/test_{t.exercise}.py::{t.name} "
        f"({said((t.message.splitlines() or ['no message'])[0])})"
        for t in tests
    ]
    return SuiteUnusable(
        f"the reference solutions {what.format(tests=count)}, so every submission would lose those points: "
        f"{clause_list(named, 3)}; {remedy}"
    )


def _grade(
    prepared: PreparedSubmission,
    suite: str,
    limits: WorkerLimits | None,
    require_sandbox: bool,
    student: str | None,
    plots: bool,
    plan: CallPlan | None,
    recording: PlanRecording | None,
) -> GradeResult:
    started = time.perf_counter()
    if suite == "hidden" and not HIDDEN_TESTS.is_dir():
        raise GraderSetupError(
            "this is the student kit: it has no hidden tests; check your work with backprop-grader check"
        )
    reference = reference_dir() if suite == "hidden" else None
    # pytest's session (in a thread) and the worker zygote (a process) each take about 0.1 s to
    # start, the first time: side by side, on two cores
    suite_runner(SUITES[suite])
    start_worker_zygote()
    # scored before any student code runs, so that code cannot rewrite its answers
    quiz = _grade_quiz(prepared, reference, student) if suite == "hidden" else None
    # read before any student code runs, which could fill its copy with files
    notes = [*prepared.notes, *prepared.missing_notes()]
    # a plan on trial (call_plan) is used once: not worth the zygote's keeping
    held = plan.held if plan and recording is None else None
    session = StudentSession(prepared.directory, limits, held)
    try:
        protections = _protections(session, require_sandbox)
        if recording is not None:
            session.record_for_plan(recording)
        session.prefetch(plan.calls if plan else ())
        report = _run_suite(SUITES[suite], session, reference)
        plot_data = None
        if plots and reference:
            with no_numeric_warnings():
                plot_data = collect_plot_data(session, load_reference(reference))
    finally:
        session.finish()
    if recording is not None:
        recording.untaken.extend(session.untaken())
    tests = _in_exercise_order(_test_result(test) for test in report.get("tests", []))
    if reference is not None:
        from grader.diagnosis.diagnose import prefer_consistent  # not in the student kit

        tests = prefer_consistent(tests, _raised_calls(report), reference)
    return GradeResult(
        submission=mended(str(prepared.source)),  # a path that is not UTF-8 would break every write
        tests=tests,
        notes=tuple(notes),
        student_output="".join(session.printed),
        grader_version=__version__,
        seconds=round(time.perf_counter() - started, 3),
        suite=suite,
        exercises_order=tuple(EXERCISES),
        quiz=quiz,
        protections=protections,
        plots=plot_data,
        grader_fingerprint=grader_fingerprint(),
        limits=limits_used(limits or WorkerLimits()),
    )


def suite_points(suite: str) -> dict[str, float] | None:
    """Points of each group of suite's tests (an exercise file's, or test_<name>.py's under
    <name>), read off grading reference/ with it once, as call_plan's first recording does.
    SuiteUnusable when the suite cannot grade anyone (a test file that cannot be imported, a test
    without points, a test the reference fails); None when nothing could be tried here: no
    worker runs on this system (Windows), or there is no reference/ (the command says so)."""
    graded = _grade_reference(suite, False, None, None, PlanRecording())  # its plan is not wanted
    require_reference_passes(graded)
    if graded is not None and any(t.status == "timeout" for t in graded.tests):
        require_reference_in_time(graded, _grade_reference(suite, False, None, None, PlanRecording()))
    return None if graded is None else {exercise.name: exercise.max_score for exercise in graded.exercises()}


def suite_problem(suite: str) -> str | None:
    """Why suite cannot grade anyone (see suite_points), or None."""
    try:
        suite_points(suite)
    except SuiteUnusable as error:
        return str(error)
    return None


def only_exercises(result: GradeResult, exercises: Iterable[str]) -> GradeResult:
    """The result restricted to some exercise files' tests, without the quiz (per-exercise CI checks)."""
    keep = tuple(exercises)
    tests = tuple(t for t in result.tests if t.exercise in keep)
    order = tuple(name for name in result.exercises_order if name in keep)
    return dataclasses.replace(result, tests=tests, quiz=None, exercises_order=order)


def check_sandbox(limits: WorkerLimits | None = None) -> tuple[Protection, ...]:
    """The protections a worker gets on this machine, found by starting one on an empty folder."""
    with tempfile.TemporaryDirectory(prefix="backprop-grader-") as empty:
        session = StudentSession(Path(empty), limits)
        try:
            return _protections(session, required=False)
        finally:
            session.close()


def _protections(session: StudentSession, required: bool) -> tuple[Protection, ...]:
    """Start session's worker; the protections it reports (GradingFailed if it cannot start)."""
    try:
        protections = session.wait_ready()
    except WorkerStartFailed as error:
        raise GradingFailed(str(error)) from None
    missing = [p for p in protections if not p.active]
    if required and missing:
        raise SandboxUnavailable(missing_sandbox_message(missing))
    return protections


def missing_sandbox_message(missing: list[Protection]) -> str:
    """The one-line error of --require-sandbox: what is missing, why, and what to do."""
    return (
        "--require-sandbox: "
        + "; ".join(f"{p.name} is not active ({p.detail})" for p in missing)
        + ". Grade on a Linux kernel that allows unprivileged user namespaces and has Landlock"
        " (see docs/security.md), or leave out --require-sandbox."
    )


def _grade_quiz(
    prepared: PreparedSubmission, reference: Path | None, student: str | None
) -> QuizResult | None:
    """The quiz part of the grade, or None when the course has no question banks."""
    directory = quizzes_dir()
    if directory is None or reference is None:
        return None
    answers_dir = prepared.answers.parent if prepared.answers else prepared.directory
    quiz = _cached_quiz(directory)
    return score_submission_quiz(
        answers_dir, quiz, load_reference(reference), student, prepared.answers_lookalike
    )


def _cached_quiz(directory: Path) -> Quiz:
    """The banks, parsed once per process while their files stay unchanged (a class run grades many)."""
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.toml")))
    return _load_quiz_stamped(directory, stamp)


@lru_cache(maxsize=2)
def _load_quiz_stamped(directory: Path, stamp: tuple[tuple[str, int], ...]) -> Quiz:
    return load_quiz(directory)


def _run_suite(
    test_dirs: tuple[Path, ...], session: StudentSession, reference: Path | None
) -> dict[str, Any]:
    try:
        return suite_runner(test_dirs).run(session, reference)
    except SuiteFailed as error:
        raise SuiteUnusable(str(error)) from None


def _in_exercise_order(tests: Iterable[TestResult]) -> tuple[TestResult, ...]:
    order = list(EXERCISES)
    return tuple(sorted(tests, key=lambda t: order.index(t.exercise) if t.exercise in order else len(order)))


def _raised_calls(report: dict[str, Any]) -> dict[tuple[str, str], Sequence[RecordedCall]]:
    """The calls of each test the student's code raised in, by (exercise, test name)."""
    raised = {}
    for test in report.get("tests", []):
        metadata = test.get("metadata", {})
        if RAISED_CALLS in metadata:
            raised[(str(metadata.get("exercise", "")), _test_name(test))] = metadata[RAISED_CALLS]
    return raised


def _test_name(test: dict[str, Any]) -> str:
    """The test's name without its file: test_lesson_example[sigmoid neuron: delta]."""
    return test["nodeid"].split("::")[-1]


def _test_result(test: dict[str, Any]) -> TestResult:
    metadata = test.get("metadata", {})
    points = float(metadata.get("points", 0.0))
    status = metadata.get("status") or ("passed" if test.get("outcome") == "passed" else "error")
    message = metadata.get("message", "")
    if test.get("outcome") == "skipped":
        status, message = "error", "the test was not run"
    return TestResult(
        name=_test_name(test),
        exercise=str(metadata.get("exercise", "")),
        score=points if status == "passed" else 0.0,
        max_score=points,
        status=status,
        message=message,
        description=str(metadata.get("description", "")),
        public="public_tests/" in test["nodeid"],
        diagnosis=metadata.get("diagnosis") if status == "failed" else None,
    )
