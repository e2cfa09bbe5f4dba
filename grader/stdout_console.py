"""The rich Consoles for the tables and reports a command prints, on stdout or into a file."""

from __future__ import annotations

import sys
from typing import Any, TextIO, TypeVar

from rich.console import Console

from grader.output_streams import silence_stdout


class StdoutConsole(Console):
    """A Console that falls silent when its reader leaves early (`... | head`, quitting `less`).

    rich's default exits the program there, with status 1; this one lets the command go on to
    write its files (an HTML page, a report) and set its own exit status.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        silence_stdout()


def stdout_console(width_when_piped: int) -> StdoutConsole:
    """A Console on stdout: as wide as the terminal, or width_when_piped characters when stdout is a
    file or a pipe (a fixed width keeps saved reports the same on every machine)."""
    return _quoting(StdoutConsole, width=None if sys.stdout.isatty() else width_when_piped)


def file_console(stream: TextIO, width: int) -> Console:
    """A Console writing a report into the file stream: width characters, no colours."""
    return _quoting(Console, file=stream, width=width, no_color=True)


_C = TypeVar("_C", bound=Console)


def _quoting(kind: type[_C], **options: Any) -> _C:
    """A console of kind for reports: no highlighting of numbers and no emoji codes, so that what a
    student printed is quoted as printed, ":smile:" included."""
    return kind(highlight=False, emoji=False, **options)
