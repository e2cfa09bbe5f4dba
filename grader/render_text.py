"""GradeResult -> the terminal report: a table per exercise and a line per lost point."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.lost_points import Lost, LostGroup, group_lost, quiz_said_once
from grader.render_diagnosis import diagnosis_lines
from grader.results import GradeResult, QuizResult, TestResult

if TYPE_CHECKING:
    from grader.quiz.form_check import FormCheck

STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "timeout": "yellow"}
MAX_PRINTED = 2000
PUBLIC_ONLY = (
    "These are the public tests. The grade comes from hidden tests that check far more (random inputs, "
    "batches of several examples, float32, gradient checks), so a full score here is a start, not a guarantee."
)


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def render_text(result: GradeResult, console: Console) -> None:
    suite = "public tests" if result.suite == "public" else "hidden tests"
    console.print(f"[bold]backprop-grader {result.grader_version}[/] — {escape(result.submission)} ({suite})")
    if result.protections:
        console.print(protections_line(result))
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    explained: set[str] = set()
    for exercise in result.exercises():
        tests = [t for t in result.tests if t.exercise == exercise.name]
        console.print()
        console.print(_exercise_table(exercise.name, exercise.score, exercise.max_score, tests))
        for group in group_lost(tests, Lost.of_result):
            console.print(f"  [red]−{_points(group.points)}[/] {escape(lost_line(group))}", soft_wrap=False)
            _print_diagnosis(group.first, explained, console)
    if result.quiz is not None:
        console.print()
        render_quiz(result.quiz, console)
    if result.student_output.strip():
        console.print()
        console.print("[bold]Your code printed[/] (shown as feedback, never read as results):")
        console.print(
            printed_lines(result.student_output[:MAX_PRINTED]), markup=False, highlight=False, soft_wrap=True
        )
    console.print()
    console.print(
        f"[bold]Total: {_points(result.score)}/{_points(result.max_score)} ({result.percent:.1f}%)[/]"
        f"  in {duration(result.seconds)}"
    )
    if result.suite == "public":
        console.print(PUBLIC_ONLY, style="dim")


def duration(seconds: float) -> str:
    """'29 ms' under a second (a public check often takes less than 0.05 s), else '1.3 s'."""
    return f"{seconds * 1000:.0f} ms" if seconds < 0.9995 else f"{seconds:.1f} s"


def printed_lines(text: str) -> str:
    """What student code printed, each line behind a bar: a line it printed to look like the
    report's own ("Total: 143/143") is told apart at a glance. Lines are not wrapped (no line
    without its bar)."""
    return "\n".join(f"{PRINTED_BAR}{line}" for line in text.rstrip("\n").split("\n"))


#: what marks each line the student's code printed in the text report
PRINTED_BAR = "│ "


def lost_line(group: LostGroup[TestResult]) -> str:
    """'name: message' of a group of one; of more, which tests and the message they share, or
    the first one's."""
    first = group.first
    if len(group.tests) == 1:
        return f"{first.name}: {first.message}"
    if group.same_message:
        return f"in {len(group.tests)} tests ({group.names()}): {first.message}"
    return f"in {len(group.tests)} tests ({group.names()}); {first.name}: {first.message}"


def _print_diagnosis(test: TestResult, explained: set[str], console: Console) -> None:
    """The diagnosis under a lost test; a mistake already explained above gets one line."""
    if test.diagnosis is None:
        return
    mistake = test.diagnosis.mistake
    lines = diagnosis_lines(asdict(test.diagnosis), repeated=mistake in explained)
    if mistake is not None and test.status != "error":
        # an errored test's diagnosis has no evidence: a failed test's, below, still shows its own
        explained.add(mistake)
    style = "cyan" if mistake is not None else "yellow"
    for number, line in enumerate(lines):
        console.print(f"      [{style}]{'↳' if number == 0 else ' '}[/] {escape(line)}")


def protections_line(result: GradeResult) -> str:
    """One line on the walls around the student's code; missing ones stand out."""
    parts = []
    for protection in result.protections:
        name = protection.name.replace("_", " ")
        parts.append(
            f"[green]{name} ✓[/]"
            if protection.active
            else f"[bold red]{name} ✗[/] ({escape(protection.detail)})"
        )
    missing = sum(not p.active for p in result.protections)
    warning = (
        f" — [bold red]{missing} protection(s) missing: student code is less contained[/]" if missing else ""
    )
    return "sandbox: " + ", ".join(parts) + warning


def protections_summary(result: GradeResult) -> str:
    """The protections line without markup, for plain-text formats."""
    parts = [
        f"{p.name.replace('_', ' ')} {'on' if p.active else 'OFF (' + p.detail + ')'}"
        for p in result.protections
    ]
    return "sandbox: " + ", ".join(parts) if parts else "sandbox: not reported"


def render_quiz(quiz: QuizResult, console: Console) -> None:
    """The quiz as a table, then the feedback of every question not fully right."""
    for message in quiz.messages:
        console.print(f"[yellow]quiz:[/] {escape(message)}")
    table = Table(title=f"quiz — {_points(quiz.score)}/{_points(quiz.max_score)}", title_justify="left")
    table.add_column("Question")
    table.add_column("Points", justify="right")
    table.add_column("Result")
    for question in quiz.questions:
        verdict = "right" if question.correct else ("partly" if question.score else "wrong")
        if verdict == "wrong" and not quiz.answered(question):
            verdict = "no answer"
        style = {"right": "green", "partly": "yellow", "wrong": "red", "no answer": "red"}[verdict]
        table.add_row(escape(question.id), f"{_points(question.score)}/{_points(question.max_score)}",
                      f"[{style}]{verdict}[/]")  # fmt: skip
    console.print(table)
    if quiz_said_once((q.feedback for q in quiz.questions), quiz.messages):
        return
    for question in quiz.questions:
        if not question.correct:
            lost = _points(question.max_score - question.score)
            console.print(f"  [red]−{lost}[/] {escape(question.id)}: {escape(question.feedback)}")


#: what the student kit's quiz check says of the answers it cannot score
SCORED_WHEN_GRADED = "The kit has no answer key: your answers are scored when your submission is graded."


def render_answers_form(form: FormCheck, console: Console) -> None:
    """The kit's quiz check: a table of whether each question is answered and can be read, the
    problem of each answer that cannot, and a summary line."""
    for message in form.messages:
        console.print(f"[yellow]quiz:[/] {escape(message)}")
    table = Table(title="answers.toml", title_justify="left")
    table.add_column("Question")
    table.add_column("Points", justify="right")
    table.add_column("Answer")
    for question in form.questions:
        verdict, style = (
            ("cannot be read", "red")
            if question.problem is not None
            else ("answered", "green")
            if question.answered
            else ("no answer", "yellow")
        )
        table.add_row(escape(question.id), _points(question.points), f"[{style}]{verdict}[/]")
    console.print(table)
    for question in form.unreadable:
        console.print(f"  [red]{escape(question.id)}[/]: {escape(question.problem or '')}")
    count = f"{form.answered} of {len(form.questions)} questions answered"
    if form.unreadable:
        unreadable = len(form.unreadable)
        console.print(
            f"{count}; {unreadable} answer{'' if unreadable == 1 else 's'} cannot be read and would score 0: "
            f"fix {'it' if unreadable == 1 else 'them'} and check again. {SCORED_WHEN_GRADED}"
        )
    else:
        console.print(f"{count}; every answer can be read. {SCORED_WHEN_GRADED}")


def _exercise_table(name: str, score: float, max_score: float, tests: list[TestResult]) -> Table:
    table = Table(
        title=f"{name}.py — {_points(score)}/{_points(max_score)}", title_justify="left", expand=False
    )
    table.add_column("Test")
    table.add_column("Points", justify="right")
    table.add_column("Result")
    for test in tests:
        style = STATUS_STYLE.get(test.status, "")
        table.add_row(
            escape(test.name),
            f"{_points(test.score)}/{_points(test.max_score)}",
            f"[{style}]{test.status}[/]",
        )
    return table
