"""GradeResult -> the stable JSON document documented in README.md."""

from __future__ import annotations

import json
import math
from dataclasses import fields, is_dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from grader.ci_log import inert_json
from grader.results import GradeResult, QuizResult

if TYPE_CHECKING:
    from grader.quiz.form_check import FormCheck

SCHEMA_VERSION = 1


def result_to_dict(result: GradeResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "grader_version": result.grader_version,
        "grader_fingerprint": result.grader_fingerprint,
        "submission": result.submission,
        "suite": result.suite,
        "score": result.score,
        "max_score": result.max_score,
        "percent": result.percent,
        "seconds": result.seconds,
        "limits": _plain(result.limits) if result.limits else None,
        "sandbox": {p.name: {"active": p.active, "detail": p.detail} for p in result.protections},
        "exercises": [_plain(summary) for summary in result.exercises()],
        "tests": [_plain(test) for test in result.tests],
        "quiz": quiz_to_dict(result.quiz) if result.quiz else None,
        "notes": list(result.notes),
        "student_output": result.student_output,
        "plots": _plain(result.plots) if result.plots else None,
    }


def quiz_to_dict(quiz: QuizResult) -> dict[str, Any]:
    return {
        "score": quiz.score,
        "max_score": quiz.max_score,
        "student": quiz.student,
        "messages": list(quiz.messages),
        "questions": [_plain(question) for question in quiz.questions],
    }


def answers_form_to_dict(form: FormCheck, student: str | None) -> dict[str, Any]:
    """The student kit's quiz check as JSON: each question answered or not, and the problem of each
    answer that cannot be read (null for one that can)."""
    return {
        "student": student,
        "answered": form.answered,
        "unreadable": len(form.unreadable),
        "messages": list(form.messages),
        "questions": [_plain(question) for question in form.questions],
    }


def _plain(value: Any) -> Any:
    """dataclasses.asdict without its deep copies: the same dicts, lists and tuples (the leaves
    here are numbers, strings and None, which need no copying); grade-all converts every result.
    A float that is NaN or infinite is None: JSON has no such number (json.dumps would write NaN,
    which a strict parser such as jq or a browser's JSON.parse refuses)."""
    if type(value) is float:
        return value if math.isfinite(value) else None
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(cls) if field.metadata.get("report", True))


def render_json(result: GradeResult) -> str:
    return inert_json(json.dumps(result_to_dict(result), indent=2, ensure_ascii=False)) + "\n"
