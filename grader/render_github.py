"""GradeResult -> GitHub Actions workflow commands and a job summary.

Each cause of lost points (grader.lost_points: the tests of one file that failed the same
way) becomes an ::error annotation on the line of the student's function it is about (or the
line that raised), so that the few GitHub shows (10 errors a step) are all different; quiz
questions missed, notes and missing protections become ::warning/::notice lines. The Markdown
summary (the same text as the per-student feedback) is appended to $GITHUB_STEP_SUMMARY when
that is set.
Syntax: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
"""

from __future__ import annotations

import os
from pathlib import Path

from grader.feedback import feedback_markdown
from grader.locate import exercise_file, file_named_in, function_of, line_of
from grader.lost_points import Lost, LostGroup, group_lost, quiz_said_once
from grader.render_diagnosis import test_diagnosis_lines
from grader.render_json import result_to_dict
from grader.results import GradeResult, TestResult

MAX_MESSAGE = 2000


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: str | int) -> str:
    """One workflow command line, e.g. ::error file=a.py,line=3,title=T::message"""
    props = ",".join(f"{key}={_property(str(value))}" for key, value in properties.items())
    return f"::{level}{' ' + props if props else ''}::{_data(message[:MAX_MESSAGE])}"


def annotation(group: LostGroup[TestResult], submission: Path, workspace: Path) -> str:
    """The ::error line of one cause of lost points: on the function of its first test."""
    test, tests = group.first, group.tests
    which = test.name if len(tests) == 1 else f"{len(tests)} tests"
    title = f"{test.exercise}.py: {which} ({group.score:g}/{group.max_score:g} points, {test.status})"
    parts = [test.message, *test_diagnosis_lines(test)]
    if len(tests) > 1:
        parts.append(("Each of " if group.same_message else f"That was {test.name}; the same cause fails ")
                     + group.names(shown=len(tests)) + ".")  # fmt: skip
    elif test.description:
        parts.append(test.description)
    message = "\n".join(part for part in parts if part) or test.status
    exercise, function = test.exercise, function_of(test)
    named = file_named_in(test.message)
    from grader.diagnosis.catalog import BY_ID

    entry = BY_ID.get(test.diagnosis.mistake or "") if test.diagnosis is not None else None
    if entry is not None:
        # point at the function the mistake is in, which may be in another file than the test's
        function, exercise = entry.replaces, entry.exercise
    elif named is not None:
        exercise = named  # where the error is: deep.py's tests fail on a syntax error in backprop.py
    path = exercise_file(submission, exercise)
    if path is None:
        return command("error", message, title=title)
    where: dict[str, str | int] = {"file": os.path.relpath(path, workspace)}
    # a named mistake is in its function, wherever the error it caused was raised
    said = test.message if entry is None and exercise in (test.exercise, named) else ""
    line = line_of(path, function, said)
    if line is not None:  # else the annotation is on the whole file
        where["line"] = line
    return command("error", message, **where, title=title)


def render_github(result: GradeResult, workspace: Path | None = None) -> str:
    workspace = workspace or Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    submission = Path(result.submission)
    lines = [annotation(group, submission, workspace) for group in group_lost(result.tests, Lost.of_result)]
    if result.quiz:
        if not quiz_said_once((q.feedback for q in result.quiz.questions), result.quiz.messages):
            lines += [
                command("warning", q.feedback, title=f"quiz: {q.id} ({q.score:g}/{q.max_score:g} points)")
                for q in result.quiz.questions
                if not q.correct
            ]
        lines += [command("warning", message, title="quiz") for message in result.quiz.messages]
    lines += [command("notice", note, title="backprop-grader") for note in result.notes]
    lines += [
        command("warning", f"{p.name} is not active: {p.detail}", title="sandbox")
        for p in result.protections
        if not p.active
    ]
    lines.append(f"backprop-grader: {result.score:g}/{result.max_score:g} ({result.percent:.1f}%)")
    return "\n".join(lines) + "\n"


def append_step_summary(result: GradeResult) -> None:
    """Add the Markdown feedback to the job summary when running in GitHub Actions."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as summary:
            summary.write(feedback_markdown(result.submission, result_to_dict(result)))
