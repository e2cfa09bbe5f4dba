"""Ask the quiz in a terminal and save answers.toml after every answer, so it can be resumed.

The input and output functions are passed in (click's in the CLI), which keeps
this module free of terminal handling and easy to drive from tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from grader.quiz.answers import choices_text, question_text, write_answers
from grader.quiz.bank import Quiz
from grader.quiz.questions import (
    Computed,
    Matching,
    MultipleChoice,
    Numeric,
    Option,
    Ordering,
    Question,
    SingleChoice,
)

QUIT = "q"


class Stopped(Exception):
    """The student typed q: answers so far are saved."""


def take_quiz(quiz: Quiz, student: str, values: dict[str, Any], out: Path,
              ask: Callable[[str], str], say: Callable[[str], None]) -> int:  # fmt: skip
    """Ask every question not yet in values; save after each. Returns how many were answered now."""
    todo = [q for q in quiz.questions if q.id not in values]
    say(f"{len(quiz.questions) - len(todo)} of {len(quiz.questions)} questions already answered; "
        f"type {QUIT} at any prompt to stop and continue later.")  # fmt: skip
    for number, question in enumerate(todo, start=1):
        say(
            f"\n[{number}/{len(todo)}] {question.id} ({question.points:g} pt)\n{question_text(question, student)}"
        )
        for line in _numbered(question):
            say(line)
        values[question.id] = _ask_answer(question, ask, say)
        write_answers(out, quiz, student, values, blank=False)
    return len(todo)


def _numbered(question: Question) -> list[str]:
    if isinstance(question, (SingleChoice, MultipleChoice)):
        return [f"  {i}. {o.text}" for i, o in enumerate(question.options, start=1)]
    if isinstance(question, Ordering):
        return [f"  {i}. {o.text}" for i, o in enumerate(question.items, start=1)]
    if isinstance(question, Matching):
        return ["definitions:"] + [f"  {i}. {o.text}" for i, o in enumerate(question.definitions, start=1)]
    return [line for line in choices_text(question)]


def _ask_answer(question: Question, ask: Callable[[str], str], say: Callable[[str], None]) -> Any:
    if isinstance(question, Matching):
        return {term.key: _ask_until(f"{term.text} →", lambda text: _pick(text, question.definitions), ask, say)
                for term in question.terms}  # fmt: skip
    if isinstance(question, Computed):
        return {part.key: _ask_until(f"{part.key}", _number, ask, say) for part in question.parts}
    if isinstance(question, SingleChoice):
        return _ask_until("your choice (number)", lambda text: _pick(text, question.options), ask, say)
    if isinstance(question, MultipleChoice):
        return _ask_until(
            "your choices (numbers, separated by spaces)", lambda t: _pick_many(t, question.options), ask, say
        )
    if isinstance(question, Ordering):
        return _ask_until("the order (numbers, first to last)", lambda t: _order(t, question.items), ask, say)
    if isinstance(question, Numeric):
        return _ask_until("your answer (a number)", _number, ask, say)
    raise TypeError(f"no way to ask a {question.type} question")


def _ask_until(
    prompt: str, parse: Callable[[str], Any], ask: Callable[[str], str], say: Callable[[str], None]
) -> Any:
    while True:
        text = ask(prompt).strip()
        if text.lower() == QUIT:
            raise Stopped()
        try:
            return parse(text)
        except ValueError as error:
            say(f"  {error}; try again")


def _pick(text: str, options: tuple[Option, ...]) -> str:
    keys = [o.key for o in options]
    # not int(text): str.isdigit() holds for "²", which int() refuses in Python's own words
    numbered = {str(number): key for number, key in enumerate(keys, start=1)}
    if text.isascii() and text.isdigit() and text.lstrip("0") in numbered:
        return numbered[text.lstrip("0")]
    if text in keys:
        return text
    raise ValueError(f"answer with a number from 1 to {len(options)}")


def _pick_many(text: str, options: tuple[Option, ...]) -> list[str]:
    picked = [_pick(token, options) for token in re.split(r"[\s,]+", text) if token]
    if not picked:
        raise ValueError("give at least one number")
    return list(dict.fromkeys(picked))


def _order(text: str, items: tuple[Option, ...]) -> list[str]:
    order = [_pick(token, items) for token in re.split(r"[\s,]+", text) if token]
    if sorted(order) != sorted(o.key for o in items):
        raise ValueError(f"give each number from 1 to {len(items)} exactly once")
    return order


def _number(text: str) -> float:
    try:
        return float(Fraction(text.replace(" ", ""))) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError("answer with a number, such as 0.25, -1.5e-3 or 1/9") from None
