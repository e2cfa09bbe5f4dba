"""GradeResult -> Gradescope's autograder results.json.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (kept as a JSON
Schema in tests/schemas/gradescope_results.schema.json). Visibility follows the platform's
values: the public tests are "visible"; the hidden tests show their details only once the
instructor publishes grades ("after_published"); quiz feedback, which gives the right
answers away, shows "after_due_date". The total score is always visible.
"""

from __future__ import annotations

import json
from typing import Any

from grader.ci_log import inert_json
from grader.render_diagnosis import test_diagnosis_lines
from grader.render_text import protections_summary
from grader.results import GradeResult

MAX_OUTPUT = 8000


def results_json(result: GradeResult) -> dict[str, Any]:
    tests: list[dict[str, Any]] = []
    exercises = [e.name for e in result.exercises()]
    for index, name in enumerate(exercises, 1):
        own = [t for t in result.tests if t.exercise == name]
        for number, test in enumerate(own, 1):
            output = "\n".join(part for part in (test.description, test.message) if part)
            output = "\n".join([output, *test_diagnosis_lines(test)]).strip()
            tests.append(
                {
                    "name": f"{name}.py: {test.name}",
                    "number": f"{index}.{number}",
                    "score": test.score,
                    "max_score": test.max_score,
                    "status": "passed" if test.status == "passed" else "failed",
                    "output": output[:MAX_OUTPUT],
                    "output_format": "text",
                    "tags": [name, test.status],
                    "visibility": "visible" if test.public else "after_published",
                }
            )
    if result.quiz:
        quiz_number = len(exercises) + 1
        for number, question in enumerate(result.quiz.questions, 1):
            tests.append(
                {
                    "name": f"quiz: {question.id}",
                    "number": f"{quiz_number}.{number}",
                    "score": question.score,
                    "max_score": question.max_score,
                    "status": "passed" if question.correct else "failed",
                    "output": question.feedback[:MAX_OUTPUT],
                    "output_format": "text",
                    "tags": ["quiz"],
                    "visibility": "after_due_date",
                }
            )
    return {
        "score": result.score,
        "execution_time": max(1, round(result.seconds)),
        "output": _overall_output(result),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"grader_version": result.grader_version, "percent": result.percent},
        "tests": tests,
    }


def _overall_output(result: GradeResult) -> str:
    lines = [f"Score: {result.score:g}/{result.max_score:g} ({result.percent:.1f}%)"]
    lines += [f"{e.name}.py: {e.score:g}/{e.max_score:g}" for e in result.exercises()]
    if result.quiz:
        lines.append(f"quiz: {result.quiz.score:g}/{result.quiz.max_score:g}")
        lines += result.quiz.messages
    lines += list(result.notes)
    lines.append("The hidden tests' details appear once grades are published.")
    if result.student_output.strip():
        lines += ["", "What your code printed while being graded:", result.student_output[:MAX_OUTPUT]]
    lines += ["", protections_summary(result)]
    return "\n".join(lines)


def render_gradescope(result: GradeResult) -> str:
    return inert_json(json.dumps(results_json(result), indent=2, ensure_ascii=False)) + "\n"


def unreadable_results(message: str) -> str:
    """results.json for a submission that could not be read at all: 0 points and why."""
    document = {
        "score": 0.0,
        "output": f"Your submission could not be graded: {message}",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
    }
    return inert_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
