"""Errors the CLI turns into one line on stderr and an exit status, and writing output files."""

from __future__ import annotations

import errno
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from grader.ci_log import inert_line, inert_lines
from grader.faults import fault_report, full_traceback, wants_traceback
from grader.output_streams import messages_may_be_lost, silence_stdout, utf8_stdout
from grader.whole_file import write_whole


class _Refusal(click.ClickException):
    """A one-line error; it may quote what was handed in (names of files), which must stay text to
    a CI runner (ci_log)."""

    def format_message(self) -> str:
        return inert_line(self.message)

    def show(self, file: Any = None) -> None:
        """The line on stderr, unless stderr is gone (a closed terminal after SIGHUP, a full disk):
        the exit status still tells, where a traceback about the lost line would make it 1."""
        with messages_may_be_lost():
            super().show(file)


class SubmissionUnreadable(_Refusal):
    """Usage error or unreadable input: exit 2."""

    exit_code = 2


class GraderBroken(_Refusal):
    """The grader's own set-up is broken (reference, banks): exit 3."""

    exit_code = 3


class Interrupted(_Refusal):
    """Ctrl-C, SIGTERM or SIGHUP before the command finished: exit 130, as for grade-all."""

    exit_code = 130


def unwritable(path: Path, error: OSError) -> SubmissionUnreadable:
    """The exit-2 error for an output file that could not be written."""
    return SubmissionUnreadable(
        f"could not write {path} ({os_error_reason(error)}); choose a path in a folder you can write to"
    )


def copy_failures(error: OSError) -> list[Any]:
    """What shutil.copytree's shutil.Error holds: a (source, target, why) for every file that
    failed (or a bare why); [] for any other error."""
    failures = error.args[0] if isinstance(error, shutil.Error) and error.args else None
    return failures if isinstance(failures, list) else []


def os_error_reason(error: OSError) -> str:
    """Why error happened, in a few words: its strerror, or for shutil.copytree's shutil.Error
    (copy_failures) the first why and how many more failed."""
    if failures := copy_failures(error):
        first = failures[0][-1] if isinstance(failures[0], tuple) else failures[0]
        return f"{first}{f', and {len(failures) - 1} more files' if len(failures) > 1 else ''}"
    return error.strerror or str(error)


#: what only writing fails with: where it goes has no room (a full disk, a quota, a size limit)
OUTPUT_FAILURES = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


#: where OneLineErrors keeps the command line as typed (in the group's ctx.meta)
_TYPED = "backprop-grader.typed"


class OneLineErrors(click.Group):
    """The command group, which turns a failed write that no command caught (stdout on a full disk
    after the work was done: `release kit > log.txt`) into one line and exit 2, not a traceback, and
    a stop (Ctrl-C, SIGTERM, SIGHUP) that no command caught into one line and exit 130, not
    click's "Aborted!" and exit 1. What was written by then is whole: every output file is written
    beside its target and renamed over it, and a folder made (release, sort-canvas) is removed."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BaseException as error:
            _streams_given_back()
            if _a_fault_of_ours(error):
                raise GraderBroken(_fault_line(error)) from None
            if not isinstance(error, KeyboardInterrupt):
                raise
            command = self._stopped_command(ctx)
            raise Interrupted(
                f"interrupted (Ctrl-C, SIGTERM or SIGHUP) before {command} finished; the files it writes "
                "are written whole or not at all: run the same command again"
            ) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_TYPED] = list(args)  # click empties ctx.args before a subcommand runs
        return super().parse_args(ctx, args)

    def _stopped_command(self, ctx: click.Context) -> str:
        """The command a stop ended, as typed: `quiz template`, not `quiz`."""
        name = ctx.invoked_subcommand
        if name is None:
            return "the command"
        command = self.get_command(ctx, name)
        if isinstance(command, click.Group):
            typed = ctx.meta.get(_TYPED, [])
            after = typed[typed.index(name) + 1 :] if name in typed else []
            inner = next((arg for arg in after if arg in command.commands), None)
            return f"{name} {inner}" if inner else name
        return name

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except OSError as error:
            if error.errno not in OUTPUT_FAILURES:
                raise
            silence_stdout()
            where = f" {error.filename}" if error.filename else ""
            click.echo(
                f"Error: could not write{where} ({error.strerror}): make room where the output goes", err=True
            )
            sys.exit(2)


def _a_fault_of_ours(error: BaseException) -> bool:
    """Whether error is one no command expected, which makes it a bug of the grader's: not click's
    own, not a stop, not a full disk (OneLineErrors.main)."""
    expected = (click.ClickException, click.exceptions.Exit, click.exceptions.Abort)
    output_failed = isinstance(error, OSError) and error.errno in OUTPUT_FAILURES
    return isinstance(error, Exception) and not isinstance(error, expected) and not output_failed


def _fault_line(error: BaseException) -> str:
    """One line for a bug of the grader's: what was raised, and where, for a report of it (its whole
    traceback printed first, when the environment asks for it)."""
    if wants_traceback():
        with messages_may_be_lost():
            click.echo(inert_lines(full_traceback(error)), err=True)
    return f"the grader failed: {fault_report(error)}"


def _streams_given_back() -> None:
    """Before an error is shown: wait for a pytest session's set-up that holds sys.stdout and
    sys.stderr (suite_runner), where the error would be lost. Not imported just for this: a command
    that started no session (or --help) has nothing to wait for."""
    runner = sys.modules.get("grader.suite_runner")
    if runner is not None:
        runner.streams_given_back()


@contextmanager
def reader_may_leave() -> Iterator[None]:
    """Print to stdout inside this block (with click.echo; grader.stdout_console's Console does
    the same by itself). A reader that leaves early (`... | head`) ends the printing, not the
    command: the files it has still to write (a report) are written and its exit status is its own.
    Any other failure to write stdout (`> grades.csv` on a full disk) is one line and exit 2."""
    try:
        yield
    except BrokenPipeError:
        silence_stdout()
    except OSError as error:
        silence_stdout()  # what is left in stdout's buffer must not fail again at exit
        raise SubmissionUnreadable(
            f"could not write to standard output ({os_error_reason(error)}); make room where it goes, or send "
            "it elsewhere, and run the command again"
        ) from None


def write_output(text: str, out: Path | None) -> None:
    """text to stdout (out None) or to the file out, replaced whole; an unwritable out is exit 2."""
    if out is None:
        utf8_stdout()  # a document (CSV, JSON, HTML): "?" for a character would change it
        with reader_may_leave():
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
