"""Errors the CLI turns into one line on stderr and an exit status, and writing output files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from grader.ci_log import inert_line
from grader.output_streams import silence_stdout, utf8_stdout
from grader.whole_file import write_whole


class _Refusal(click.ClickException):
    """A one-line error; it may quote what was handed in (names of files), which must stay text to
    a CI runner (ci_log)."""

    def format_message(self) -> str:
        return inert_line(self.message)


class SubmissionUnreadable(_Refusal):
    """Usage error or unreadable input: exit 2."""

    exit_code = 2


class GraderBroken(_Refusal):
    """The grader's own set-up is broken (reference, banks): exit 3."""

    exit_code = 3


class Interrupted(_Refusal):
    """Ctrl-C or SIGTERM before the command finished: exit 130, as for grade-all."""

    exit_code = 130


def unwritable(path: Path, error: OSError) -> SubmissionUnreadable:
    """The exit-2 error for an output file that could not be written."""
    return SubmissionUnreadable(
        f"could not write {path} ({os_error_reason(error)}); choose a path in a folder you can write to"
    )


def os_error_reason(error: OSError) -> str:
    """Why error happened, in a few words: its strerror, or for shutil.copytree's shutil.Error (a
    (source, target, why) for every file that failed) the first why and how many more failed."""
    failures = error.args[0] if isinstance(error, shutil.Error) and error.args else None
    if isinstance(failures, list) and failures:
        first = failures[0][-1] if isinstance(failures[0], tuple) else failures[0]
        return f"{first}{f', and {len(failures) - 1} more files' if len(failures) > 1 else ''}"
    return error.strerror or str(error)


@contextmanager
def reader_may_leave() -> Iterator[None]:
    """Print to stdout inside this block (with click.echo; grader.stdout_console's Console does
    the same by itself). A reader that leaves early (`... | head`) ends the printing, not the
    command: the files it has still to write (a report) are written and its exit status is its own."""
    try:
        yield
    except BrokenPipeError:
        silence_stdout()


def write_output(text: str, out: Path | None) -> None:
    """text to stdout (out None) or to the file out, replaced whole; an unwritable out is exit 2."""
    if out is None:
        utf8_stdout()  # a document (CSV, JSON, HTML): "?" for a character would change it
        click.echo(text, nl=False)
        return
    try:
        write_whole(out, text)
    except OSError as error:
        raise unwritable(out, error) from None
    click.echo(f"wrote {out}", err=True)


def refuse_a_broken_suite(suite: str, out: Path) -> None:
    """GraderBroken, before out is written, when what out hands out (a Gradescope bundle, the
    student kit) holds tests that cannot grade anyone: better now than on the first submission."""
    from grader.grading import suite_problem

    if (problem := suite_problem(suite)) is not None:
        raise GraderBroken(f"not writing {out}: {problem}")
