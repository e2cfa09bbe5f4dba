"""Per-student numbers: each parameter of a computed question is drawn from a hash of
(student id, question id, parameter name), so a student always gets the same numbers,
different students get different ones, and nothing depends on a random generator's
version."""

from __future__ import annotations

import hashlib
import re

from grader.quiz.questions import Computed

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def draw(student: str, question: Computed) -> dict[str, float]:
    """The parameter values this student gets for this question."""
    values = {}
    for param in question.params:
        digest = hashlib.sha256(f"{student}\0{question.id}\0{param.name}".encode()).digest()
        values[param.name] = param.values[int.from_bytes(digest[:8], "big") % len(param.values)]
    return values


def fill(template: str, values: dict[str, float]) -> str:
    """Put the values into {name} placeholders; other braces are left alone."""
    return _PLACEHOLDER.sub(
        lambda m: f"{values[m.group(1)]:g}" if m.group(1) in values else m.group(0), template
    )


def value_grid(low: float, high: float, step: float) -> tuple[float, ...]:
    """low, low + step, ..., high (inclusive), rounded to remove float noise."""
    count = int(round((high - low) / step)) + 1
    return tuple(round(low + i * step, 10) for i in range(count))
