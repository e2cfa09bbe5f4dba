"""Options shared by several commands, and what they turn into."""

from __future__ import annotations

import math
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
