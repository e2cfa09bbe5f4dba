"""answers.toml: the file a student hands in with the quiz answers.

    student = "alice"            # the id the per-student numbers are drawn from

    [answers]
    relu-negative-z = 0          # numeric: a number
    chain-rule = "a"             # single: a choice key
    relu-dead-causes = ["a", "b"]      # multiple: a list of choice keys
    match-steps = { output-delta = "c", weight-gradient = "a" }   # matching: term = definition
    training-loop = ["a", "b", "c", "d"]                          # ordering: item keys in order
    my-sigmoid-neuron = { y_hat = 0.77, dL_dw = -0.12 }           # computed: part = number

The same format is written by `quiz template` (every answer commented out),
`quiz key` (every answer filled in) and `quiz take`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.long_numbers import line_of_long_number, number_too_long, too_long
from grader.quiz import toml_reading
from grader.quiz.bank import Quiz
from grader.quiz.params import draw, fill
from grader.quiz.questions import Computed, Matching, MultipleChoice, Ordering, Question, SingleChoice
from grader.submission import ANSWERS_FILE
from grader.whole_file import write_whole

__all__ = ["ANSWERS_FILE", "Answers", "AnswersError", "read_answers", "write_answers"]

MAX_BYTES = 256 * 1024


class AnswersError(ValueError):
    """An answers file that cannot be read; the message names the line where it can."""


@dataclass(frozen=True)
class Answers:
    student: str | None
    values: dict[str, Any] = field(default_factory=dict)


_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def read_answers(path: Path) -> Answers:
    """Parse an answers file; AnswersError with the line number on a syntax error."""
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        raise AnswersError(f"{path.name} is larger than {MAX_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as Windows tools may write, is no answer
        data = _parse(text)
    except UnicodeDecodeError:
        saved_as = (
            'saved as UTF-16 text (Notepad\'s "Unicode")' if raw[:2] in _UTF16_MARKS else "not UTF-8 text"
        )
        raise AnswersError(f"{path.name} is {saved_as}: save it again as UTF-8") from None
    except RecursionError:
        raise AnswersError(
            f"{path.name} nests lists or tables too deeply to read; an answer is a number, a string or "
            "a list of them"
        ) from None
    except toml_reading.TOMLDecodeError as error:
        raise AnswersError(f"{path.name} {_where_and_what(str(error), text)}") from None
    except ValueError as error:
        if not too_long(error):
            raise AnswersError(f"{path.name} could not be read ({error})") from None
        line = line_of_long_number(text)
        raise AnswersError(
            f"{path.name}{f' line {line}' if line else ''}: {number_too_long()}; an answer is a number, a "
            "string or a list of them"
        ) from None
    unknown = sorted(set(data) - {"student", "answers"})
    if unknown:
        raise AnswersError(f"{path.name} line {_line_of(text, unknown[0])}: unknown key {unknown[0]!r}; "
                           f"only 'student' and the [answers] table belong here")  # fmt: skip
    student = data.get("student")
    if student is not None and (not isinstance(student, str) or not student.strip()):
        raise AnswersError(
            f"{path.name} line {_line_of(text, 'student')}: student must be a non-empty string"
        )
    values = data.get("answers", {})
    if not isinstance(values, dict):
        raise AnswersError(
            f"{path.name} line {_line_of(text, 'answers')}: answers must be a table ([answers])"
        )
    return Answers(student.strip() if student else None, values)


def _parse(text: str) -> dict[str, Any]:
    """The TOML document as plain data (TOMLDecodeError, naming the line, when it is not TOML).

    tomllib, not tomlkit (which writes these files, comments and all): tomlkit took 16 s to find
    the error in 256 KiB of dotted keys, time a hostile file took from the grader before any
    time limit applies, for every run that graded it.
    """
    return toml_reading.loads(text)


_WHERE = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")


def _where_and_what(message: str, text: str) -> str:
    """ "line N, column M: what is wrong" from a TOMLDecodeError's message ("... (at line N, column M)")."""
    found = _WHERE.search(message)
    if found is None:
        return message
    what = message[: found.start()]
    if found.group(1) is None:
        return f"line {len(text.splitlines()) or 1}: {what} at the end of the file"
    return f"line {found.group(1)}, column {found.group(2)}: {what}"


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip().lstrip("[").strip()
        if stripped.startswith(key) and stripped[len(key) :].lstrip()[:1] in ("=", "]", ""):
            return number
    return 1


def question_text(question: Question, student: str | None) -> str:
    """The prompt as this student sees it (their own numbers for computed questions)."""
    if isinstance(question, Computed):
        values = draw(student or "", question)
        parts = "\n".join(f"  {part.key}: {fill(part.prompt, values)}" for part in question.parts)
        return f"{fill(question.prompt, values)}\n{parts}"
    return question.prompt


def choices_text(question: Question) -> list[str]:
    """The lines listing a question's choices, terms and definitions, or items."""
    if isinstance(question, (SingleChoice, MultipleChoice)):
        return [f"{o.key}) {o.text}" for o in question.options]
    if isinstance(question, Matching):
        return (["terms:"] + [f"  {o.key}: {o.text}" for o in question.terms]
                + ["definitions:"] + [f"  {o.key}) {o.text}" for o in question.definitions])  # fmt: skip
    if isinstance(question, Ordering):
        return [f"{o.key}) {o.text}" for o in question.items]
    return []


def answer_hint(question: Question) -> str:
    """How to write this question's answer; placeholders only, so the hint never gives an answer away."""
    if isinstance(question, SingleChoice):
        return f'one choice key in quotes: {question.id} = "<key>"'
    if isinstance(question, MultipleChoice):
        return f'a list of every right choice key: {question.id} = ["<key>", "<key>"]'
    if isinstance(question, Matching):
        pairs = ", ".join(f'{t.key} = "<key>"' for t in question.terms)
        return f"a definition key for each term: {question.id} = {{ {pairs} }}"
    if isinstance(question, Ordering):
        slots = ", ".join(['"<key>"'] * len(question.items))
        return f"every item key once, first to last: {question.id} = [{slots}]"
    if isinstance(question, Computed):
        return f"a number for each part: {question.id} = {{ {', '.join(f'{p.key} = <number>' for p in question.parts)} }}"
    return f"a number: {question.id} = <number>"


def _toml_value(value: Any) -> Any:
    """Tables as inline tables, so every answer stays on one line right under its question."""
    import tomlkit  # here, not above: its import is 16 ms of every grade, which only reads

    if isinstance(value, dict):
        inline = tomlkit.inline_table()
        inline.update(value)
        return inline
    return value


def write_answers(
    path: Path, quiz: Quiz, student: str | None, values: dict[str, Any], *, blank: bool
) -> None:
    """Write an answers file (answers_text) to path, replaced whole: quiz take saves it after every
    answer, and a stop midway must not leave half a file."""
    write_whole(path, answers_text(quiz, student, values, blank=blank))


def answers_text(quiz: Quiz, student: str | None, values: dict[str, Any], *, blank: bool) -> str:
    """An answers file: each question as a comment, then its answer (commented out when blank)."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(
        tomlkit.comment("backprop-grader quiz answers. Put this file at the top of your submission folder.")
    )
    if quiz.answers_removed:
        doc.add(tomlkit.comment("It is scored when your submission is graded."))
    else:
        doc.add(tomlkit.comment("Check it with: backprop-grader quiz check answers.toml"))
    if student is not None:
        doc.add("student", student)
    else:
        doc.add(tomlkit.comment('student = "your-id"   (the id your own numbers are drawn from)'))
    table = tomlkit.table()
    for question in quiz.questions:
        table.add(tomlkit.nl())
        points = f"{question.points:g} point{'s' if question.points != 1 else ''}"
        table.add(tomlkit.comment(f"[{question.id}] {question.type}, {points}"))
        for line in question_text(question, student).splitlines() + choices_text(question):
            table.add(tomlkit.comment(line))
        table.add(tomlkit.comment("Answer with " + answer_hint(question)))
        if question.id in values and not blank:
            table.add(question.id, _toml_value(values[question.id]))
        else:
            table.add(tomlkit.comment(f"{question.id} = "))
    doc.add("answers", table)
    return tomlkit.dumps(doc)
