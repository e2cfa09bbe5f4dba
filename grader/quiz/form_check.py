"""Whether each answer of an answers file can be read, without the answer key: what the student
kit, whose banks hold no answers, can tell a student before the submission is graded."""

from __future__ import annotations

from dataclasses import dataclass

from grader.quiz.answers import Answers
from grader.quiz.bank import Quiz
from grader.quiz.questions import AnswerFormatError
from grader.quiz.scoring import answers_notes


@dataclass(frozen=True)
class AnswerForm:
    """One question of an answers file: answered or not, and why its answer cannot be read."""

    id: str
    points: float
    answered: bool
    problem: str | None = None  # None: readable (or not answered)


@dataclass(frozen=True)
class FormCheck:
    """Every question's AnswerForm, and what is wrong with the file as a whole."""

    questions: tuple[AnswerForm, ...]
    messages: tuple[str, ...]

    @property
    def unreadable(self) -> tuple[AnswerForm, ...]:
        return tuple(q for q in self.questions if q.problem is not None)

    @property
    def answered(self) -> int:
        return sum(q.answered for q in self.questions)


def check_answers_form(quiz: Quiz, answers: Answers) -> FormCheck:
    """Read each answer as grading will (Question.check_form), scoring none."""
    forms = []
    for question in quiz.questions:
        given = answers.values.get(question.id)
        problem = None
        if given is not None:
            try:
                question.check_form(given)
            except AnswerFormatError as error:
                problem = str(error)
        forms.append(AnswerForm(question.id, question.points, given is not None, problem))
    return FormCheck(tuple(forms), tuple(answers_notes(quiz, answers)))
