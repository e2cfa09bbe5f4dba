"""The quiz as a Markdown page of questions, with no answers (the student kit's QUESTIONS.md)."""

from __future__ import annotations

import re

from grader.quiz.answers import answer_hint, choices_text
from grader.quiz.bank import Quiz
from grader.quiz.questions import Computed

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def questions_markdown(quiz: Quiz) -> str:
    lines = [
        "# Quiz questions",
        "",
        "Answer in `answers.toml` (next to your exercise files). Questions marked *your numbers* use",
        "numbers drawn for your student id: get them with",
        "`backprop-grader quiz template --student YOUR_ID --out answers.toml`",
        "or answer interactively with `backprop-grader quiz take --student YOUR_ID`.",
        "",
    ]
    titles = dict(quiz.titles)
    bank = None
    for question in quiz.questions:
        if question.bank != bank:
            bank = question.bank
            lines += [f"## {titles.get(bank, bank)}", ""]
        points = f"{question.points:g} point{'s' if question.points != 1 else ''}"
        mine = ", *your numbers*" if isinstance(question, Computed) else ""
        lines += [f"### `{question.id}` ({points}{mine})", ""]
        lines += [_italic_names(question.prompt), ""]
        if isinstance(question, Computed):
            lines += [f"- `{part.key}`: {_italic_names(part.prompt)}" for part in question.parts]
            lines.append("")
        choices = choices_text(question)
        if choices:
            lines += ["```text", *choices, "```", ""]
        lines += [f"Answer with {answer_hint(question)}", ""]
    return "\n".join(lines)


def _italic_names(text: str) -> str:
    """{x} placeholders as *x*: the student's own numbers come from quiz template or take."""
    return _PLACEHOLDER.sub(r"*\1*", text)
