"""Score a student's answers against the banks: one QuestionResult per question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.quiz.answers import ANSWERS_FILE, Answers, AnswersError, read_answers
from grader.quiz.bank import Quiz
from grader.quiz.computations import COMPUTATIONS
from grader.quiz.params import draw
from grader.quiz.questions import AnswerFormatError, Computed, Question
from grader.results import NOT_ANSWERED, QuestionResult, QuizResult


def expected_answer(question: Question, student: str | None, reference: Any) -> Any:
    """The right answer, in the form a student writes it; computed ones use the reference."""
    if isinstance(question, Computed):
        values = COMPUTATIONS[question.compute](reference, **draw(student or "", question))
        return {part.key: round(values[part.key], 6) for part in question.parts}
    answer = question.answer  # type: ignore[attr-defined]
    if isinstance(answer, tuple) and answer and isinstance(answer[0], tuple):
        return dict(answer)
    return list(answer) if isinstance(answer, tuple) else answer


def answer_key(quiz: Quiz, student: str | None, reference: Any) -> dict[str, Any]:
    return {question.id: expected_answer(question, student, reference) for question in quiz.questions}


def answers_notes(quiz: Quiz, answers: Answers) -> list[str]:
    """What is wrong with an answers file as a whole: no student id where numbers are drawn per
    student, answers to questions that do not exist."""
    notes = []
    if answers.student is None and any(isinstance(q, Computed) for q in quiz.questions):
        notes.append("answers.toml names no student, so questions with per-student numbers use the numbers of "
                     "an empty id; add student = \"your-id\"")  # fmt: skip
    unknown = sorted(set(answers.values) - set(quiz.by_id()))
    if unknown:
        notes.append(f"answers.toml answers questions that do not exist: {', '.join(unknown)}")
    return notes


def score_answers(quiz: Quiz, answers: Answers, reference: Any, messages: tuple[str, ...] = ()) -> QuizResult:
    results = []
    notes = [*messages, *answers_notes(quiz, answers)]
    for question in quiz.questions:
        expected = expected_answer(question, answers.student, reference)
        results.append(_score_one(question, answers.values.get(question.id), expected))
    return QuizResult(tuple(results), tuple(notes), answers.student)


def _score_one(question: Question, given: Any, expected: Any) -> QuestionResult:
    right = f"The answer: {question.describe(expected).rstrip('.')}."
    if given is None:
        return QuestionResult(question.id, 0.0, question.points, False,
                              f"{NOT_ANSWERED} {right} {question.explanation}")  # fmt: skip
    try:
        marking = question.mark(given, expected)  # type: ignore[attr-defined]
    except AnswerFormatError as error:
        return QuestionResult(question.id, 0.0, question.points, False,
                              f"Could not read your answer: {error}. {right} {question.explanation}")  # fmt: skip
    score = round(question.points * marking.fraction, 6)
    if marking.fraction >= 1:
        feedback = f"Correct. {question.explanation}"
    else:
        verdict = "Partly right" if marking.fraction > 0 else "Not right"
        remark = f" ({marking.remark})" if marking.remark else ""
        feedback = f"{verdict}{remark}: you answered {question.describe(given).rstrip('.')}. {right} {question.explanation}"
    return QuestionResult(question.id, score, question.points, marking.fraction >= 1, feedback)


def unanswered(quiz: Quiz, message: str) -> QuizResult:
    """Every question at 0 points, with why (no answers file, or one that cannot be read)."""
    results = tuple(QuestionResult(q.id, 0.0, q.points, False, message) for q in quiz.questions)
    return QuizResult(results, (message,))


def score_submission_quiz(
    directory: Path, quiz: Quiz, reference: Any, student: str | None = None, misnamed: str | None = None
) -> QuizResult:
    """The quiz result of the answers.toml in a submission directory (0 with a message if absent or unreadable).

    student, when given, is who the submission belongs to (its folder's name in a class run):
    the numbers are drawn for that id whatever answers.toml claims, so copied answers do not
    carry their owner's numbers along. misnamed: a file in the submission named like answers.toml
    but not quite, to name in the message when there is no answers.toml.
    """
    path = directory / ANSWERS_FILE
    if not path.is_file():
        if misnamed:
            return unanswered(quiz, f"no {ANSWERS_FILE} in the submission, only {misnamed}: the quiz scores 0 "
                                    f"(names must match exactly: rename it {ANSWERS_FILE})")  # fmt: skip
        return unanswered(quiz, f"no {ANSWERS_FILE} in the submission: the quiz scores 0 "
                                f"(write one with: backprop-grader quiz take)")  # fmt: skip
    try:
        answers = read_answers(path)
    except AnswersError as error:
        return unanswered(quiz, f"the quiz scores 0: {error}")
    messages: tuple[str, ...] = ()
    if student is not None and answers.student != student:
        if answers.student is not None:
            messages = (f"answers.toml names student {answers.student!r}, but this is the submission of "
                        f"{student!r}: the numbers were drawn for {student!r} (work out your own with: "
                        f"backprop-grader quiz take --student {student})",)  # fmt: skip
        answers = Answers(student, answers.values)
    return score_answers(quiz, answers, reference, messages)
