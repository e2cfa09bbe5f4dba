"""Options shared by several commands, the checks of options' values, and what they turn into."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from grader.worker import WorkerLimits


def student_id(text: str) -> str:
    """text, if it can be a student id (a class's gradebook could not hold the numbers of any other)."""
    from grader.student_ids import STUDENT_ID_RULE, is_student_id

    if not is_student_id(text):
        raise click.BadParameter(
            f"{text!r} is not usable as a student id ({STUDENT_ID_RULE}); use the id your course "
            "gave you (your login, say)"
        )
    return text


def check_student(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A --student option's callback: the id, checked."""
    return None if value is None else student_id(value)


#: an nbgrader assignment name that is one folder name in every step's folder (source/NAME,
#: release/NAME, ...) and one word on nbgrader's command line: nbgrader refuses "+", and takes "*"
#: as a pattern, "/" and ".." as more folders, a leading "-" as an option
_ASSIGNMENT = re.compile(r"^[^\W_][\w.-]{0,99}$")


def check_nbgrader_assignment(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An nbgrader-source --assignment callback: the name, checked."""
    if not _ASSIGNMENT.fullmatch(value):  # $ alone would let a final newline through
        raise click.BadParameter(
            f"{value!r} is not usable as an nbgrader assignment name, which names its folders: letters, "
            "digits and _ . - only, starting with a letter or digit (backprop, ps3, hw-2)"
        )
    return value


def check_column_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An export --assignment callback: a column name an LMS can match (not blank, one line)."""
    if not value.strip() or not value.isprintable():
        raise click.BadParameter(
            f"{value!r} is not usable as the grade's column name: give the assignment's name as your LMS "
            "shows it, on one line (Backprop, say)"
        )
    return value


class GivenPath(click.Path):
    """click.Path that refuses an empty one (`--out "$DIR"` with DIR unset, say): pathlib reads ""
    as ".", so grade graded the working folder, and --out wrote to it or failed on it. With
    dash_is_stdout (an output whose default is standard output), "-" is standard output too (None),
    as in most commands, where it wrote a file named "-"."""

    def __init__(self, *args: Any, dash_is_stdout: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dash_is_stdout = dash_is_stdout

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (str, bytes)) and not value:
            self.fail(
                "the path is empty: give a file or folder's name (is a shell variable unset?)", param, ctx
            )
        if self.dash_is_stdout and value in ("-", b"-"):
            return None
        return super().convert(value, param, ctx)


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange that also refuses nan and inf. Every comparison with nan is false, so nan
    passed the range's bounds: --timeout nan stopped grading with no message at all, and
    --fail-under nan never failed."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def stack(*options):
    """One decorator applying several click options, first listed first shown."""

    def decorate(function):
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


#: options of every command that runs student code
limit_options = stack(
    click.option(
        "--timeout",
        type=FiniteFloatRange(min=0.1),
        default=10.0,
        show_default=True,
        help="Seconds one call of a student function may take.",
    ),
    click.option(
        "--total-timeout",
        type=FiniteFloatRange(min=1),
        default=120.0,
        show_default=True,
        help="Seconds all calls of one submission may take together.",
    ),
    click.option(
        "--require-sandbox",
        is_flag=True,
        help="Exit with status 2 unless every protection (namespaces, Landlock, seccomp) is active.",
    ),
    click.option(
        "--memory-mb",
        type=click.IntRange(min=256),
        default=2048,
        show_default=True,
        help="Memory limit of the process running student code.",
    ),
)


def worker_limits(timeout: float, total_timeout: float, memory_mb: int) -> WorkerLimits:
    from grader.worker import WorkerLimits

    return WorkerLimits(
        call_timeout=timeout, submission_timeout=total_timeout, memory_bytes=memory_mb * 1024**2
    )
