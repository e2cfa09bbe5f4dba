"""Keeping a GitHub Actions runner from taking what the grader prints as workflow commands.

A runner reads a job's output, stdout and stderr, for commands: a line that starts with `::`
(`::add-mask::`, `::error::`, ...) and, in the older form it still reads, `##[command]` anywhere
in a line (`##[add-mask]Total`, `##[stop-commands]x`). What the grader prints quotes what the
student wrote (exception messages, printed output, names of files handed in), which could hide
the total from the log, silence the grader's own annotations or forge new ones. So:

- text for people that quotes a student (the text report, stats' tables) is printed, on GitHub
  Actions, between `::stop-commands::TOKEN` and `::TOKEN::`, GitHub's own remedy, with a random
  token per run that the student's code, done before anything is printed, cannot know;
- documents for programs (JSON, JUnit XML), which may be piped on and must stay exactly the
  document, write the `[` of `##[` as an escape that parses back to `[` (`\\u005b`, `&#91;`);
  they already keep line breaks escaped, so no line of theirs starts with the student's text;
- one-line messages write `##[` as the runner itself defangs it in user output: `##[\\`; so do
  the text cells of a CSV export, which has no escape that would keep the text exactly.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

LEGACY = "##["


@contextmanager
def workflow_commands_paused() -> Iterator[None]:
    """On GitHub Actions (GITHUB_ACTIONS=true), what is printed inside is only text to the runner."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        yield
        return
    token = secrets.token_hex(16)
    click.echo(f"::stop-commands::{token}")
    try:
        yield
    finally:
        sys.stdout.flush()
        click.echo(f"::{token}::")


def inert_json(document: str) -> str:
    """JSON text that parses to the same data, with no `##[` in it (only strings can hold '#')."""
    return document.replace(LEGACY, "##\\u005b")


def inert_xml(document: str) -> str:
    """XML that parses to the same data, with no `##[` in it (text and attributes; no CDATA here)."""
    return document.replace(LEGACY, "##&#91;")


def inert_line(text: str) -> str:
    """A message for people: `##[` as `##[\\`, which names no command."""
    return text.replace(LEGACY, LEGACY + "\\")


def inert_lines(text: str) -> str:
    """Text of several lines for people (a traceback): each line as inert_line, and one that starts
    with `::` once its leading blanks are gone (the runner strips them) with a `\\` before it."""
    return "\n".join(
        f"\\{line}" if line.lstrip().startswith("::") else line for line in inert_line(text).split("\n")
    )
