"""`backprop-grader quiz ...`: take, template, key, check and validate the quizzes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader.cli_errors import GraderBroken, Interrupted, SubmissionUnreadable, unwritable
from grader.cli_options import GivenPath, check_student, student_id
from grader.output_streams import silence_stdout


@click.group()
def quiz() -> None:
    """Answer and score the lessons' practice questions.

    \b
    Examples:
      backprop-grader quiz take --student alice          (answer in the terminal)
      backprop-grader quiz template --student alice --out answers.toml
      backprop-grader quiz check answers.toml
      backprop-grader quiz key --student alice --out key.toml   (instructors)
    """


def _load():
    from grader.paths import quizzes_dir
    from grader.quiz.bank import BankError, load_quiz

    directory = quizzes_dir()
    if directory is None:
        raise GraderBroken("no question banks found (quizzes/*.toml); set BACKPROP_GRADER_QUIZZES")
    try:
        return load_quiz(directory)
    except BankError as error:
        raise GraderBroken(f"question bank problem: {error}") from None


def _with_answers(quiz_data):
    """The quiz, if it has its answers (the student kit's banks do not)."""
    if quiz_data.answers_removed:
        raise SubmissionUnreadable(
            "this is the student kit: it holds the questions but not the answers, so it cannot score "
            "them; your answers.toml is scored when your submission is graded"
        )
    return quiz_data


def _reference():
    from grader.paths import GraderSetupError, reference_dir
    from grader.reference import load_reference

    try:
        return load_reference(reference_dir())
    except GraderSetupError as error:
        raise GraderBroken(str(error)) from None


def _read(path: Path):
    from grader.quiz.answers import AnswersError, read_answers

    if not path.is_file():
        raise SubmissionUnreadable(f"{path} does not exist; write it with: backprop-grader quiz take")
    try:
        return read_answers(path)
    except AnswersError as error:
        raise SubmissionUnreadable(str(error)) from None


def _write(out: Path, write: Callable[[], None]) -> None:
    """Run write, which writes the file out; an OSError is the one-line exit 2 of every command."""
    try:
        write()
    except OSError as error:
        raise unwritable(out, error) from None


student_option = click.option(
    "--student", callback=check_student, help="Your student id: your own numbers are drawn from it."
)
to_file_or_stdout = click.option(
    "--out", type=GivenPath(dir_okay=False, path_type=Path, dash_is_stdout=True), required=True,
    help="Where to write it; - for standard output.",
)  # fmt: skip
out_option = click.option("--out", type=GivenPath(dir_okay=False, path_type=Path), default="answers.toml",
                          show_default=True, help="The answers file to write.")  # fmt: skip


@quiz.command()
@student_option
@out_option
def take(student: str | None, out: Path) -> None:
    """Answer the questions one by one in the terminal.

    Choices are numbered; an answer that does not fit is asked again. The file
    is saved after every answer: stop with q or Ctrl-C and run the same command
    to continue where you left off.

    \b
    Example:
      backprop-grader quiz take --student alice
    """
    from grader.quiz.answers import write_answers
    from grader.quiz.take import Stopped, take_quiz

    quiz_data = _load()
    values: dict = {}
    if out.exists():
        existing = _read(out)
        if student and existing.student and existing.student != student:
            raise SubmissionUnreadable(
                f"{out} belongs to student {existing.student!r}; use --out for another file"
            )
        student, values = student or existing.student, dict(existing.values)
    ask = _on_the_terminal(lambda p: click.prompt(p, prompt_suffix=": "))
    say = _on_the_terminal(click.echo)
    try:
        try:
            if not student:
                student = _on_the_terminal(
                    lambda p: click.prompt(p, value_proc=lambda text: student_id(text.strip()))
                )("your student id")
            if not out.exists():  # so that a path that cannot be written is said before any question
                _write(out, lambda: write_answers(out, quiz_data, student, values, blank=False))
            asked = take_quiz(quiz_data, student, values, out, ask, say)
        except (Stopped, click.Abort, EOFError):
            saved = _saved(values, out)
            say(f"\nStopped. {saved[0].upper()}{saved[1:]}; run the same command to continue.")
            return
        except OSError as error:  # saving an answer (a full disk): those before it are in the file
            raise unwritable(out, error) from None
        say(f"\nDone: {asked} answered now, all {len(quiz_data.questions)} saved in {out}. "
            f"Check them with: backprop-grader quiz check {out}")  # fmt: skip
    except _TerminalGone:
        silence_stdout()
        raise Interrupted(
            f"the terminal closed; {_saved(values, out)}: run the same command to continue"
        ) from None


def _saved(values: dict, out: Path) -> str:
    if not out.exists():
        return "no answer is saved yet"
    return f"{'1 answer is' if len(values) == 1 else f'{len(values)} answers are'} saved in {out}"


class _TerminalGone(Exception):
    """The terminal quiz take talks on closed (a window shut, an SSH connection dropped): its
    reads and writes fail. Not the answers file's fault, nor anything to say to anyone."""


def _on_the_terminal(function: Callable[[str], Any]) -> Callable[[str], Any]:
    def on_the_terminal(text: str) -> Any:
        try:
            return function(text)
        except OSError as error:
            raise _TerminalGone from error

    return on_the_terminal


@quiz.command()
@click.option(
    "--student", required=True, callback=check_student, help="The student id the numbers are drawn from."
)
@to_file_or_stdout
def template(student: str, out: Path | None) -> None:
    """Write a blank answers file with every question as a comment.

    \b
    Example:
      backprop-grader quiz template --student alice --out answers.toml
    """
    from grader.quiz.answers import AnswersError, answers_text, read_answers, write_answers

    if out is None:
        click.echo(answers_text(_load(), student, {}, blank=True), nl=False)
        return
    if out.exists():
        try:
            answered = len(read_answers(out).values)
        except AnswersError:  # a file being edited, or not an answers file at all
            raise SubmissionUnreadable(
                f"{out} already exists and is not a blank answers file, which a template would replace; "
                "choose another --out, or delete the file first"
            ) from None
        if answered:
            raise SubmissionUnreadable(
                f"{out} holds {answered} answer{'' if answered == 1 else 's'}, which a blank template would "
                "replace; choose another --out, "
                f"or continue it with: backprop-grader quiz take --out {out}"
            )
    _write(out, lambda: write_answers(out, _load(), student, {}, blank=True))
    click.echo(f"wrote {out}: fill in each answer under its question")


@quiz.command()
@click.option("--student", required=True, callback=check_student, help="The student whose key to write.")
@to_file_or_stdout
def key(student: str, out: Path | None) -> None:
    """Write the complete, correct answers file of a student (instructors).

    It is in the format students hand in, so it scores 100% for that student.

    \b
    Example:
      backprop-grader quiz key --student alice --out alice-key.toml
    """
    from grader.quiz.answers import answers_text, write_answers
    from grader.quiz.scoring import answer_key

    quiz_data = _with_answers(_load())
    answers = answer_key(quiz_data, student, _reference())
    if out is None:
        click.echo(answers_text(quiz_data, student, answers, blank=False), nl=False)
        return
    _write(out, lambda: write_answers(out, quiz_data, student, answers, blank=False))
    click.echo(f"wrote the answer key of {student} to {out}")


@quiz.command()
@click.argument("file", type=GivenPath(dir_okay=False, path_type=Path), default="answers.toml")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(file: Path, fmt: str) -> None:
    """Validate an answers file and score it for its student.

    In the student kit, which has no answer key, it only checks that every answer can be read as
    grading will read it, and exits 1 if one cannot (an answer that cannot be read scores 0).

    \b
    Example:
      backprop-grader quiz check answers.toml
    """
    from grader.quiz.scoring import score_answers
    from grader.render_json import quiz_to_dict
    from grader.render_text import render_quiz
    from grader.stdout_console import stdout_console

    quiz_data = _load()
    if quiz_data.answers_removed:
        _check_form(quiz_data, _read(file), fmt)
        return
    result = score_answers(quiz_data, _read(file), _reference())
    if fmt == "json":
        click.echo(json.dumps(quiz_to_dict(result), indent=2, ensure_ascii=False))
        return
    render_quiz(result, stdout_console(width_when_piped=110))


def _check_form(quiz_data: Any, answers: Any, fmt: str) -> None:
    """quiz check in the student kit: whether each answer can be read; exit 1 if one cannot."""
    from grader.quiz.form_check import check_answers_form
    from grader.render_json import answers_form_to_dict
    from grader.render_text import render_answers_form
    from grader.stdout_console import stdout_console

    form = check_answers_form(quiz_data, answers)
    if fmt == "json":
        click.echo(json.dumps(answers_form_to_dict(form, answers.student), indent=2, ensure_ascii=False))
    else:
        render_answers_form(form, stdout_console(width_when_piped=110))
    if form.unreadable:
        raise SystemExit(1)


@quiz.command()
def validate() -> None:
    """Check every question bank and list them (instructors, after editing quizzes/).

    \b
    Example:
      backprop-grader quiz validate
    """
    quiz_data = _load()
    for stem, title in quiz_data.titles:
        questions = [q for q in quiz_data.questions if q.bank == stem]
        click.echo(
            f"{stem}.toml: {title} — {len(questions)} questions, {sum(q.points for q in questions):g} points"
        )
    click.echo(f"all banks are valid: {len(quiz_data.questions)} questions, {quiz_data.max_score:g} points")
