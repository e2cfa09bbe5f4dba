"""GradeResult -> the stable JSON document documented in README.md."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from grader.results import GradeResult, QuizResult

SCHEMA_VERSION = 1


def result_to_dict(result: GradeResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "grader_version": result.grader_version,
        "submission": result.submission,
        "suite": result.suite,
        "score": result.score,
        "max_score": result.max_score,
        "percent": result.percent,
        "seconds": result.seconds,
        "sandbox": {p.name: {"active": p.active, "detail": p.detail} for p in result.protections},
        "exercises": [asdict(summary) for summary in result.exercises()],
        "tests": [asdict(test) for test in result.tests],
        "quiz": quiz_to_dict(result.quiz) if result.quiz else None,
        "notes": list(result.notes),
        "student_output": result.student_output,
        "plots": asdict(result.plots) if result.plots else None,
    }


def quiz_to_dict(quiz: QuizResult) -> dict[str, Any]:
    return {
        "score": quiz.score,
        "max_score": quiz.max_score,
        "student": quiz.student,
        "messages": list(quiz.messages),
        "questions": [asdict(question) for question in quiz.questions],
    }


def render_json(result: GradeResult) -> str:
    return json.dumps(result_to_dict(result), indent=2, ensure_ascii=False) + "\n"
