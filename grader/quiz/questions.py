"""Question types and how each scores an answer.

An answer is the value a student writes in answers.toml for a question id:

    single     a choice key, e.g. "b"                      all or nothing
    multiple   a list of choice keys, e.g. ["a", "c"]      (right picks − wrong picks) / number of right choices, at least 0
    numeric    a number                                    right when |a − e| ≤ max(abs_tol, rel_tol·|e|)
    matching   a table term key -> definition key          the share of terms matched right
    ordering   a list of item keys in order                1 when exact, else (L − 1)/(n − 1) with L the longest run
                                                           of items in the right relative order
    computed   a table part key -> number                  each part scored like numeric, weighted by its points

A value of the wrong kind raises AnswerFormatError: that question scores 0 and
the message says what was expected.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass
from typing import Any


class AnswerFormatError(ValueError):
    """The value given for a question is not of the form its type needs."""


@dataclass(frozen=True)
class Option:
    key: str
    text: str


@dataclass(frozen=True)
class Marking:
    """The share of a question's points earned, and a few words on why."""

    fraction: float
    remark: str = ""


def _keys(options: tuple[Option, ...]) -> list[str]:
    return [option.key for option in options]


def _text(options: tuple[Option, ...], key: str) -> str:
    return next((f"{o.key}) {o.text}" for o in options if o.key == key), key)


def _need_key(value: Any, options: tuple[Option, ...], what: str) -> str:
    if not isinstance(value, str) or value not in _keys(options):
        raise AnswerFormatError(f"{what} must be one of {', '.join(_keys(options))}, not {as_written(value)}")
    return value


def _need_number(value: Any, what: str) -> float:
    if isinstance(value, str) and _is_number_text(value):
        raise AnswerFormatError(f"{what} must be a number, not the text {as_written(value)}: write it without "
                                "the quotes")  # fmt: skip
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerFormatError(f"{what} must be a number, not {as_written(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int of hundreds of digits: TOML leaves them unbounded
        number = math.inf
    if not math.isfinite(number):
        raise AnswerFormatError(f"{what} must be a number, not {_number_text(value)}")
    return number


def _is_number_text(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _number_text(value: int | float) -> str:
    """value in 6 significant digits, as feedback quotes an answer."""
    try:
        return f"{value:.6g}"
    except OverflowError:  # an int past a float's range
        return "an integer of more than 300 digits"


#: the longest answer as_written quotes whole
QUOTED_LENGTH = 80

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def as_written(value: Any) -> str:
    """value as TOML writes it, as the student wrote it in answers.toml (a date as 1979-05-27, a
    table as {a = 1}), cut to about QUOTED_LENGTH characters."""
    text = _toml_text(value)
    return text if len(text) <= QUOTED_LENGTH else text[: QUOTED_LENGTH - 1] + "…"


def _toml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value[: QUOTED_LENGTH * 2], ensure_ascii=False)
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_text(item) for item in value[:QUOTED_LENGTH]) + "]"
    if isinstance(value, dict):
        pairs = list(value.items())[:QUOTED_LENGTH]
        return "{" + ", ".join(f"{_toml_key(key)} = {_toml_text(item)}" for key, item in pairs) + "}"
    return repr(value)[:QUOTED_LENGTH]


def _toml_key(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def numbers_match(given: float, expected: float, abs_tol: float, rel_tol: float) -> bool:
    return abs(given - expected) <= max(abs_tol, rel_tol * abs(expected))


@dataclass(frozen=True)
class Question:
    id: str
    points: float
    prompt: str
    explanation: str
    bank: str

    type = "question"

    def check_form(self, given: Any) -> None:
        """Raise AnswerFormatError unless given has the form an answer to this question takes (what
        mark checks before it compares; the student kit, which has no answers, checks only this)."""

    def describe(self, answer: Any) -> str:
        """An answer written for people (used in feedback)."""
        return str(answer)


@dataclass(frozen=True)
class SingleChoice(Question):
    options: tuple[Option, ...] = ()
    answer: str = ""
    type = "single"

    def check_form(self, given: Any) -> None:
        _need_key(given, self.options, "the answer")

    def mark(self, given: Any, expected: Any) -> Marking:
        self.check_form(given)
        return Marking(1.0 if given == expected else 0.0)

    def describe(self, answer: Any) -> str:
        return _text(self.options, answer)


@dataclass(frozen=True)
class MultipleChoice(Question):
    options: tuple[Option, ...] = ()
    answer: tuple[str, ...] = ()
    type = "multiple"

    def check_form(self, given: Any) -> None:
        if not isinstance(given, list):
            keys = _keys(self.options)
            named = re.split(r"[\s,;]+", given.strip()) if isinstance(given, str) else []
            if named and set(named) <= set(keys):  # "a, b": the keys, but as one text
                raise AnswerFormatError(
                    f"the answer must be a list of choice keys, not one text: write {as_written(named)}"
                )
            # an example that is not the answer (which the kit has not)
            raise AnswerFormatError(
                f"the answer must be a list of choice keys, e.g. {as_written(keys[::2][:2])}"
            )
        for key in given:
            _need_key(key, self.options, "each choice")

    def mark(self, given: Any, expected: Any) -> Marking:
        self.check_form(given)
        picked = set(given)
        right, wrong = len(picked & set(expected)), len(picked - set(expected))
        fraction = max(0.0, (right - wrong) / len(expected))
        return Marking(fraction, f"{right} right and {wrong} wrong picks")

    def describe(self, answer: Any) -> str:
        return "; ".join(_text(self.options, key) for key in answer) or "nothing"


@dataclass(frozen=True)
class Numeric(Question):
    answer: float = 0.0
    abs_tol: float = 0.0
    rel_tol: float = 0.0
    type = "numeric"

    def check_form(self, given: Any) -> None:
        _need_number(given, "the answer")

    def mark(self, given: Any, expected: Any) -> Marking:
        value = _need_number(given, "the answer")
        return Marking(1.0 if numbers_match(value, expected, self.abs_tol, self.rel_tol) else 0.0)

    def describe(self, answer: Any) -> str:
        return _number_text(answer) if isinstance(answer, (int, float)) else str(answer)


@dataclass(frozen=True)
class Matching(Question):
    terms: tuple[Option, ...] = ()
    definitions: tuple[Option, ...] = ()
    answer: tuple[tuple[str, str], ...] = ()
    type = "matching"

    def check_form(self, given: Any) -> None:
        if not isinstance(given, dict):
            raise AnswerFormatError("the answer must be a table of term = definition key")
        unknown = set(given) - set(_keys(self.terms))
        if unknown:
            raise AnswerFormatError(
                f"unknown term {sorted(unknown)[0]!r}; terms are {', '.join(_keys(self.terms))}"
            )
        for term in _keys(self.terms):
            if term in given:
                _need_key(given[term], self.definitions, f"the definition of {term}")

    def mark(self, given: Any, expected: Any) -> Marking:
        self.check_form(given)
        right = sum(given[term] == definition for term, definition in expected.items() if term in given)
        return Marking(right / len(expected), f"{right} of {len(expected)} terms matched right")

    def describe(self, answer: Any) -> str:
        return "; ".join(f"{term} → {definition}" for term, definition in dict(answer).items())


def longest_ordered_run(given: list[str], expected: list[str]) -> int:
    """Length of the longest subsequence of given that keeps expected's order."""
    rank = {key: i for i, key in enumerate(expected)}
    tails: list[int] = []
    for key in given:
        r = rank[key]
        position = next((i for i, tail in enumerate(tails) if tail >= r), len(tails))
        tails[position : position + 1] = [r]
    return len(tails)


@dataclass(frozen=True)
class Ordering(Question):
    items: tuple[Option, ...] = ()
    answer: tuple[str, ...] = ()
    type = "ordering"

    def check_form(self, given: Any) -> None:
        keys = _keys(self.items)
        if not isinstance(given, list) or sorted(map(str, given)) != sorted(keys):
            raise AnswerFormatError(f"the answer must list each of {', '.join(keys)} once, in order")

    def mark(self, given: Any, expected: Any) -> Marking:
        self.check_form(given)
        keys = _keys(self.items)
        if list(given) == list(expected):
            return Marking(1.0)
        run = longest_ordered_run(list(given), list(expected))
        return Marking(
            max(0.0, (run - 1) / (len(keys) - 1)), f"{run} of {len(keys)} in the right relative order"
        )

    def describe(self, answer: Any) -> str:
        return " → ".join(_text(self.items, key) for key in answer)


@dataclass(frozen=True)
class Param:
    """A per-student number: low + step·k for a k drawn from the student id, or one of values."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Part:
    key: str
    prompt: str
    points: float
    abs_tol: float
    rel_tol: float


@dataclass(frozen=True)
class Computed(Question):
    """Numbers drawn per student; the expected values come from the reference implementation."""

    params: tuple[Param, ...] = ()
    compute: str = ""
    parts: tuple[Part, ...] = ()
    type = "computed"

    def check_form(self, given: Any) -> None:
        if not isinstance(given, dict):
            raise AnswerFormatError(
                "the answer must be a table of " + ", ".join(f"{p.key} = <number>" for p in self.parts)
            )
        for part in self.parts:
            if part.key in given:
                _need_number(given[part.key], part.key)

    def mark(self, given: Any, expected: Any) -> Marking:
        self.check_form(given)
        earned, wrong = 0.0, []
        for part in self.parts:
            if part.key in given and numbers_match(_need_number(given[part.key], part.key), expected[part.key],
                                                   part.abs_tol, part.rel_tol):  # fmt: skip
                earned += part.points
            else:
                wrong.append(part.key)
        remark = f"wrong or missing: {', '.join(wrong)}" if wrong else ""
        return Marking(earned / self.points, remark)

    def describe(self, answer: Any) -> str:
        return ", ".join(
            f"{key} = {_number_text(value)}"
            if isinstance(value, (int, float))
            else f"{key} = {as_written(value)}"
            for key, value in dict(answer).items()
        )
