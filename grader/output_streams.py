"""Standard output and error that never fail on a character their encoding lacks.

Reports hold characters such as −, ✓ and → (and whatever the student's code printed). Where the
streams are not UTF-8, as when output is redirected to a file on Windows (the ANSI code page,
cp1252) or PYTHONIOENCODING names a legacy codec, printing one raised UnicodeEncodeError and the
report was lost.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def _is_utf8(stream: TextIO) -> bool:
    try:
        return codecs.lookup(stream.encoding or "ascii").name == "utf-8"
    except LookupError:
        return False


def never_failing_output() -> None:
    """Text for people (the text report, messages): an unencodable character becomes "?"."""
    for stream in (sys.stdout, sys.stderr):
        if not _is_utf8(stream) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def silence_stdout() -> None:
    """Send what is left for stdout to the null device, once its reader has left (a broken pipe),
    as Python's documentation advises for SIGPIPE: flushing it at exit then reports no error."""
    _to_null(sys.stdout)


def _to_null(stream: TextIO) -> None:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, stream.fileno())
    os.close(null)


@contextmanager
def messages_may_be_lost() -> Iterator[None]:
    """Messages on stderr (progress, notes, the summary) that cannot be written, because its reader
    has left (`2>&1 | head`) or its disk is full, end there, with the rest of stderr: the command
    goes on, and its exit status is its own. Only writes to stderr belong in this block."""
    try:
        yield
    except OSError:
        _to_null(sys.stderr)


def utf8_stdout() -> None:
    """Documents for programs (JSON, XML, workflow commands) are UTF-8 whatever the locale: a "?"
    in place of a character would change their content."""
    if not _is_utf8(sys.stdout) and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
